import assert from 'node:assert/strict';
import { QueryTypes } from 'sequelize';
import { SequelizeAuditLog } from '../../../../src/adapters/db/audit-log-repository';
import { openDatabase, type Database } from '../../../../src/adapters/db/database';
import { migrate } from '../../../../src/adapters/db/migrate';
import { createLogger } from '../../../../src/adapters/logging/logger';
import { TwofoldError } from '../../../../src/domain/errors';
import { databaseLanes, type TestDatabase } from '../../../support/database-lanes';

/**
 * The audit page is keyset-paginated on (at, id) newest first, on an index of that order (migration
 * 0101): every entry exactly once, in time order even where ids are not (an entry written later
 * with an earlier time), and the query plan uses the index rather than a sort.
 */
for (const lane of databaseLanes()) {
  describe(`Audit page, keyset on (at, id) (${lane.name})`, () => {
    let file: TestDatabase;
    let database: Database;
    let audit: SequelizeAuditLog;
    const base = Date.UTC(2026, 11, 4, 12);

    before(async () => {
      file = await lane.create();
      const logger = createLogger('silent');
      database = await openDatabase(file.url, logger);
      await migrate(database, logger);
      audit = new SequelizeAuditLog(database.sequelize);
      // 25 entries; ids ascend but times do not: entry i is at base + (i * 7 mod 25) seconds, and the
      // last three share one instant (ties broken by id).
      for (let i = 0; i < 25; i += 1) {
        const seconds = i >= 22 ? 100 : (i * 7) % 25;
        await audit.record('tenant-a', {
          at: new Date(base + seconds * 1000),
          actorAccountId: 'admin',
          action: 'verify.succeeded',
          subjectAccountId: `u${i}`,
          detail: { i },
        });
      }
      await audit.record('tenant-b', {
        at: new Date(base + 500_000),
        actorAccountId: 'admin',
        action: 'verify.succeeded',
        subjectAccountId: 'other',
        detail: {},
      });
    });
    after(async () => {
      await database?.close();
      await file?.drop();
    });

    it('pages every entry of the tenant once, newest first by time then id', async () => {
      const seen: Array<{ id: number; at: number }> = [];
      let cursor: string | null | undefined;
      do {
        const page = await audit.page('tenant-a', { limit: 4, ...(cursor ? { cursor } : {}) });
        seen.push(...page.entries.map((entry) => ({ id: Number(entry.id), at: entry.at.getTime() })));
        cursor = page.nextCursor;
      } while (cursor);
      assert.equal(seen.length, 25);
      assert.equal(new Set(seen.map((entry) => entry.id)).size, 25);
      const expected = [...seen].sort((a, b) => b.at - a.at || b.id - a.id);
      assert.deepEqual(seen, expected);
      assert.notDeepEqual(
        seen.map((entry) => entry.id),
        [...seen.map((entry) => entry.id)].sort((a, b) => b - a),
      );
    });

    it('refuses a cursor it did not hand out, the id-only kind included', async () => {
      for (const cursor of ['garbage', Buffer.from('a:12').toString('base64url')]) {
        await assert.rejects(
          audit.page('tenant-a', { limit: 4, cursor }),
          (error: unknown) => error instanceof TwofoldError && error.code === 'invalid_request',
        );
      }
    });

    it('reads a page through the (client_key, at desc, id desc) index, without a sort', async () => {
      const sql =
        "SELECT id FROM audit_events WHERE client_key = 'tenant-a' AND (at, id) < ('2026-12-04 12:00:10.000 +00:00', 5) ORDER BY at DESC, id DESC LIMIT 51";
      const plan =
        database.dialect === 'postgres'
          ? (
              await database.sequelize.transaction(async (transaction) => {
                await database.sequelize.query('SET LOCAL enable_seqscan = off', { transaction });
                return database.sequelize.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, { type: QueryTypes.SELECT, transaction });
              })
            )
              .map((row) => row['QUERY PLAN'])
              .join('\n')
          : (await database.sequelize.query<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`, { type: QueryTypes.SELECT })).map((row) => row.detail).join('\n');
      assert.match(plan, /audit_events_tenant_at/);
      assert.doesNotMatch(plan, /TEMP B-TREE|Sort/);
    });
  });
}
