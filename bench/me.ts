/**
 * `npm run bench:me`: `GET /api/v1/me` for one enrolled user, beside a bare Express route in the same
 * run (interleaved rounds, bench/support/load.ts), with p99 and the server's CPU per request. Rows:
 * the bare Express route of the minimal server of bench/verify-server.ts; `/me` through the whole
 * production app (its request listener, where a successful `GET /api/v1/me` is answered before Express:
 * src/http/api-lane.ts); and `/me` through Express on the minimal server (JSON parser, the Connect JWT
 * check, the app's real /me router: the route the lane hands anything but a plain success to). Server and
 * load are pinned to a core each, as in bench:verify.
 *
 * Aim (issue 10): the full app at least 0.5 of the bare route, p99 under 20 ms at 64 connections.
 * Environment: BENCH_SECONDS (5), BENCH_ROUNDS (3), BENCH_CONNECTIONS (64), BENCH_DATABASE_URL
 * (default a temporary SQLite file), BENCH_ONLY (bench/support/load.ts), BENCH_PROFILE=1 (CPU profile
 * of the server into bench/results/).
 */
import { mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { benchDatabase, cpuProbe, pin, startServer, tokens, runBench, stopServer } from './support/harness';
import { measure, onlyTargets, printTable } from './support/load';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const AIM = { ratio: 0.5, p99Ms: 20 };

async function main(): Promise<void> {
  const cpus = availableParallelism();
  const pinned = cpus >= 2 && pin(process.pid, 1);
  const database = await benchDatabase();
  const { child, ready } = await startServer(database.url, { users: 1 }).catch(async (error: unknown) => {
    await database.drop();
    throw error;
  });
  const serverPinned = cpus >= 2 && pin(child.pid!, 0);
  const [token] = tokens(ready, 0, 1);
  const auth = { authorization: `JWT ${token}` };
  const targets = onlyTargets([
    { name: 'bare route', url: `http://127.0.0.1:${ready.leanPort}/bare` },
    { name: 'GET /me, full app', url: `http://127.0.0.1:${ready.appPort}/api/v1/me`, headers: auth },
    { name: 'GET /me through Express', url: `http://127.0.0.1:${ready.leanPort}/api/v1/me`, headers: auth },
  ]);
  const options = { connections: CONNECTIONS, durationSeconds: SECONDS, rounds: ROUNDS };
  try {
    await measure(targets, { ...options, durationSeconds: 1, rounds: 1 });
    const profiling = process.env.BENCH_PROFILE === '1';
    if (profiling) child.send({ type: 'profile', on: true });
    const results = await measure(targets, options, cpuProbe(child.pid!));
    if (profiling) {
      mkdirSync(join(__dirname, 'results'), { recursive: true });
      const file = join(__dirname, 'results', `me-server-${Date.now()}.cpuprofile`);
      const done = new Promise((resolve) => child.once('message', resolve));
      child.send({ type: 'profile', on: false, file });
      await done;
      process.stdout.write(`CPU profile of the server: ${file}\n`);
    }
    const title =
      `GET /api/v1/me, one enrolled user, ${CONNECTIONS} connections, median of ${ROUNDS} interleaved rounds × ${SECONDS} s; ${ready.dialect}; ` +
      `server ${serverPinned ? 'pinned to CPU 0' : 'not pinned'}, load ${pinned ? 'pinned to CPU 1' : 'not pinned'} (${cpus} CPUs)`;
    const row = (name: string) => results.find((result) => result.name === name);
    const [bare, full, me] = [row('bare route'), row('GET /me, full app'), row('GET /me through Express')];
    if (!bare || !full || !me) {
      printTable(title, results, results[0]!.name);
      return;
    }
    printTable(title, results, 'bare route');
    const met = (ok: boolean) => (ok ? 'met' : 'not met');
    const ratio = me.requestsPerSecond / bare.requestsPerSecond;
    const fullRatio = full.requestsPerSecond / bare.requestsPerSecond;
    process.stdout.write(
      [
        '',
        `ratio GET /me (full app) / bare route: ${fullRatio.toFixed(2)} (through Express ${ratio.toFixed(2)}); aim ${AIM.ratio} or better: ${met(fullRatio >= AIM.ratio)}`,
        `p99 of GET /me: full app ${full.p99Ms} ms (through Express ${me.p99Ms} ms); aim under ${AIM.p99Ms} ms: ${met(full.p99Ms < AIM.p99Ms)}`,
        ...(me.cpuUsPerRequest === undefined
          ? []
          : [
              `server CPU per request: bare ${bare.cpuUsPerRequest!.toFixed(0)} µs, /me full app ${full.cpuUsPerRequest!.toFixed(0)} µs, through Express ${me.cpuUsPerRequest.toFixed(0)} µs`,
            ]),
        '',
      ].join('\n'),
    );
  } finally {
    await stopServer(child, database);
  }
}

runBench(main);
