import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { AesGcmSecretBox } from '../../../../src/adapters/crypto/aes-gcm-secret-box';
import { SequelizeAuditLog } from '../../../../src/adapters/db/audit-log-repository';
import { SequelizeBrowserSessionRepository } from '../../../../src/adapters/db/browser-session-repository';
import { openDatabase, type Database } from '../../../../src/adapters/db/database';
import { SequelizeFailureCounterRepository } from '../../../../src/adapters/db/failure-counter-repository';
import { migrate } from '../../../../src/adapters/db/migrate';
import { SequelizeTotpCredentialRepository } from '../../../../src/adapters/db/totp-credential-repository';
import { Sql } from '../../../../src/adapters/db/sql';
import { SequelizeVerificationSessionRepository } from '../../../../src/adapters/db/verification-session-repository';
import { createLogger } from '../../../../src/adapters/logging/logger';
import { databaseLanes, type TestDatabase } from '../../../support/database-lanes';

/**
 * A TOTP step's acceptance with its success (ports.ts `acceptStep`): one statement on either database
 * (a trigger's on SQLite, `Sql.changedThen`; data-modifying CTEs on Postgres). The winner writes all of it; a request that loses the step writes none of it.
 */
for (const lane of databaseLanes()) {
  describe(`A TOTP step accepted with its success (${lane.name})`, () => {
    let file: TestDatabase;
    let database: Database;
    const at = new Date(Date.UTC(2026, 11, 4, 12));
    const until = new Date(at.getTime() + 3_600_000);
    const params = { algorithm: 'SHA1', digits: 6, period: 30 } as const;

    before(async () => {
      file = await lane.create();
      const logger = createLogger('silent');
      database = await openDatabase(file.url, logger);
      await migrate(database, logger);
    });
    after(async () => {
      await database?.close();
      await file?.drop();
    });

    it('writes the cleared count, both sessions and the audit entry with the step, and nothing for the loser', async () => {
      const { sequelize } = database;
      const credentials = new SequelizeTotpCredentialRepository(sequelize, new AesGcmSecretBox(randomBytes(32)));
      const counters = new SequelizeFailureCounterRepository(sequelize);
      const sessions = new SequelizeVerificationSessionRepository(sequelize);
      const browsers = new SequelizeBrowserSessionRepository(sequelize);
      const audit = new SequelizeAuditLog(sequelize);
      const pending = await credentials.createPending('t1', 'alice', { secret: randomBytes(20), params, createdAt: at });
      await credentials.activate('t1', 'alice', pending.id, 100, at, []);
      await counters.reserveAttempt('t1', 'alice', at, 15);
      // An expired session of the user, swept on the way.
      await browsers.create('t1', 'alice', { tokenHash: '0'.repeat(64), verifiedAt: new Date(at.getTime() - 7_200_000), verifiedUntil: at }, at);

      const success = (hash: string) => ({
        session: { verifiedAt: at, verifiedUntil: until },
        browserSession: { tokenHash: hash, verifiedAt: at, verifiedUntil: until },
        audit: { at, actorAccountId: 'alice', action: 'verify.succeeded' as const, subjectAccountId: 'alice', detail: { method: 'totp', delta: 0 } },
      });
      const results = await Promise.all(['a', 'b', 'c', 'd'].map((c) => credentials.acceptStep('t1', 'alice', pending.id, 101, success(c.repeat(64)))));
      assert.deepEqual(results.filter(Boolean).length, 1, 'one winner');
      const winner = ['a', 'b', 'c', 'd'][results.indexOf(true)]!.repeat(64);

      assert.deepEqual(await sessions.find('t1', 'alice'), { verifiedAt: at, verifiedUntil: until });
      assert.deepEqual(await browsers.find('t1', 'alice', winner), { verifiedAt: at, verifiedUntil: until });
      for (const loser of ['a', 'b', 'c', 'd'].map((c) => c.repeat(64)).filter((hash) => hash !== winner)) {
        assert.equal(await browsers.find('t1', 'alice', loser), null, 'a loser starts no session');
      }
      assert.equal(await browsers.find('t1', 'alice', '0'.repeat(64)), null, 'the expired session was swept');
      const entries = (await audit.page('t1', { limit: 10 })).entries;
      assert.deepEqual(
        entries.map((entry) => [entry.action, entry.detail]),
        [['verify.succeeded', { method: 'totp', delta: 0 }]],
      );
      assert.equal((await counters.reserveAttempt('t1', 'alice', at, 15)).failures, 1, 'the count was cleared: this is the first attempt again');

      // A later step with no session (a proof for an action) writes the audit entry only.
      assert.equal(await credentials.acceptStep('t1', 'alice', pending.id, 102, { ...success('e'.repeat(64)), session: null, browserSession: null }), true);
      assert.equal(await browsers.find('t1', 'alice', 'e'.repeat(64)), null);
      assert.equal((await audit.page('t1', { limit: 10 })).entries.length, 2);
    });

    it('Sql.changedThen: the guard and the rest as one; a guard that changed nothing, or a part that fails, writes nothing', async () => {
      const sql = Sql.for(database.sequelize);
      const { sequelize } = database;
      const credentials = new SequelizeTotpCredentialRepository(sequelize, new AesGcmSecretBox(randomBytes(32)));
      const pending = await credentials.createPending('t8', 'bob', { secret: randomBytes(20), params, createdAt: at });
      await credentials.activate('t8', 'bob', pending.id, 100, at, []);
      const guard = (step: number) => ({
        sql: `UPDATE totp_credentials SET last_used_step = :step WHERE id = :id AND (last_used_step IS NULL OR last_used_step < :step)`,
        params: { step, id: pending.id },
      });
      const entry = (action: string) => ({
        sql: `INSERT INTO audit_events (client_key, at, actor_account_id, action, subject_account_id, detail) VALUES (:tenant, :at, 'bob', :action, 'bob', '{}')`,
        params: { tenant: 't8', at, action },
      });
      // The same session's token twice: the second INSERT breaks the primary key, after the guard and the first entry ran.
      const session = {
        sql: `INSERT INTO browser_sessions (token_hash, client_key, account_id, verified_at, verified_until) VALUES (:hash, 't8', 'bob', :at, :at)`,
        params: { hash: 'f'.repeat(64), at },
      };
      const actions = async () =>
        (await sql.select<{ action: string }>('SELECT action FROM audit_events WHERE client_key = :tenant ORDER BY id', { tenant: 't8' })).map(
          (row) => row.action,
        );
      const step = async () =>
        Number((await sql.select<{ s: number | string }>('SELECT last_used_step AS s FROM totp_credentials WHERE id = :id', { id: pending.id }))[0]!.s);

      assert.equal(await sql.changedThen(guard(101), [entry('first'), entry('second')]), true);
      assert.deepEqual(await actions(), ['first', 'second']);
      assert.equal(await step(), 101);

      assert.equal(await sql.changedThen(guard(101), [entry('replayed')]), false, 'the guard changed no row');
      assert.deepEqual(await actions(), ['first', 'second'], 'nothing of it was written');

      await assert.rejects(sql.changedThen(guard(102), [entry('before the failure'), session, session]), /UNIQUE|unique|duplicate/);
      assert.deepEqual(await actions(), ['first', 'second'], 'the entry before the failing part was undone');
      assert.equal(await step(), 101, 'and so was the guard');

      const missing = { sql: entry('x').sql, params: { tenant: 't8', at } };
      await assert.rejects(sql.changedThen(guard(103), [missing]), /:action has no value/);
      assert.equal(await sql.changedThen(guard(103), [entry('after')]), true, 'the connection works on');
      assert.deepEqual(await actions(), ['first', 'second', 'after']);
    });

    it('Sql.transaction: a failure rolls back what it wrote, and the statements after it run on their own', async () => {
      const sql = Sql.for(database.sequelize);
      const insert = `INSERT INTO audit_events (client_key, at, actor_account_id, action, subject_account_id, detail)
        VALUES (:tenant, :at, 'x', 'verify.failed', 'x', '{}')`;
      const count = async () =>
        Number((await sql.select<{ n: number | string }>('SELECT COUNT(*) AS n FROM audit_events WHERE client_key = :tenant', { tenant: 't9' }))[0]!.n);
      await assert.rejects(
        sql.transaction(async (statements) => {
          await statements.insert(insert, { tenant: 't9', at });
          assert.equal(
            await statements.select('SELECT 1 AS one FROM audit_events WHERE client_key = :tenant', { tenant: 't9' }).then((rows) => rows.length),
            1,
          );
          throw new Error('the work failed');
        }),
        /the work failed/,
      );
      assert.equal(await count(), 0, 'rolled back');
      // Written outside a transaction now: a later rollback of anything else cannot take it.
      await Promise.all([sql.insert(insert, { tenant: 't9', at }), sql.transaction(async (statements) => statements.insert(insert, { tenant: 't9', at }))]);
      await assert.rejects(sql.transaction(async () => Promise.reject(new Error('again'))));
      assert.equal(await count(), 2);
    });
  });
}
