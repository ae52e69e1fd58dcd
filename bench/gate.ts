/**
 * `npm run bench:gate`: `GET /gate/v1/check` for a verified Data Center user (nginx's `auth_request`
 * on every request to the site) beside a bare Node `http` server that only answers 204, in the same
 * run, interleaved rounds (bench/support/load.ts); throughput ratio, p99, and the server's CPU per
 * request. Server and load pinned to a core each where there are two.
 *
 * Aim (issue 8): at least 0.5 of the bare server's throughput, p99 under 5 ms, at 64 connections.
 * Environment: BENCH_SECONDS (5), BENCH_ROUNDS (3), BENCH_CONNECTIONS (64), BENCH_DATABASE_URL
 * (default a temporary SQLite file), BENCH_PROFILE=1 (a CPU profile of the server, whole run, into bench/results/).
 */
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { benchDatabase, cpuProbe, pin, runBench } from './support/harness';
import { measure, printTable, type Target } from './support/load';
import { PROJECT_ROOT } from '../src/config/project-root';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const AIM = { ratio: 0.5, p99Ms: 5 };

interface Ready {
  appPort: number;
  barePort: number;
  dialect: string;
  headers: Record<string, string>;
}

async function main(): Promise<void> {
  const cpus = availableParallelism();
  const pinned = cpus >= 2 && pin(process.pid, 1);
  const database = await benchDatabase();
  const compiled = __filename.endsWith('.js');
  const profile = process.env.BENCH_PROFILE === '1' ? ['--cpu-prof', `--cpu-prof-dir=${join(__dirname, 'results')}`] : [];
  const child = spawn(
    process.execPath,
    [...profile, ...(compiled ? [] : ['--import', 'tsx']), join(__dirname, compiled ? 'gate-server.js' : 'gate-server.ts')],
    {
      // ACE reads the descriptor from the working folder: the project folder, also when compiled into dist-bench/.
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  try {
    const ready = await new Promise<Ready>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`the bench server exited with ${code}`)));
      child.on('message', (message: { type: string; message?: string } & Ready) => {
        if (message.type === 'ready') resolve(message);
        if (message.type === 'error') reject(new Error(message.message));
      });
      child.send({ type: 'start', databaseUrl: database.url });
    });
    const serverPinned = cpus >= 2 && pin(child.pid!, 0);
    const check = await fetch(`http://127.0.0.1:${ready.appPort}/gate/v1/check`, { headers: ready.headers });
    if (check.status !== 204 || check.headers.get('x-twofold-reason') !== 'verified') {
      throw new Error(`the check does not answer 204 verified: ${check.status} ${check.headers.get('x-twofold-reason')}`);
    }
    const targets: Target[] = [
      { name: 'bare http 204', url: `http://127.0.0.1:${ready.barePort}/` },
      { name: 'GET /gate/v1/check', url: `http://127.0.0.1:${ready.appPort}/gate/v1/check`, headers: ready.headers },
    ];
    const options = { connections: CONNECTIONS, durationSeconds: SECONDS, rounds: ROUNDS };
    await measure(targets, { ...options, durationSeconds: 1, rounds: 1 });
    const results = await measure(targets, options, cpuProbe(child.pid!));
    printTable(
      `GET /gate/v1/check, a verified Data Center user, ${CONNECTIONS} connections, median of ${ROUNDS} interleaved rounds × ${SECONDS} s; ${ready.dialect}; ` +
        `server ${serverPinned ? 'pinned to CPU 0' : 'not pinned'}, load ${pinned ? 'pinned to CPU 1' : 'not pinned'} (${cpus} CPUs)`,
      results,
      'bare http 204',
    );
    const [bare, gate] = results as [(typeof results)[0], (typeof results)[0]];
    const met = (ok: boolean) => (ok ? 'met' : 'not met');
    const ratio = gate.requestsPerSecond / bare.requestsPerSecond;
    process.stdout.write(
      [
        '',
        `ratio check / bare: ${ratio.toFixed(2)}; aim ${AIM.ratio} or better: ${met(ratio >= AIM.ratio)}`,
        `p99 of the check: ${gate.p99Ms} ms; aim under ${AIM.p99Ms} ms: ${met(gate.p99Ms < AIM.p99Ms)}`,
        ...(gate.cpuUsPerRequest === undefined
          ? []
          : [`server CPU per request: bare ${bare.cpuUsPerRequest!.toFixed(0)} µs, check ${gate.cpuUsPerRequest.toFixed(0)} µs`]),
        '',
      ].join('\n'),
    );
  } finally {
    child.send({ type: 'stop' });
    await new Promise((resolve) => child.once('exit', resolve));
    await database.drop();
  }
}

runBench(main);
