/**
 * `npm run bench:rollout`: a rollout to a group of N users (ROLLOUT_USERS, default 20,000), then an export
 * of their 2FA IDs to the Jira user property `twofold-id`, against the sandbox Jira host behind a rate
 * limit of R requests a second (ROLLOUT_RATE, default 200: a token bucket of one second; beyond it the
 * host answers 429 with Retry-After, as Jira does) and 20 ms of latency on every host call.
 *
 * The app runs as its own process (`src/server` with the Node flags of `npm start`, as production runs
 * it; compiled when this bench is; BENCH_APP_NODE_FLAGS replaces the flags), installed into the sandbox
 * host that this process serves, so that its peak RSS (`VmHWM`) is the app's alone, not the fake Jira's too.
 *
 * Prints each job's elapsed time as a ratio of its floor (the host requests it made divided by R), the
 * 429s received, the app's peak RSS, and the users lost or doubled (every user has exactly one ID and one
 * property written, from the app's database and from the host's store).
 * Aim (issue 7): within 1.2 of the floor, peak RSS under 250 MB, nothing lost or doubled.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { QueryTypes, Sequelize } from 'sequelize';
import { SANDBOX_USERS } from '../src/sandbox/fixtures';
import { readSandboxState } from '../src/sandbox/sandbox-state';
import { RateLimitedSite } from '../test/support/rate-limited-site';
import { listenOnLoopback, startSandboxApp } from './support/sandbox-app';

const USERS = Number(process.env.ROLLOUT_USERS ?? 20_000);
const RATE = Number(process.env.ROLLOUT_RATE ?? 200);
const LATENCY_MS = 20;

/** A port nothing listens on yet, for the app's process. */
async function freeBase(): Promise<string> {
  const probe = createServer();
  const port = await listenOnLoopback(probe);
  await new Promise((resolve) => probe.close(resolve));
  return `http://127.0.0.1:${port}`;
}

/** The Node flags `npm start` runs the app with (package.json), so that the app here runs as it does in production. */
function startFlags(): string[] {
  const { scripts } = JSON.parse(readFileSync(join(process.cwd(), 'package.json'), 'utf8')) as { scripts: { start: string } };
  return scripts.start.split(' ').filter((word) => word.startsWith('--'));
}

/** A field of /proc/<pid>/status in MB (VmHWM: the peak resident set). */
function procStatusMb(pid: number, field: string): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((candidate) => candidate.startsWith(`${field}:`));
  return line ? Number(line.replace(/\D+/g, '')) / 1024 : Number.NaN;
}

