/**
 * `npm run bench:admin-users`: `GET /api/v1/admin/users`, a page of 50 from 20,000 users in the directory
 * mirror, through the whole app at 16 connections, beside a bare Express route in the same run, with p99
 * and the server's CPU per request. Rows: the first page, a page deep down (a keyset cursor at a random
 * point of the sort order), a group's page, enrolled users only (1,000 of the 20,000), and a search. The
 * server seeds the mirror and prints the page statement's plans (EXPLAIN QUERY PLAN on SQLite, EXPLAIN on
 * Postgres). No request reaches the host: the page is served from Twofold's own tables.
 *
 * Aim (issue 10): p99 under 50 ms at 16 connections, the query on an index.
 * Environment: BENCH_SECONDS (5), BENCH_ROUNDS (3), BENCH_CONNECTIONS (16), BENCH_MIRRORED_USERS (20,000),
 * BENCH_DATABASE_URL (default a temporary SQLite file).
 */
import { availableParallelism } from 'node:os';
import { benchDatabase, cpuProbe, pin, startServer, tokens, runBench, stopServer } from './support/harness';
import { measure, printTable, type Target } from './support/load';
import { ALICE_ADMIN_ID } from './verify-users';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const USERS = Number(process.env.BENCH_MIRRORED_USERS ?? 20_000);
const AIM_P99_MS = 50;

async function main(): Promise<void> {
  const cpus = availableParallelism();
  const pinned = cpus >= 2 && pin(process.pid, 1);
  const database = await benchDatabase();
  const started = Date.now();
  process.stdout.write(`Starting the app and seeding ${USERS} mirrored users…\n`);
  const { child, ready } = await startServer(database.url, { users: 1000, mirroredUsers: USERS }).catch(async (error: unknown) => {
    await database.drop();
    throw error;
  });
  process.stdout.write(
    `Ready after ${((Date.now() - started) / 1000).toFixed(1)} s (${ready.dialect}).\n\nQuery plans of the users page:\n${(ready.plans ?? []).join('\n')}\n\n`,
  );
  const serverPinned = cpus >= 2 && pin(child.pid!, 0);
  const [token] = tokens(ready, 0, 1, () => ALICE_ADMIN_ID);
  const auth = { authorization: `JWT ${token}` };
  const app = `http://127.0.0.1:${ready.appPort}`;
  // The seeded names are "User <six digits> …": a cursor at a random point of that order.
  const deepPage: Target['setupRequest'] = (request) => {
    const name = `user ${String(Math.floor(Math.random() * 1_000_000)).padStart(6, '0')}`;
    const cursor = Buffer.from(JSON.stringify({ n: name, i: '' })).toString('base64url');
    return { ...request, path: `/api/v1/admin/users?cursor=${cursor}` };
  };
  const targets: Target[] = [
    { name: 'bare route', url: `http://127.0.0.1:${ready.leanPort}/bare` },
    { name: 'users, first page', url: `${app}/api/v1/admin/users`, headers: auth },
    { name: 'users, page deep down', url: `${app}/api/v1/admin/users`, headers: auth, setupRequest: deepPage },
    { name: "users, a group's page", url: `${app}/api/v1/admin/users?group=team-2`, headers: auth },
    { name: 'users, enrolled only', url: `${app}/api/v1/admin/users?enrolled=true`, headers: auth },
    { name: 'users, search "chen"', url: `${app}/api/v1/admin/users?q=chen`, headers: auth },
  ];
  const options = { connections: CONNECTIONS, durationSeconds: SECONDS, rounds: ROUNDS };
  try {
    await measure(targets, { ...options, durationSeconds: 1, rounds: 1 });
    const results = await measure(targets, options, cpuProbe(child.pid!));
    printTable(
      `GET /api/v1/admin/users (50 a page) from ${USERS} mirrored users, ${CONNECTIONS} connections, median of ${ROUNDS} interleaved rounds × ${SECONDS} s; ${ready.dialect}; ` +
        `server ${serverPinned ? 'pinned to CPU 0' : 'not pinned'}, load ${pinned ? 'pinned to CPU 1' : 'not pinned'} (${cpus} CPUs)`,
      results,
      'bare route',
    );
    const worst = Math.max(...results.slice(1).map((r) => r.p99Ms));
    process.stdout.write(`\nworst p99 of the users pages: ${worst} ms; aim under ${AIM_P99_MS} ms: ${worst < AIM_P99_MS ? 'met' : 'not met'}\n`);
  } finally {
    await stopServer(child, database);
  }
}

runBench(main);
