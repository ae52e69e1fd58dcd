/**
 * The server side of bench/verify.ts, run in a child process pinned to one core. It boots the whole
 * app with the sandbox Jira host, installs it, raises the lockout limits through the admin API (so
 * that the wrong-code path is measured as a counted failure, not as a cheap 429), seeds enrolled
 * bench users, and serves, besides the full app, a minimal Express server on a second port:
 *
 *   GET  /bare                 no middleware: the baseline
 *   GET  /api/v1/jwt-only      JSON body parser + the Connect JWT check (authenticateApi), then 200
 *   POST /api/v1/jwt-only      the same with a body to read and parse (what verify pays before its own work)
 *   POST /api/v1/me/verify     the same middleware + the app's real /me router (same services and DB)
 *
 * None of this adds a route to the production app. Talks to the parent over IPC.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import express from 'express';
import { authenticateApi } from '../src/adapters/connect/authenticate';
import { AesGcmSecretBox } from '../src/adapters/crypto/aes-gcm-secret-box';
import { errorMiddleware } from '../src/adapters/http/error-middleware';
import { QueryTypes, type InferCreationAttributes } from 'sequelize';
import { PAGE_COLUMNS } from '../src/adapters/db/audit-log-repository';
import { BACKFILL_ENROLLED_SQL } from '../src/adapters/db/migrations/0520-directory-enrolled';
import { pageStatement } from '../src/adapters/db/directory-mirror-repository';
import type { Database } from '../src/adapters/db/database';
import { mfaModels, type TotpCredentialRow } from '../src/adapters/db/models/mfa-models';
import { totpSecretContext } from '../src/adapters/db/sealed-columns';
import { listenOnLoopback as listen, startSandboxApp } from './support/sandbox-app';
import { ALICE_ADMIN_ID, BENCH_TENANT_POLICY, benchSecret, benchUserId } from './verify-users';

interface Start {
  databaseUrl: string | undefined;
  users: number;
  /** Audit entries to seed for the bench tenant (bench/admin-reads.ts); 0 by default. */
  auditEntries?: number;
  /** Users to seed into the directory mirror (bench/admin-users.ts); 0 by default. */
  mirroredUsers?: number;
}

/** Requests being handled, so that shutdown waits for them before closing the database. */
let inFlight = 0;
function track(server: Server): void {
  server.on('request', (_req, res) => {
    inFlight += 1;
    res.once('close', () => (inFlight -= 1));
  });
}

