import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { AesGcmSecretBox } from '../../../../src/adapters/crypto/aes-gcm-secret-box';
import { SequelizeBackupCodeRepository } from '../../../../src/adapters/db/backup-code-repository';
import { openDatabase, type Database } from '../../../../src/adapters/db/database';
import { migrate } from '../../../../src/adapters/db/migrate';
import { SequelizeTotpCredentialRepository } from '../../../../src/adapters/db/totp-credential-repository';
import { createLogger } from '../../../../src/adapters/logging/logger';
import { databaseLanes, type TestDatabase } from '../../../support/database-lanes';

/**
 * GET /api/v1/me reads the credentials and the unused backup-code count in one statement
 * (`enrollmentState`): the count must be right with no credential, a pending one, an active one,
 * and after a code is used, and must never count another user's or tenant's codes.
 */
for (const lane of databaseLanes()) {
  describe(`Enrollment state in one statement (${lane.name})`, () => {
    let file: TestDatabase;
    let database: Database;
    let credentials: SequelizeTotpCredentialRepository;
    let codes: SequelizeBackupCodeRepository;
    const at = new Date(Date.UTC(2026, 11, 4, 12));
    const params = { algorithm: 'SHA1', digits: 6, period: 30 } as const;

    before(async () => {
      file = await lane.create();
      const logger = createLogger('silent');
      database = await openDatabase(file.url, logger);
      await migrate(database, logger);
      credentials = new SequelizeTotpCredentialRepository(database.sequelize, new AesGcmSecretBox(randomBytes(32)));
      codes = new SequelizeBackupCodeRepository(database.sequelize);
    });
    after(async () => {
      await database?.close();
      await file?.drop();
    });

    it('answers no credential and zero codes for a user with nothing', async () => {
      assert.deepEqual(await credentials.enrollmentState('t1', 'nobody'), { active: null, pending: false, unusedBackupCodes: 0 });
    });

    it('counts only the unused codes of this user in this tenant, pending and active alike', async () => {
      await codes.replaceSet('t2', 'alice', ['x1', 'x2'], at);
      await codes.replaceSet('t1', 'bob', ['y1'], at);
      const pending = await credentials.createPending('t1', 'alice', { secret: randomBytes(20), params, createdAt: at });
      const before = await credentials.enrollmentState('t1', 'alice');
      assert.equal(before.pending, true);
      assert.equal(before.active, null);
      assert.equal(before.unusedBackupCodes, 0);

      assert.deepEqual(await credentials.activate('t1', 'alice', pending.id, 1, at, ['a', 'b', 'c']), { activated: true, replaced: false });
      const [first] = await codes.list('t1', 'alice');
      await codes.redeem('t1', 'alice', first!.id, at, {
        session: { verifiedAt: at, verifiedUntil: at },
        browserSession: null,
        audit: { at, actorAccountId: 'alice', action: 'verify.succeeded', subjectAccountId: 'alice', detail: {} },
      });
      const state = await credentials.enrollmentState('t1', 'alice');
      assert.equal(state.pending, false);
      assert.deepEqual(state.active?.params, params);
      assert.equal(state.unusedBackupCodes, 2);
    });
  });
}
