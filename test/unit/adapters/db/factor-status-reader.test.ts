import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { AesGcmSecretBox } from '../../../../src/adapters/crypto/aes-gcm-secret-box';
import { SequelizeBackupCodeRepository } from '../../../../src/adapters/db/backup-code-repository';
import { SequelizeBrowserSessionRepository } from '../../../../src/adapters/db/browser-session-repository';
import { openDatabase, type Database } from '../../../../src/adapters/db/database';
import { SqlFactorStatusReader } from '../../../../src/adapters/db/factor-status-reader';
import { SequelizeFailureCounterRepository } from '../../../../src/adapters/db/failure-counter-repository';
import { SequelizeIdMappingRepository } from '../../../../src/adapters/db/id-mapping-repository';
import { migrate } from '../../../../src/adapters/db/migrate';
import { SequelizeTotpCredentialRepository } from '../../../../src/adapters/db/totp-credential-repository';
import { SequelizeVerificationSessionRepository } from '../../../../src/adapters/db/verification-session-repository';
import { createLogger } from '../../../../src/adapters/logging/logger';
import { databaseLanes, type TestDatabase } from '../../../support/database-lanes';

/**
 * GET /api/v1/me reads everything it shows in one statement (factor-status-reader.ts): each part must
 * be this user's in this tenant, and the browser's session the one under the hash asked for.
 */
for (const lane of databaseLanes()) {
  describe(`The status read in one statement (${lane.name})`, () => {
    let file: TestDatabase;
    let database: Database;
    let reader: SqlFactorStatusReader;
    let credentials: SequelizeTotpCredentialRepository;
    const at = new Date(Date.UTC(2026, 11, 4, 12));
    const later = new Date(at.getTime() + 3_600_000);
    const params = { algorithm: 'SHA256', digits: 8, period: 60 } as const;

    before(async () => {
      file = await lane.create();
      const logger = createLogger('silent');
      database = await openDatabase(file.url, logger);
      await migrate(database, logger);
      const { sequelize } = database;
      reader = new SqlFactorStatusReader(sequelize);
      credentials = new SequelizeTotpCredentialRepository(sequelize, new AesGcmSecretBox(randomBytes(32)));
    });
    after(async () => {
      await database?.close();
      await file?.drop();
    });

    it('answers nothing stored for a user with nothing', async () => {
      assert.deepEqual(await reader.read('t1', 'nobody', 'f'.repeat(64), at), {
        enrollment: { active: null, pending: false, unusedBackupCodes: 0 },
        lastSession: null,
        browserSession: null,
        idMapping: null,
        lockedUntil: null,
      });
    });

    it("reads this user's credential, codes, sessions, ID and lockout, and none of another user's or tenant's", async () => {
      const { sequelize } = database;
      const codes = new SequelizeBackupCodeRepository(sequelize);
      const sessions = new SequelizeVerificationSessionRepository(sequelize);
      const browsers = new SequelizeBrowserSessionRepository(sequelize);
      const ids = new SequelizeIdMappingRepository(sequelize);
      const counters = new SequelizeFailureCounterRepository(sequelize);
      const mine = 'a'.repeat(64);
      for (const [tenant, accountId] of [
        ['t1', 'alice'],
        ['t2', 'bob'],
        ['t1', 'bob'],
      ] as const) {
        const pending = await credentials.createPending(tenant, accountId, { secret: randomBytes(20), params, createdAt: at });
        await credentials.activate(tenant, accountId, pending.id, 1, at, ['a', 'b', 'c']);
        await sessions.save(tenant, accountId, { verifiedAt: at, verifiedUntil: later });
        const hash = tenant === 't1' && accountId === 'alice' ? mine : `${tenant}${accountId}`.padEnd(64, '0');
        await browsers.create(tenant, accountId, { tokenHash: hash, verifiedAt: at, verifiedUntil: later }, at);
        await ids.assign(tenant, accountId, `${accountId}@${tenant}`, `${accountId}@${tenant}`, 'admin', at);
      }
      // Bob (t1) is locked out; Alice only counted a failure.
      const bobWindow = await counters.reserveAttempt('t1', 'bob', at, 15);
      await counters.lockUser('t1', 'bob', bobWindow.windowStartedAt!, later);
      await counters.reserveAttempt('t1', 'alice', at, 15);
      await credentials.createPending('t1', 'alice', { secret: randomBytes(20), params, createdAt: at });
      await codes.replaceSet('t1', 'alice', ['x1', 'x2'], at);

      const alice = await reader.read('t1', 'alice', mine, at);
      assert.deepEqual(alice.enrollment.active?.params, params);
      assert.deepEqual(alice.enrollment.active?.confirmedAt, at);
      assert.equal(alice.enrollment.pending, true);
      assert.equal(alice.enrollment.unusedBackupCodes, 2);
      assert.deepEqual(alice.lastSession, { verifiedAt: at, verifiedUntil: later });
      assert.deepEqual(alice.browserSession, { verifiedAt: at, verifiedUntil: later });
      assert.equal(alice.idMapping?.twoFactorId, 'alice@t1');
      assert.equal(alice.idMapping?.source, 'admin');
      assert.equal(alice.lockedUntil, null);

      // Another user's browser credential finds no session; no credential asked, none answered.
      assert.equal((await reader.read('t1', 'alice', 't1bob'.padEnd(64, '0'), at)).browserSession, null);
      assert.equal((await reader.read('t1', 'alice', null, at)).browserSession, null);

      const bob = await reader.read('t1', 'bob', null, at);
      assert.deepEqual(bob.lockedUntil, later);
      assert.equal(bob.enrollment.pending, false);
      assert.equal(bob.enrollment.unusedBackupCodes, 3);
      assert.equal(bob.idMapping?.twoFactorId, 'bob@t1');
      // A lockout that has ended is not answered.
      assert.equal((await reader.read('t1', 'bob', null, later)).lockedUntil, null);
    });
  });
}
