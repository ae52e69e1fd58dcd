/**
 * `npm run bench:admin-reads`: `GET /api/v1/admin/audit`, a page of 50 from 1,000,000 entries of one
 * tenant, through the whole app at 16 connections, beside a bare Express route in the same run, with
 * p99 and the server's CPU per request. Two rows: the first page, and pages deep in the log (each
 * request a cursor at a random point of the million, built as the API builds its cursors:
 * `b:<ms>:<id>`, base64url). The server seeds the entries with one INSERT … SELECT per 100,000 and
 * prints the page query's plans (EXPLAIN QUERY PLAN on SQLite, EXPLAIN on Postgres).
 *
 * Aim (issue 10): p99 under 50 ms at 16 connections, the query on an index. `GET /api/v1/admin/users`
 * from the directory mirror belongs to the rollout issue and is not measured here yet.
 * Environment: BENCH_SECONDS (5), BENCH_ROUNDS (3), BENCH_CONNECTIONS (16), BENCH_AUDIT_ENTRIES
 * (1,000,000), BENCH_DATABASE_URL (default a temporary SQLite file).
 */
import { availableParallelism } from 'node:os';
import { benchDatabase, cpuProbe, pin, startServer, tokens, runBench, stopServer } from './support/harness';
import { measure, printTable, type Target } from './support/load';
import { ALICE_ADMIN_ID } from './verify-users';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const ENTRIES = Number(process.env.BENCH_AUDIT_ENTRIES ?? 1_000_000);
const AIM_P99_MS = 50;

async function main(): Promise<void> {
  const cpus = availableParallelism();
  const pinned = cpus >= 2 && pin(process.pid, 1);
  const database = await benchDatabase();
  const started = Date.now();
  process.stdout.write(`Starting the app and seeding ${ENTRIES} audit entries…\n`);
  const { child, ready } = await startServer(database.url, { users: 1, auditEntries: ENTRIES }).catch(async (error: unknown) => {
    await database.drop();
    throw error;
  });
  process.stdout.write(
    `Ready after ${((Date.now() - started) / 1000).toFixed(1)} s (${ready.dialect}).\n\nQuery plans of the audit page:\n${(ready.plans ?? []).join('\n')}\n\n`,
  );
  const serverPinned = cpus >= 2 && pin(child.pid!, 0);
  const [token] = tokens(ready, 0, 1, () => ALICE_ADMIN_ID);
  const auth = { authorization: `JWT ${token}` };
  const app = `http://127.0.0.1:${ready.appPort}`;
  // Seeded entries are one second apart going back from the start: a random point among them.
  const seededFrom = started;
  const deepPage: Target['setupRequest'] = (request) => {
    const at = seededFrom - Math.floor(Math.random() * ENTRIES) * 1000;
    const cursor = Buffer.from(`b:${at}:999999999999`).toString('base64url');
    return { ...request, path: `/api/v1/admin/audit?cursor=${cursor}` };
  };
  const targets: Target[] = [
    { name: 'bare route', url: `http://127.0.0.1:${ready.leanPort}/bare` },
    { name: 'audit, first page', url: `${app}/api/v1/admin/audit`, headers: auth },
    { name: 'audit, page deep down', url: `${app}/api/v1/admin/audit`, headers: auth, setupRequest: deepPage },
  ];
  const options = { connections: CONNECTIONS, durationSeconds: SECONDS, rounds: ROUNDS };
  try {
    await measure(targets, { ...options, durationSeconds: 1, rounds: 1 });
    const results = await measure(targets, options, cpuProbe(child.pid!));
    printTable(
      `GET /api/v1/admin/audit (50 a page) from ${ENTRIES} entries, ${CONNECTIONS} connections, median of ${ROUNDS} interleaved rounds × ${SECONDS} s; ${ready.dialect}; ` +
        `server ${serverPinned ? 'pinned to CPU 0' : 'not pinned'}, load ${pinned ? 'pinned to CPU 1' : 'not pinned'} (${cpus} CPUs)`,
      results,
      'bare route',
    );
    const worst = Math.max(...results.slice(1).map((r) => r.p99Ms));
    process.stdout.write(`\nworst p99 of the audit pages: ${worst} ms; aim under ${AIM_P99_MS} ms: ${worst < AIM_P99_MS ? 'met' : 'not met'}\n`);
  } finally {
    await stopServer(child, database);
  }
}

runBench(main);
