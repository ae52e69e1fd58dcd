import assert from 'node:assert/strict';
import { QueryTypes } from 'sequelize';
import { SequelizeAuditLog } from '../../../src/adapters/db/audit-log-repository';
import { SequelizeBackupCodeRepository } from '../../../src/adapters/db/backup-code-repository';
import { SequelizeFailureCounterRepository } from '../../../src/adapters/db/failure-counter-repository';
import { SequelizeIdMappingRepository } from '../../../src/adapters/db/id-mapping-repository';
import { SequelizePolicyRepository } from '../../../src/adapters/db/policy-repository';
import { SequelizeTotpCredentialRepository } from '../../../src/adapters/db/totp-credential-repository';
import { SequelizeVerificationSessionRepository } from '../../../src/adapters/db/verification-session-repository';
import { SequelizeVerificationStateReader } from '../../../src/adapters/db/verification-state-reader';
import { AesGcmSecretBox } from '../../../src/adapters/crypto/aes-gcm-secret-box';
import { hashBackupCodes } from '../../../src/domain/mfa/backup-code-hash';
import { defaultPolicy } from '../../../src/domain/policy/policy';
import type { FixedClock } from '../../../src/domain/ports/clock';
import { databaseLanes, printLaneNotice } from '../../support/database-lanes';
import { startInstalledApp, type InstalledApp } from '../../support/installed-app';
import { steppedClock } from '../../support/stepped-clock';
import type { TestApp } from '../../support/test-app';
import { SeededRandom } from '../../unit/domain/mfa/fixtures';
import { USERS, codeNow, enroll, errorCode, me, verify, type Enrolled } from './support';

const OTHER = 'other-tenant-client-key';
const OTHER_BACKUP_CODE = 'ABCDE-23456';
const PARAMS = { algorithm: 'SHA1', digits: 6, period: 30 } as const;

/**
 * One tenant's rows are never visible to another (CONTRACT "Data of one tenant is never visible to
 * another"). Another tenant's data is seeded straight into the database, for the same accountIds
 * the sandbox tenant has; the API of the sandbox tenant must not show, use or change any of it.
 */
