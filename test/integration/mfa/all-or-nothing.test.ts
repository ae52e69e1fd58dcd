import assert from 'node:assert/strict';
import { QueryTypes } from 'sequelize';
import { decodeBase32 } from '../../../src/domain/mfa/secret-encoding';
import { timeStepAt, totpAtStep } from '../../../src/domain/mfa/totp';
import type { FixedClock } from '../../../src/domain/ports/clock';
import { databaseLanes, printLaneNotice } from '../../support/database-lanes';
import { startInstalledApp, type InstalledApp } from '../../support/installed-app';
import { steppedClock } from '../../support/stepped-clock';
import type { TestApp } from '../../support/test-app';
import { USERS, enroll, verify } from './support';

/**
 * The changes to a user's second factor that span tables are all or nothing: a failure half-way
 * (here: one of the tables cannot be written, renamed away for the moment) leaves everything as it
 * was, so that no old backup code outlives its credential, no session outlives a reset, and no
 * backup code is spent on an answer that was a 500.
 */
for (const lane of databaseLanes()) {
  describe(`A second factor changes all or nothing (${lane.name})`, () => {
    let installed: InstalledApp<FixedClock>;
    let app: TestApp;
    let clock: FixedClock;

    before(async () => {
      printLaneNotice();
      installed = await startInstalledApp(lane, { clock: steppedClock() });
      ({ app, clock } = installed);
    });
    after(() => installed?.stop());

    const query = (sql: string) => app.twofold.database.sequelize.query(sql);
    /** Runs `work` while `table` cannot be written: renamed away, and back afterwards. */
    async function whileMissing<T>(table: string, work: () => Promise<T>): Promise<T> {
      await query(`ALTER TABLE ${table} RENAME TO ${table}_away`);
      try {
        return await work();
      } finally {
        await query(`ALTER TABLE ${table}_away RENAME TO ${table}`);
      }
    }
    const count = async (table: string, accountId: string, where = '') => {
      const [row] = await app.twofold.database.sequelize.query<{ n: number | string }>(
        `SELECT COUNT(*) AS n FROM ${table} WHERE account_id = :accountId ${where}`,
        {
          type: QueryTypes.SELECT,
          replacements: { accountId },
        },
      );
      return Number(row!.n);
    };

    it('re-enrolling: if the new backup codes cannot be stored, the old credential and the old codes stay, and the set-up can be finished later', async () => {
      const bob = await enroll(app, clock, USERS.bob);
      const token = app.contextToken(USERS.bob);
      const started = await app.request('POST', '/api/v1/me/totp', { token, body: { backupCode: bob.backupCodes[9]! } });
      assert.equal(started.status, 201, started.text);
      const decoded = decodeBase32(started.json().secretBase32);
      assert.ok(decoded.ok);
      const newCode = () => totpAtStep(decoded.bytes, timeStepAt(clock.now(), 30), bob.params);

      clock.advance(30_000);
      const failed = await whileMissing('backup_codes', () => app.request('POST', '/api/v1/me/totp/confirm', { token, body: { code: newCode() } }));
      assert.equal(failed.status, 500, failed.text);
      assert.equal(await count('totp_credentials', USERS.bob, "AND status = 'pending'"), 1, 'the set-up is still in progress');
      assert.equal((await verify(app, USERS.bob, { backupCode: bob.backupCodes[0] })).status, 200, 'the old codes still work with the old credential');

      clock.advance(30_000);
      const confirmed = await app.request('POST', '/api/v1/me/totp/confirm', { token, body: { code: newCode() } });
      assert.equal(confirmed.status, 200, confirmed.text);
      assert.equal(confirmed.json().backupCodes.length, 10);
      assert.equal((await verify(app, USERS.bob, { backupCode: bob.backupCodes[1] })).status, 401, 'the old codes went with the old credential');
      assert.equal((await verify(app, USERS.bob, { backupCode: confirmed.json().backupCodes[0] })).status, 200);
    });

    it("an admin's reset: if the session cannot be ended, the factor is not removed either; done again, all of it goes", async () => {
      await enroll(app, clock, USERS.dave);
      const reset = () => app.request('POST', `/api/v1/admin/users/${USERS.dave}/reset`, { token: app.contextToken(USERS.alice) });
      const failed = await whileMissing('verification_sessions', reset);
      assert.equal(failed.status, 500, failed.text);
      assert.deepEqual(
        [await count('totp_credentials', USERS.dave), await count('backup_codes', USERS.dave), await count('verification_sessions', USERS.dave)],
        [1, 10, 1],
        'credential, codes and session all stay',
      );
      assert.equal((await reset()).status, 204);
      assert.deepEqual(
        [await count('totp_credentials', USERS.dave), await count('backup_codes', USERS.dave), await count('verification_sessions', USERS.dave)],
        [0, 0, 0],
      );
    });

    it('a backup code is not spent when its success cannot be recorded: the same code works once the database does', async () => {
      const erin = await enroll(app, clock, USERS.erin);
      const backupCode = erin.backupCodes[0]!;
      const failed = await whileMissing('audit_events', () => verify(app, USERS.erin, { backupCode }));
      assert.equal(failed.status, 500, failed.text);
      assert.equal(await count('backup_codes', USERS.erin, 'AND used_at IS NULL'), 10, 'no code was spent');
      const retried = await verify(app, USERS.erin, { backupCode });
      assert.equal(retried.status, 200, retried.text);
      assert.equal(retried.json().method, 'backup_code');
      assert.equal(await count('backup_codes', USERS.erin, 'AND used_at IS NULL'), 9);
      assert.equal((await verify(app, USERS.erin, { backupCode })).status, 401, 'and then it is spent');
    });
  });
}