async function main(): Promise<void> {
  // This process: the sandbox Jira host, its REST API limited and slowed.
  const {
    twofold: hostApp,
    server,
    baseUrl: hostBase,
    folder,
  } = await startSandboxApp('twofold-bench-rollout-', undefined, (dir) => ({
    TWOFOLD_SANDBOX_STATE_FILE: join(dir, 'sandbox.json'),
    TWOFOLD_SANDBOX_STAFF: String(USERS),
  }));
  // The host's rate limit: RATE requests a second, a second's worth of burst.
  const limit = new RateLimitedSite(RATE, Date.now());
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (!req.url?.startsWith('/sandbox/rest/')) return hostApp.handler(req, res);
    if (!limit.take(Date.now())) return void res.writeHead(429, { 'Retry-After': '1', 'Content-Type': 'application/json' }).end('{"message":"rate limited"}');
    setTimeout(() => hostApp.handler(req, res), LATENCY_MS);
  });

  // The app: its own process, as production runs it, installed into that host.
  const appBase = await freeBase();
  const appDatabaseUrl = process.env.BENCH_DATABASE_URL ?? `sqlite:${join(folder, 'app.sqlite')}`;
  const compiled = __filename.endsWith('.js');
  const nodeFlags = process.env.BENCH_APP_NODE_FLAGS === undefined ? startFlags() : process.env.BENCH_APP_NODE_FLAGS.split(' ').filter(Boolean);
  const app = spawn(
    process.execPath,
    [...nodeFlags, ...(compiled ? [] : ['--import', 'tsx']), join(__dirname, '..', 'src', compiled ? 'server.js' : 'server.ts')],
    {
      env: {
        ...process.env,
        NODE_ENV: 'test',
        HOST: '127.0.0.1',
        PORT: new URL(appBase).port,
        AC_LOCAL_BASE_URL: appBase,
        DATABASE_URL: appDatabaseUrl,
        TWOFOLD_MASTER_KEY: randomBytes(32).toString('base64'),
        TWOFOLD_SANDBOX: 'false',
        CONNECT_KEYS_CDN_URL: `${hostBase}/sandbox/connect-keys`,
        TWOFOLD_JOB_POLL_MS: '100',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  const appExited = new Promise((resolve) => app.once('exit', resolve));
  const healthy = () =>
    fetch(`${appBase}/healthz`).then(
      (response) => response.ok,
      () => false,
    );
  for (let attempt = 0; !(await healthy()); attempt += 1) {
    if (app.exitCode !== null || attempt > 600) throw new Error(`the app did not start (exit code ${app.exitCode})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  const host = hostApp.sandbox!.host;
  await host.install(`${appBase}/atlassian-connect.json`);
  const admin = SANDBOX_USERS[0]!.accountId;
  const api = async (method: string, path: string, body?: unknown): Promise<any> => {
    const response = await fetch(`${appBase}${path}`, {
      method,
      headers: { Authorization: `JWT ${host.contextToken(admin)}`, 'Content-Type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return response.json();
  };
  const run = async (name: string, path: string, body: unknown) => {
    const before = { served: limit.served, refused: limit.refused };
    const started = Date.now();
    const { jobId } = (await api('POST', path, body)) as { jobId: string };
    let job: any;
    // A job that takes three times the whole run's floor plus two minutes has stalled: say where it stands.
    const deadline = started + ((3 * 2 * USERS) / RATE + 120) * 1000;
    for (;;) {
      job = await api('GET', `/api/v1/admin/jobs/${jobId}`);
      if (!['queued', 'running'].includes(job.state)) break;
      if (Date.now() > deadline) throw new Error(`${name} stalled: ${JSON.stringify(job)}; ${limit.served - before.served} host requests so far`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const seconds = (Date.now() - started) / 1000;
    const requests = limit.served - before.served;
    const floor = requests / RATE;
    process.stdout.write(
      `${name.padEnd(8)} ${job.state} ${job.done}/${job.total} done, ${job.failed} failed; ${seconds.toFixed(1)} s for ${requests} host requests ` +
        `(floor ${floor.toFixed(1)} s): ratio ${(seconds / Math.max(floor, 0.001)).toFixed(2)}; 429s received ${limit.refused - before.refused}\n`,
    );
    return { seconds, floor };
  };

  process.stdout.write(`Rollout and export of ${USERS} users against a host allowing ${RATE} requests a second with ${LATENCY_MS} ms latency\n`);
  try {
    const rollout = await run('rollout', '/api/v1/admin/rollouts', { group: 'staff', idPattern: '%emailLocalPart%' });
    // The rollout starts a directory refresh: let it end, so that the export is measured on its own.
    for (;;) {
      const { jobs } = (await api('GET', '/api/v1/admin/jobs?limit=20')) as { jobs: Array<{ state: string }> };
      if (jobs.every((job) => !['queued', 'running'].includes(job.state))) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const exported = await run('export', '/api/v1/admin/sync', { direction: 'export', target: 'host' });
    const pid = app.pid!;
    const peakRssMb = procStatusMb(pid, 'VmHWM');
    process.stdout.write(
      `the app's resident set at the end: ${procStatusMb(pid, 'RssAnon').toFixed(0)} MB anonymous, ${procStatusMb(pid, 'RssFile').toFixed(0)} MB file-backed\n`,
    );
    app.kill('SIGTERM');
    await appExited;
    const database = new Sequelize(appDatabaseUrl, { logging: false });
    const [ids] = await database.query<{ n: number; distinct: number }>(
      'SELECT COUNT(*) AS n, COUNT(DISTINCT account_id) AS "distinct" FROM two_factor_ids WHERE two_factor_id LIKE \'staff%\'',
      { type: QueryTypes.SELECT },
    );
    await database.close();
    await hostApp.close();
    const state = readSandboxState(join(folder, 'sandbox.json'))!;
    const written = Object.values(state.userProperties).filter((properties) => properties['twofold-id'] !== undefined).length;
    const total = rollout.seconds + exported.seconds;
    const floor = rollout.floor + exported.floor;
    process.stdout.write(
      `in all: ${total.toFixed(1)} s, ratio to the floor ${(total / Math.max(floor, 0.001)).toFixed(2)} (aim ≤ 1.2); the app's peak RSS ${peakRssMb.toFixed(0)} MB (aim < 250)\n` +
        `IDs stored ${Number(ids!.n)} for ${Number(ids!.distinct)} users, properties written ${written}, of ${USERS}: ` +
        `${USERS - Math.min(Number(ids!.distinct), written)} lost, ${Number(ids!.n) - Number(ids!.distinct)} doubled\n`,
    );
  } finally {
    if (app.exitCode === null) app.kill('SIGKILL');
    server.close();
    rmSync(folder, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${String(error instanceof Error ? error.stack : error)}\n`);
    process.exit(1);
  },
);