async function start({ databaseUrl, users, auditEntries = 0, mirroredUsers = 0 }: Start) {
  const { twofold, server: appServer, port, baseUrl, folder } = await startSandboxApp('twofold-bench-', databaseUrl);
  track(appServer);
  appServer.on('request', twofold.handler);
  const host = twofold.sandbox!.host;
  await host.install(`${baseUrl}/atlassian-connect.json`);
  const clientKey = host.clientKey;

  // Raise the lockout limits through the admin API, as an admin would.
  const policy = await fetch(`${baseUrl}/api/v1/admin/policy`, {
    method: 'PUT',
    headers: { Authorization: `JWT ${host.contextToken(ALICE_ADMIN_ID)}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(BENCH_TENANT_POLICY),
  });
  if (policy.status !== 200) throw new Error(`could not set the bench policy: ${policy.status} ${await policy.text()}`);

  // Seed enrolled users straight into the table (the API would spend ~30 ms of scrypt per user on backup codes).
  const secretBox = new AesGcmSecretBox(twofold.config.masterKeys.current);
  const rows = mfaModels(twofold.database.sequelize).totpCredentials;
  const now = new Date();
  for (let from = 0; from < users; from += 1000) {
    const batch: Array<InferCreationAttributes<TotpCredentialRow>> = [];
    for (let i = from; i < Math.min(users, from + 1000); i += 1) {
      const accountId = benchUserId(i);
      const id = createHash('sha256').update(accountId).digest('hex').slice(0, 32);
      batch.push({
        id,
        client_key: clientKey,
        account_id: accountId,
        status: 'active',
        secret_sealed: secretBox.seal(benchSecret(i).toString('base64'), totpSecretContext(clientKey, accountId, id)),
        algorithm: 'SHA1',
        digits: 6,
        period: 30,
        last_used_step: null,
        created_at: now,
        confirmed_at: now,
      });
    }
    await twofold.database.sequelize.transaction(async (transaction) => rows.bulkCreate(batch, { transaction }));
  }

  const plans =
    auditEntries > 0
      ? await seedAudit(twofold.database, clientKey, auditEntries)
      : mirroredUsers > 0
        ? await seedMirror(twofold.database, clientKey, mirroredUsers)
        : undefined;

  // The minimal server: same process, same services, no production middleware.
  const lean = express();
  lean.disable('x-powered-by');
  lean.get('/bare', (_req, res) => void res.json({ ok: true }));
  const api = express.Router();
  api.use(express.json({ limit: '64kb' }));
  api.use(authenticateApi(twofold.connect.verifier));
  api.get('/jwt-only', (_req, res) => void res.json({ ok: true }));
  api.post('/jwt-only', (_req, res) => void res.json({ ok: true }));
  for (const router of twofold.twoStep.userRouters()) api.use(router);
  lean.use('/api/v1', api);
  lean.use(errorMiddleware(twofold.logger));
  const leanServer = createServer(lean);
  track(leanServer);
  const leanPort = await listen(leanServer);

  return {
    info: { appPort: port, leanPort, clientKey, sharedSecret: host.installed!.sharedSecret, dialect: twofold.database.dialect, plans },
    async close() {
      const closing = [leanServer, appServer].map((server) => new Promise((resolve) => server.close(resolve)));
      for (const server of [leanServer, appServer]) server.closeIdleConnections();
      for (let waited = 0; inFlight > 0 && waited < 10_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
      for (const server of [leanServer, appServer]) server.closeAllConnections();
      await Promise.all(closing);
      // A client that went away leaves its handler running on: let queued database work finish.
      await new Promise((resolve) => setTimeout(resolve, 2000));
      await twofold.close();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

/**
 * `count` audit entries for the tenant, one INSERT … SELECT per batch of 100,000 generated rows (a
 * recursive CTE on SQLite, generate_series on Postgres), one second apart going back from now, a
 * tenth of them about one of 1,000 subjects. Answers the query plans of the audit page: the first
 * page and a page deep down (after a cursor), as the database prints them.
 */
async function seedAudit(database: Database, clientKey: string, count: number): Promise<string[]> {
  const { sequelize } = database;
  const postgres = database.dialect === 'postgres';
  const now = Date.now();
  const batch = 100_000;
  for (let from = 0; from < count; from += batch) {
    const size = Math.min(batch, count - from);
    const replacements = { clientKey, from, size, now };
    if (postgres) {
      await sequelize.query(
        `INSERT INTO audit_events (client_key, at, actor_account_id, action, subject_account_id, detail)
         SELECT :clientKey, to_timestamp((:now - (:from + n) * 1000) / 1000.0), 'bench:admin', 'verify.succeeded',
                'bench:' || lpad(((:from + n) % 1000)::text, 8, '0'), '{"method":"totp"}'
           FROM generate_series(0, :size - 1) AS n`,
        { replacements },
      );
    } else {
      await sequelize.query(
        `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < :size)
         INSERT INTO audit_events (client_key, at, actor_account_id, action, subject_account_id, detail)
         SELECT :clientKey, strftime('%Y-%m-%d %H:%M:%f', (:now - (:from + i) * 1000) / 1000.0, 'unixepoch') || ' +00:00', 'bench:admin', 'verify.succeeded',
                'bench:' || substr('0000000' || ((:from + i) % 1000), -8), '{"method":"totp"}'
           FROM n`,
        { replacements },
      );
    }
  }
  await sequelize.query(postgres ? 'ANALYZE audit_events' : 'ANALYZE');
  const deepAt = new Date(now - Math.floor(count / 2) * 1000);
  const page = (cursor: boolean) =>
    `${PAGE_COLUMNS} WHERE client_key = :clientKey${cursor ? ' AND (at, id) < (:at, :id)' : ''} ORDER BY at DESC, id DESC LIMIT 51`;
  const at = postgres ? deepAt.toISOString() : deepAt.toISOString().replace('T', ' ').replace('Z', ' +00:00');
  const plans: string[] = [];
  for (const cursor of [false, true]) {
    const rows = await sequelize.query<Record<string, string>>(`${postgres ? 'EXPLAIN' : 'EXPLAIN QUERY PLAN'} ${page(cursor)}`, {
      type: QueryTypes.SELECT,
      replacements: { clientKey, at, id: Math.floor(count / 2) },
    });
    plans.push(`${cursor ? 'page after a cursor' : 'first page'}:\n${rows.map((row) => `  ${postgres ? row['QUERY PLAN'] : row.detail}`).join('\n')}`);
  }
  return plans;
}

/**
 * `count` users in the directory mirror (benchUserId(i), the first `users` of them enrolled above), as a
 * refresh would leave them: display names in a scattered order, every user in `jira-software-users`, a
 * quarter each in `team-0` … `team-3`, every tenth with a stored 2FA ID. Answers the plans of the users
 * page's statement (pageStatement) for the first page, a page after a cursor, a group's page, the
 * enrolled filter and a search.
 */
async function seedMirror(database: Database, clientKey: string, count: number): Promise<string[]> {
  const { sequelize } = database;
  const postgres = database.dialect === 'postgres';
  const now = new Date();
  const batch = 1000;
  for (let from = 0; from < count; from += batch) {
    const users: string[] = [];
    const memberships: string[] = [];
    const ids: string[] = [];
    const replacements: Record<string, unknown> = { clientKey, now: postgres ? now : now.toISOString().replace('T', ' ').replace('Z', ' +00:00') };
    for (let i = from; i < Math.min(count, from + batch); i += 1) {
      const accountId = benchUserId(i);
      // A scattered but stable name order: the index's digits reversed.
      const name = `User ${String(i).padStart(6, '0').split('').reverse().join('')} ${i % 7 === 0 ? 'Chen' : 'Smith'}`;
      const team = `team-${i % 4}`;
      replacements[`a${i}`] = accountId;
      replacements[`n${i}`] = name;
      replacements[`s${i}`] = name.toLowerCase();
      replacements[`g${i}`] = JSON.stringify(['jira-software-users', team]);
      replacements[`t${i}`] = team;
      users.push(`(:clientKey, :a${i}, 'host', :n${i}, :s${i}, NULL, NULL, ${postgres ? 'true' : '1'}, :g${i}, 'bench', :now)`);
      memberships.push(`(:clientKey, 'jira-software-users', :a${i}, 'host', :s${i}, 'bench')`, `(:clientKey, :t${i}, :a${i}, 'host', :s${i}, 'bench')`);
      if (i % 10 === 0) ids.push(`(:clientKey, :a${i}, :a${i}, :a${i}, 'pattern', :now, :now)`);
    }
    await sequelize.query(
      `INSERT INTO directory_users (client_key, account_id, source, display_name, sort_name, email, username, active, group_names, seen_job, updated_at) VALUES ${users.join(', ')}`,
      { replacements },
    );
    await sequelize.query(
      `INSERT INTO directory_user_groups (client_key, group_name, account_id, source, sort_name, seen_job) VALUES ${memberships.join(', ')}`,
      { replacements },
    );
    if (ids.length > 0) {
      await sequelize.query(
        `INSERT INTO two_factor_ids (client_key, account_id, two_factor_id, id_key, source, created_at, updated_at) VALUES ${ids.join(', ')} ON CONFLICT DO NOTHING`,
        { replacements },
      );
    }
  }
  // The enrolled users' credentials were seeded first: the mirror's `enrolled` as the triggers would keep it.
  await sequelize.query(BACKFILL_ENROLLED_SQL);
  await sequelize.query(
    `INSERT INTO directory_mirrors (client_key, source, refreshed_at, job_id, user_count) VALUES (:clientKey, 'host', :now, 'bench', :count)`,
    { replacements: { clientKey, count, now: postgres ? now : now.toISOString().replace('T', ' ').replace('Z', ' +00:00') } },
  );
  await sequelize.query(postgres ? 'ANALYZE' : 'ANALYZE');
  const plans: string[] = [];
  const cases: Array<[string, Parameters<typeof pageStatement>[1]]> = [
    ['first page', { limit: 50 }],
    ['page after a cursor', { limit: 50, cursor: Buffer.from(JSON.stringify({ n: 'user 5', i: '' })).toString('base64url') }],
    ["a group's page", { limit: 50, group: 'team-2' }],
    ['enrolled only', { limit: 50, enrolled: true }],
    ['search', { limit: 50, q: 'chen' }],
  ];
  for (const [label, query] of cases) {
    const { sql, params } = pageStatement(clientKey, query);
    const bound = bindOf(sql, params, postgres);
    const rows = await sequelize.query<Record<string, string>>(`${postgres ? 'EXPLAIN' : 'EXPLAIN QUERY PLAN'} ${bound.text}`, {
      type: QueryTypes.SELECT,
      bind: bound.values,
    });
    plans.push(`${label}:\n${rows.map((row) => `  ${postgres ? row['QUERY PLAN'] : row.detail}`).join('\n')}`);
  }
  return plans;
}

/** `:name` parameters as Sequelize's `$n` bind list (the app's Sql does the same). */
function bindOf(sql: string, params: Record<string, unknown>, postgres: boolean): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const text = sql.replace(/(?<!:):([A-Za-z_][A-Za-z0-9_]*)/g, (_match, name: string) => {
    const value = params[name];
    values.push(typeof value === 'boolean' && !postgres ? (value ? 1 : 0) : value);
    return `$${values.length}`;
  });
  return { text, values };
}

/** BENCH_PROFILE=1: the parent asks for a CPU profile of the measured part only (node:inspector). */
const profiler = new Session();
function profile(on: boolean, file: string | undefined): void {
  if (on) {
    profiler.connect();
    profiler.post('Profiler.enable', () => profiler.post('Profiler.start'));
    return;
  }
  profiler.post('Profiler.stop', (error, result) => {
    if (!error && file) writeFileSync(file, JSON.stringify(result.profile));
    profiler.disconnect();
    process.send!({ type: 'profiled', file });
  });
}

let running: Awaited<ReturnType<typeof start>> | undefined;
process.on('message', (message: { type: string; on?: boolean; file?: string } & Partial<Start>) => {
  if (message.type === 'profile') profile(message.on === true, message.file);
  if (message.type === 'start') {
    start({
      databaseUrl: message.databaseUrl,
      users: message.users ?? 1000,
      auditEntries: message.auditEntries ?? 0,
      mirroredUsers: message.mirroredUsers ?? 0,
    }).then(
      (started) => {
        running = started;
        process.send!({ type: 'ready', ...started.info });
      },
      (error: unknown) => {
        process.send!({ type: 'error', message: error instanceof Error ? error.stack : String(error) });
      },
    );
  }
  if (message.type === 'stop') {
    void (running?.close() ?? Promise.resolve()).finally(() => process.exit(0));
  }
});
process.on('disconnect', () => process.exit(0));
