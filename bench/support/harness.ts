/**
 * What bench/verify.ts, bench/me.ts and bench/admin-reads.ts share: the server child
 * (bench/verify-server.ts) started and pinned, a Postgres schema of the bench's own, context tokens,
 * and the server's CPU time probe.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as jwt from 'atlassian-jwt';
import { Client } from 'pg';
import { PROJECT_ROOT } from '../../src/config/project-root';
import { benchUserId } from '../verify-users';

export interface Ready {
  appPort: number;
  leanPort: number;
  clientKey: string;
  sharedSecret: string;
  dialect: string;
  /** The audit page's (bench/admin-reads.ts) or the users page's (bench/admin-users.ts) query plans, when seeded. */
  plans?: string[];
}

export function pin(pid: number, cpu: number): boolean {
  try {
    execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * For Postgres, a schema of the bench's own, selected with `search_path` and dropped afterwards, so
 * that the bench never writes into the database's default schema.
 */
export async function benchDatabase(): Promise<{ url: string | undefined; drop(): Promise<void> }> {
  const base = process.env.BENCH_DATABASE_URL;
  if (!base?.startsWith('postgres')) return { url: base, drop: async () => {} };
  const schema = `twofold_bench_${randomBytes(6).toString('hex')}`;
  const run = async (sql: string) => {
    const client = new Client({ connectionString: base });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await run(`CREATE SCHEMA ${schema}`);
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return { url: url.toString(), drop: () => run(`DROP SCHEMA IF EXISTS ${schema} CASCADE`) };
}

export function startServer(
  databaseUrl: string | undefined,
  seed: { users: number; auditEntries?: number; mirroredUsers?: number },
): Promise<{ child: ChildProcess; ready: Ready }> {
  // Compiled (`npx tsc -p . --outDir <dir>`, then `node <dir>/bench/me.js`): the server runs as
  // compiled JavaScript too, which is what production runs and what a profile should show.
  const compiled = __filename.endsWith('.js');
  const server = join(__dirname, '..', compiled ? 'verify-server.js' : 'verify-server.ts');
  const child = spawn(process.execPath, [...(compiled ? [] : ['--import', 'tsx']), server], {
    // ACE reads the descriptor from the working folder: the project folder, also when compiled into dist-bench/.
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE ?? '4' },
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the bench server exited with ${code}`)));
    child.on('message', (message: { type: string; message?: string } & Ready) => {
      if (message.type === 'ready') resolve({ child, ready: message });
      if (message.type === 'error') reject(new Error(message.message));
    });
    child.send({ type: 'start', databaseUrl, ...seed });
  });
}

/** Context tokens as Jira would hand them to pages (HS256 with the tenant's sharedSecret, qsh `context-qsh`). */
export function tokens(ready: Ready, from: number, count: number, subject: (index: number) => string = benchUserId): string[] {
  const now = Math.floor(Date.now() / 1000);
  return Array.from({ length: count }, (_, i) =>
    jwt.encodeSymmetric({ iss: ready.clientKey, sub: subject(from + i), iat: now, exp: now + 3600, qsh: 'context-qsh' }, ready.sharedSecret),
  );
}

/**
 * CPU time (ms, user + system, every thread) the server process has used so far, from
 * /proc/<pid>/stat; undefined where there is no /proc. Read around each measurement, it gives the
 * server's CPU per request, which other work on the machine disturbs far less than throughput.
 */
export function cpuProbe(pid: number): (() => number) | undefined {
  try {
    const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    const read = () => {
      // utime and stime are fields 14 and 15 of proc_pid_stat(5); after the ") " that ends the
      // command name (field 2), field 3 is index 0.
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
    };
    read();
    return read;
  } catch {
    return undefined;
  }
}

/** Stops the bench server and drops the bench's database (a `finally` of every bench). */
export async function stopServer(child: ChildProcess, database: { drop(): Promise<void> }): Promise<void> {
  child.send({ type: 'stop' });
  await new Promise((resolve) => child.once('exit', resolve));
  await database.drop();
}

/** Runs a bench's main, printing its failure and exiting non-zero. */
export function runBench(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
