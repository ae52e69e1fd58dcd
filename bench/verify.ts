/**
 * `npm run bench:verify`: throughput and p99 latency of `POST /api/v1/me/verify` under 64 concurrent
 * connections, side by side in the same run with a bare Express route and with a route that does
 * only the Connect JWT check, interleaved round by round so that drift (thermal, other load) hits
 * every scenario alike. Prints both ratios. No assertion: timings are for people to read.
 *
 * Setup: the app runs in a child process pinned to CPU 0 (`taskset`), the load generator (autocannon)
 * here, pinned to CPU 1. The child boots the whole app with the sandbox Jira host, installs it, sets
 * the policy and seeds enrolled users (bench/verify-server.ts).
 *
 * What is measured, and why it means something:
 * - "verify, accepted": every request carries a *valid, fresh* code for a different user, so each one
 *   runs the whole success path: lockout and credential read and unseal, the reservation of the
 *   attempt (an atomic upsert of the user's counter), HMAC over the window, the atomic replay-guard
 *   UPDATE, then the counter reset, the session write and the audit insert together. A code is single-use, so
 *   one user can succeed once per 30-second step; the pool of seeded users is large enough that no
 *   user is asked twice in a step (the run says so if it ran out).
 * - "verify, wrong code": the failure path with the lockout raised to its ceiling through the policy
 *   (100 per user, 1,000,000 per tenant), so that each request is a counted failure (the reservation
 *   upsert of the user's counter, atomic increment of the tenant's, audit insert), not a cheap 429.
 * - The bare and JWT-only routes and both verify scenarios are served by one minimal Express server
 *   in the app's process (same services, same database): the Express route. "verify, accepted, full app"
 *   goes through the production app's request listener, where a plain verify is answered before Express
 *   (src/http/api-lane.ts) with the request id, log line and security headers every answer gets: what
 *   production serves, and the row the aim is read from.
 *
 * The load and the table come from bench/support/load.ts (interleaved rounds, median round). Beside
 * throughput and p99 the table shows the server's CPU time per request (all its threads, from
 * /proc/<pid>/stat, Linux only) and its ratio to the bare route's. Other work on a shared machine
 * moves the throughput ratio far more than this one (unchanged code, one afternoon: throughput ratio
 * 0.15 to 0.28, CPU ratio 0.14 to 0.19), so it is the one to compare two versions of the code by. Mind Little's law when reading p99: 64 connections at a mean
 * latency under 20 ms need more than 3,200 requests a second.
 *
 * Environment: BENCH_SECONDS (5), BENCH_ROUNDS (3), BENCH_CONNECTIONS (64), BENCH_USERS (pool of
 * accepted-code users, 60000), BENCH_DATABASE_URL (default: a temporary SQLite file; a postgres://
 * URL benchmarks on Postgres, in a schema of its own that is dropped afterwards), BENCH_ONLY (measure
 * only targets whose name contains it; `a|b` for several, e.g. `bare|accepted code`), BENCH_PROFILE=1
 * (CPU profile of the server while measuring).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { totp } from '../src/domain/mfa/totp';
import { benchDatabase, cpuProbe, pin, startServer, tokens, runBench, stopServer } from './support/harness';
import { measure, onlyTargets, printTable, type Measurement, type Target } from './support/load';
import { benchSecret } from './verify-users';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const ACCEPT_POOL = Number(process.env.BENCH_USERS ?? 60_000);
const WRONG_POOL = 5_000;
const PARAMS = { algorithm: 'SHA1', digits: 6, period: 30 } as const;
const AIM = { ratio: 0.4, p99Ms: 20 };

/**
 * Hands out users for fresh codes round-robin over the pool; a user is given out again only in a
 * later time step than its last use (a code's step is accepted once).
 */