for (const lane of databaseLanes()) {
  describe(`Tenant isolation of second factors (${lane.name})`, () => {
    let installed: InstalledApp<FixedClock>;
    let app: TestApp;
    let clock: FixedClock;
    const otherSecret = new SeededRandom('other-tenant').bytes(20);
    const tables = ['totp_credentials', 'backup_codes', 'failure_counters', 'verification_sessions', 'two_factor_ids', 'tenant_policies', 'audit_events'];
    let otherRowsBefore: Record<string, number>;

    const countOther = async () => {
      const counts: Record<string, number> = {};
      for (const table of tables) {
        const [row] = await app.twofold.database.sequelize.query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM ${table} WHERE client_key = :tenant`, {
          type: QueryTypes.SELECT,
          replacements: { tenant: OTHER },
        });
        counts[table] = Number(row!.n);
      }
      return counts;
    };

    before(async () => {
      printLaneNotice();
      installed = await startInstalledApp(lane, { clock: steppedClock() });
      ({ app, clock } = installed);

      const { sequelize } = app.twofold.database;
      const secretBox = new AesGcmSecretBox(app.twofold.config.masterKeys.current);
      const now = clock.now();
      const credentials = new SequelizeTotpCredentialRepository(sequelize, secretBox);
      const pending = await credentials.createPending(OTHER, USERS.bob, { secret: otherSecret, params: PARAMS, createdAt: now });
      assert.ok((await credentials.activate(OTHER, USERS.bob, pending.id, 1, now, [])).activated);
      await new SequelizeBackupCodeRepository(sequelize).replaceSet(
        OTHER,
        USERS.bob,
        await hashBackupCodes([OTHER_BACKUP_CODE], new SeededRandom('salt')),
        now,
      );
      await new SequelizeVerificationSessionRepository(sequelize).save(OTHER, USERS.bob, {
        verifiedAt: now,
        verifiedUntil: new Date(now.getTime() + 3600_000),
      });
      const failures = new SequelizeFailureCounterRepository(sequelize);
      let carolsFailures = await failures.reserveAttempt(OTHER, USERS.carol, now, 60);
      for (let i = 1; i < 5; i += 1) carolsFailures = await failures.reserveAttempt(OTHER, USERS.carol, now, 60);
      await failures.lockUser(OTHER, USERS.carol, carolsFailures.windowStartedAt!, new Date(now.getTime() + 3600_000));
      for (let i = 0; i < 200; i += 1) await failures.countTenantFailure(OTHER, now, 15);
      const mappings = new SequelizeIdMappingRepository(sequelize);
      await mappings.assign(OTHER, USERS.bob, 'bob-elsewhere', 'bob-elsewhere', 'admin', now);
      await mappings.assign(OTHER, USERS.erin, 'carol.chen@example.com', 'carol.chen@example.com', 'admin', now);
      await new SequelizePolicyRepository(sequelize).save(
        OTHER,
        {
          ...defaultPolicy('https://other.atlassian.net'),
          enforcedGroups: ['jira-software-users'],
          lockout: { maxFailures: 1, windowMinutes: 60, tenantMaxFailures: 1 },
        },
        0,
        now,
        'someone',
      );
      await new SequelizeAuditLog(sequelize).record(OTHER, {
        at: now,
        actorAccountId: 'other-admin',
        action: 'policy.changed',
        subjectAccountId: USERS.bob,
        detail: { marker: 'OTHER-TENANT-MARKER' },
      });
      otherRowsBefore = await countOther();
    });
    after(() => installed?.stop());

    it("GET /api/v1/me shows none of the other tenant's credential, session, ID or policy", async () => {
      const bob = await me(app, USERS.bob);
      assert.deepEqual(
        [bob.enrolled, bob.methods, bob.verifiedUntil, bob.twoFactorId, bob.required, bob.backupCodes],
        [false, [], null, 'bob@example.com', false, null],
      );
    });

    let bob: Enrolled;

    it("the other tenant's code, backup code and lockout do not reach this tenant", async () => {
      // Bob is enrolled here too, so that the codes are looked at (not answered with not_enrolled first).
      bob = await enroll(app, clock, USERS.bob);
      clock.advance(30_000);
      const otherCode = codeNow({ secret: otherSecret, params: PARAMS }, clock);
      assert.notEqual(otherCode, codeNow(bob, clock), 'the two secrets give different codes now');
      assert.equal(errorCode(await verify(app, USERS.bob, { code: otherCode })), 'invalid_code');
      assert.equal(
        errorCode(await verify(app, USERS.bob, { backupCode: OTHER_BACKUP_CODE })),
        'invalid_code',
        "the other tenant's backup code does not work here",
      );
      assert.equal((await verify(app, USERS.bob, { backupCode: bob.backupCodes[0]! })).status, 200, "while Bob's own does");
      const carol = await enroll(app, clock, USERS.carol);
      clock.advance(30_000);
      assert.equal(
        (await verify(app, USERS.carol, { code: codeNow(carol, clock) })).status,
        200,
        "the other tenant's lockout of Carol and its spray count do not apply here",
      );
    });

    it("admin views show none of the other tenant's policy, mappings or audit entries", async () => {
      const token = app.contextToken(USERS.alice);
      const policy = (await app.request('GET', '/api/v1/admin/policy', { token })).json();
      assert.deepEqual([policy.enforcedGroups, policy.lockout.maxFailures], [[], 5]);
      const users = (await app.request('GET', '/api/v1/admin/users', { token })).json().users as {
        accountId: string;
        twoFactorId: string;
        enrolled: boolean;
      }[];
      const bob = users.find((u) => u.accountId === USERS.bob)!;
      assert.deepEqual([bob.twoFactorId, bob.enrolled], ['bob@example.com', true], "this tenant's enrollment of Bob, under his ID here");
      const audit = await app.request('GET', '/api/v1/admin/audit?limit=100', { token });
      assert.equal(audit.text.includes('OTHER-TENANT-MARKER'), false);
      assert.equal(audit.text.includes('other-admin'), false);
    });

    it("IDs are unique per tenant: another tenant's holder of an ID does not make it taken here", async () => {
      const response = await app.request('PUT', `/api/v1/admin/users/${USERS.dave}`, {
        token: app.contextToken(USERS.alice),
        body: { twoFactorId: 'bob-elsewhere' },
      });
      assert.equal(response.status, 200, response.text);
      assert.equal((await me(app, USERS.carol)).twoFactorId, 'carol.chen@example.com', 'Carol got her pattern ID although the other tenant gave it to someone');
    });

    it("this tenant's resets, removals and policy changes leave the other tenant's rows alone", async () => {
      const token = app.contextToken(USERS.alice);
      assert.equal((await app.request('POST', `/api/v1/admin/users/${USERS.bob}/reset`, { token })).status, 204);
      assert.equal((await app.request('POST', `/api/v1/admin/users/${USERS.carol}/reset`, { token })).status, 204);
      assert.equal((await app.request('PUT', '/api/v1/admin/policy', { token, body: { enforcedGroups: ['qa'] } })).status, 200);
      assert.deepEqual(await countOther(), otherRowsBefore);
      const state = new SequelizeVerificationStateReader(app.twofold.database.sequelize, new AesGcmSecretBox(app.twofold.config.masterKeys.current));
      assert.deepEqual((await state.read(OTHER, USERS.bob)).credential?.secret, otherSecret);
    });
  });
}