class AcceptedUsers {
  private cursor = 0;
  private readonly lastStep = new Int32Array(ACCEPT_POOL).fill(-1);
  exhausted = 0;
  constructor(private readonly jwts: string[]) {}
  next(): { headers: Record<string, string>; body: string } {
    const now = new Date();
    const step = Math.floor(now.getTime() / 1000 / PARAMS.period);
    const index = this.cursor++ % ACCEPT_POOL;
    if (this.lastStep[index] === step) this.exhausted += 1;
    this.lastStep[index] = step;
    return { headers: { authorization: `JWT ${this.jwts[index]}` }, body: JSON.stringify({ code: totp(benchSecret(index), now, PARAMS) }) };
  }
}

async function main(): Promise<void> {
  const cpus = availableParallelism();
  const pinned = cpus >= 2 && pin(process.pid, 1);
  const started = Date.now();
  process.stdout.write(`Starting the app and seeding ${ACCEPT_POOL + WRONG_POOL} enrolled users…\n`);
  const database = await benchDatabase();
  const { child, ready } = await startServer(database.url, { users: ACCEPT_POOL + WRONG_POOL }).catch(async (error: unknown) => {
    await database.drop();
    throw error;
  });
  const serverPinned = cpus >= 2 && pin(child.pid!, 0);
  process.stdout.write(`Ready after ${((Date.now() - started) / 1000).toFixed(1)} s (${ready.dialect}).\n`);

  const acceptedJwts = tokens(ready, 0, ACCEPT_POOL);
  const wrongJwts = tokens(ready, ACCEPT_POOL, WRONG_POOL);
  const accepted = new AcceptedUsers(acceptedJwts);
  let wrongCursor = 0;
  const jwtOnly = acceptedJwts[0]!;

  const json = { 'content-type': 'application/json' };
  const lean = `http://127.0.0.1:${ready.leanPort}`;
  const app = `http://127.0.0.1:${ready.appPort}`;
  // A fresh request per call: autocannon's setupRequest gets the defaults and returns the request to send.
  const fresh =
    (next: () => { headers: Record<string, string>; body: string }): Target['setupRequest'] =>
    (request) => {
      const built = next();
      return { ...request, headers: { ...request.headers, ...built.headers }, body: built.body };
    };
  const wrongCode = () => {
    const index = wrongCursor++ % WRONG_POOL;
    const right = totp(benchSecret(ACCEPT_POOL + index), new Date(), PARAMS);
    return { headers: { authorization: `JWT ${wrongJwts[index]}` }, body: JSON.stringify({ code: right === '000000' ? '000001' : '000000' }) };
  };
  const targets: Target[] = [
    { name: 'bare route', url: `${lean}/bare` },
    { name: 'JWT check only', url: `${lean}/api/v1/jwt-only`, headers: { Authorization: `JWT ${jwtOnly}` } },
    {
      name: 'JWT check and a JSON body',
      url: `${lean}/api/v1/jwt-only`,
      method: 'POST',
      headers: { Authorization: `JWT ${jwtOnly}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ code: '123456' }),
    },
    { name: 'verify, accepted code', url: `${lean}/api/v1/me/verify`, method: 'POST', headers: json, setupRequest: fresh(() => accepted.next()) },
    { name: 'verify, wrong code (counted)', url: `${lean}/api/v1/me/verify`, method: 'POST', headers: json, setupRequest: fresh(wrongCode) },
    { name: 'verify, accepted, full app', url: `${app}/api/v1/me/verify`, method: 'POST', headers: json, setupRequest: fresh(() => accepted.next()) },
  ];
  const measured = onlyTargets(targets);
  const options = { connections: CONNECTIONS, durationSeconds: SECONDS, rounds: ROUNDS };

  try {
    process.stdout.write('Warming up…\n');
    await measure(measured, { ...options, durationSeconds: 1, rounds: 1 });
    // BENCH_PROFILE=1 writes a CPU profile of the server during the measured rounds into bench/results/.
    const profiling = process.env.BENCH_PROFILE === '1';
    if (profiling) child.send({ type: 'profile', on: true });
    process.stdout.write(`Measuring: ${ROUNDS} interleaved rounds of ${SECONDS} s per target…\n`);
    const results = await measure(measured, options, cpuProbe(child.pid!));
    if (profiling) {
      mkdirSync(join(__dirname, 'results'), { recursive: true });
      const file = join(__dirname, 'results', `verify-server-${Date.now()}.cpuprofile`);
      const done = new Promise((resolve) => child.once('message', resolve));
      child.send({ type: 'profile', on: false, file });
      await done;
      process.stdout.write(`CPU profile of the server: ${file}\n`);
    }

    process.stdout.write('\n');
    printTable(
      `POST /api/v1/me/verify, ${CONNECTIONS} connections, median of ${ROUNDS} interleaved rounds × ${SECONDS} s; ${ready.dialect}${process.env.BENCH_DATABASE_URL ? '' : ' (temporary file)'}; ` +
        `server ${serverPinned ? 'pinned to CPU 0' : 'not pinned'}, load ${pinned ? 'pinned to CPU 1' : 'not pinned'} (${cpus} CPUs)`,
      results,
      measured.some((target) => target.name === 'bare route') ? 'bare route' : measured[0]!.name,
    );
    if (measured.length < targets.length) return;
    const get = (name: string) => results.find((r) => r.name === name)!;
    const bare = get('bare route');
    const jwtCheck = get('JWT check only');
    const verifyOk = get('verify, accepted code');
    const verifyWrong = get('verify, wrong code (counted)');
    const verifyFull = get('verify, accepted, full app');
    const ratio = (a: Measurement, b: Measurement) => (a.requestsPerSecond / b.requestsPerSecond).toFixed(2);
    const met = (ok: boolean) => (ok ? 'met' : 'not met');
    const lines = [
      '',
      `ratio verify (accepted, full app) / bare route: ${ratio(verifyFull, bare)}   aim ${AIM.ratio} or better: ${met(verifyFull.requestsPerSecond / bare.requestsPerSecond >= AIM.ratio)}`,
      `ratio verify (accepted, through Express) / bare route: ${ratio(verifyOk, bare)}`,
      `ratio verify (accepted) / JWT check only:    ${ratio(verifyOk, jwtCheck)}`,
      `ratio verify (wrong code) / bare route:      ${ratio(verifyWrong, bare)}`,
      `ratio verify (wrong code) / JWT check only:  ${ratio(verifyWrong, jwtCheck)}`,
      `ratio full app / Express route (accepted):   ${ratio(verifyFull, verifyOk)}`,
      ...(verifyOk.cpuUsPerRequest === undefined
        ? []
        : [
            `server CPU per request, bare route / verify (accepted, full app): ${(bare.cpuUsPerRequest! / verifyFull.cpuUsPerRequest!).toFixed(2)} (${bare.cpuUsPerRequest!.toFixed(0)} and ${verifyFull.cpuUsPerRequest!.toFixed(0)} µs, through Express ${verifyOk.cpuUsPerRequest.toFixed(0)} µs: what the throughput ratio tends to when the server's core is the bottleneck)`,
          ]),
      `p99 of verify (accepted): full app ${verifyFull.p99Ms} ms, through Express ${verifyOk.p99Ms} ms; aim under ${AIM.p99Ms} ms: ${met(verifyFull.p99Ms < AIM.p99Ms)}`,
      '',
      'What the rows mean: "accepted" requests each carry a fresh valid code of another seeded user and run the whole',
      'success path (one read of credential and counters, the attempt reservation upsert, then one statement (on SQLite an INSERT whose trigger runs the rest; Sql.changedThen) of the',
      'replay-guard UPDATE, the counter reset, both sessions and the audit insert);',
      '"wrong code" requests are counted failures (the reservation upsert of the user counter, atomic increment of the',
      'tenant counter, audit insert) with the lockout raised through the policy, so they are 401s by design, not 429s.',
      `The accepted rows expect 0 non-2xx; ${accepted.exhausted} requests would have reused a user within a time step.`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);

    const folder = join(__dirname, 'results');
    mkdirSync(folder, { recursive: true });
    const file = join(folder, `verify-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, JSON.stringify({ at: new Date().toISOString(), dialect: ready.dialect, ...options, results }, null, 2));
    process.stdout.write(`Results written to ${file}\n`);
  } finally {
    await stopServer(child, database);
  }
}

runBench(main);
