import assert from 'node:assert/strict';
import { QueryTypes } from 'sequelize';
import { AesGcmSecretBox } from '../../../src/adapters/crypto/aes-gcm-secret-box';
import { SequelizeBackupCodeRepository } from '../../../src/adapters/db/backup-code-repository';
import { SequelizeFailureCounterRepository } from '../../../src/adapters/db/failure-counter-repository';
import { SequelizeTotpCredentialRepository } from '../../../src/adapters/db/totp-credential-repository';
import { SequelizeVerificationStateReader } from '../../../src/adapters/db/verification-state-reader';
import { openDatabase, type Database } from '../../../src/adapters/db/database';
import { migrate } from '../../../src/adapters/db/migrate';
import { createLogger } from '../../../src/adapters/logging/logger';
import type { FixedClock } from '../../../src/domain/ports/clock';
import { databaseLanes, postgresLaneOrSkip, printLaneNotice, type TestDatabase } from '../../support/database-lanes';
import { startInstalledApp, type InstalledApp } from '../../support/installed-app';
import { steppedClock } from '../../support/stepped-clock';
import type { TestApp } from '../../support/test-app';
import { startTwoAppInstances, type TwoAppInstances } from '../../support/two-app-instances';
import { SeededRandom } from '../../unit/domain/mfa/fixtures';
import { USERS, codeNow, enroll, errorCode, verify, type Enrolled } from './support';

const PARAMS = { algorithm: 'SHA1', digits: 6, period: 30 } as const;
const RACERS = 16;

/**
 * The atomic steps under concurrency: a code's time step is accepted once, a backup code is used
 * once, and no failure is lost, however many requests race. On Postgres each racer may hold a
 * connection of its own (pool of 10), so the conditional UPDATEs really run side by side; two
 * repositories on two connection pools stand for two app instances.
 */
for (const lane of databaseLanes()) {
  describe(`Atomic single use and failure counting under concurrency (${lane.name})`, () => {
    let database: TestDatabase;
    let first: Database;
    let second: Database;
    const secretBox = new AesGcmSecretBox(new SeededRandom('master').bytes(32));

    before(async () => {
      printLaneNotice();
      database = await lane.create();
      const logger = createLogger('silent');
      first = await openDatabase(database.url, logger);
      await migrate(first, logger);
      second = await openDatabase(database.url, logger);
    });
    after(async () => {
      await first?.close();
      await second?.close();
      await database?.drop();
    });

    it(`accepts a time step once when ${RACERS} requests on two pools race for it`, async () => {
      const repositories = [first, second].map((db) => new SequelizeTotpCredentialRepository(db.sequelize, secretBox));
      const pending = await repositories[0]!.createPending('t1', 'racer', {
        secret: new SeededRandom('racer').bytes(20),
        params: PARAMS,
        createdAt: new Date(),
      });
      assert.deepEqual(await repositories[0]!.activate('t1', 'racer', pending.id, 100, new Date(), []), { activated: true, replaced: false });
      for (const step of [101, 102, 150]) {
        const results = await Promise.all(Array.from({ length: RACERS }, (_, i) => repositories[i % 2]!.acceptStep('t1', 'racer', pending.id, step)));
        assert.equal(results.filter(Boolean).length, 1, `step ${step}: exactly one winner`);
      }
      assert.equal(await repositories[1]!.acceptStep('t1', 'racer', pending.id, 149), false, 'an older step after a newer one');
      assert.equal((await new SequelizeVerificationStateReader(second.sequelize, secretBox).read('t1', 'racer')).credential?.lastUsedStep, 150);
    });

    it(`uses a backup code once when ${RACERS} requests race for it`, async () => {
      const repositories = [first, second].map((db) => new SequelizeBackupCodeRepository(db.sequelize));
      await repositories[0]!.replaceSet('t1', 'racer', ['scrypt$placeholder-hash-a', 'scrypt$placeholder-hash-b'], new Date());
      const [code] = await repositories[0]!.list('t1', 'racer');
      const success = (at: Date, racer: number) => ({
        session: { verifiedAt: at, verifiedUntil: new Date(at.getTime() + 3600_000) },
        browserSession: { tokenHash: racer.toString(16).padStart(64, '0'), verifiedAt: at, verifiedUntil: new Date(at.getTime() + 3600_000) },
        audit: { at, actorAccountId: 'racer', action: 'verify.succeeded' as const, subjectAccountId: 'racer', detail: { method: 'backup_code' } },
      });
      const results = await Promise.all(
        Array.from({ length: RACERS }, (_, i) => repositories[i % 2]!.redeem('t1', 'racer', code!.id, new Date(), success(new Date(), i))),
      );
      assert.equal(results.filter(Boolean).length, 1);
      assert.equal(await repositories[1]!.countUnused('t1', 'racer'), 1);
      const [audited] = await first.sequelize.query("SELECT COUNT(*) AS n FROM audit_events WHERE client_key = 't1' AND subject_account_id = 'racer'");
      assert.equal(Number((audited as { n: number }[])[0]!.n), 1, 'only the winner wrote its success');
      const [sessions] = await first.sequelize.query("SELECT COUNT(*) AS n FROM browser_sessions WHERE client_key = 't1' AND account_id = 'racer'");
      assert.equal(Number((sessions as { n: number }[])[0]!.n), 1, 'only the winner started a browser session');
    });

    it(`leaves exactly one set of backup codes when ${RACERS * 2} replacements on two pools overlap`, async () => {
      const repositories = [first, second].map((db) => new SequelizeBackupCodeRepository(db.sequelize));
      for (let round = 0; round < 5; round += 1) {
        await Promise.all(
          Array.from({ length: RACERS * 2 }, (_, i) =>
            repositories[i % 2]!.replaceSet(
              't1',
              'regenerator',
              Array.from({ length: 10 }, (_, n) => `scrypt$set-${round}-${i}-${n}`),
              new Date(),
            ),
          ),
        );
        const codes = await repositories[0]!.list('t1', 'regenerator');
        assert.equal(codes.length, 10, `round ${round}: one set of 10`);
        assert.equal(new Set(codes.map((code) => code.hash.replace(/-\d+$/, ''))).size, 1, `round ${round}: all from one replacement`);
      }
    });

    it('loses no count and hands out each place in a user budget once: one atomic upsert each', async () => {
      const repositories = [first, second].map((db) => new SequelizeFailureCounterRepository(db.sequelize));
      const state = () => new SequelizeVerificationStateReader(first.sequelize, secretBox).read('t2', 'u');
      const now = new Date();
      await Promise.all(Array.from({ length: 40 }, (_, i) => repositories[i % 2]!.countTenantFailure('t2', now, 15)));
      assert.equal((await state()).tenant.failures, 40);

      // The user's reservations: every racer gets a place of its own, none is lost.
      const places = await Promise.all(Array.from({ length: RACERS }, (_, i) => repositories[i % 2]!.reserveAttempt('t2', 'u', now, 15)));
      assert.deepEqual(
        places.map((place) => place.failures).sort((a, b) => a - b),
        Array.from({ length: RACERS }, (_, i) => i + 1),
      );
      assert.equal((await state()).user.failures, RACERS);
      // Giving places back, concurrently, lands every one of them, and never below zero.
      await Promise.all([...places, ...places].map((place, i) => repositories[i % 2]!.releaseAttempt('t2', 'u', place.windowStartedAt!)));
      assert.equal((await state()).user.failures, 0);
      assert.equal((await state()).tenant.failures, 40, "the tenant's count is another row");
    });
  });
}

/**
 * The lockout holds against a burst: concurrent wrong codes reserve their places before any code is
 * looked at, so at most `maxFailures` of them are evaluated, and the right code sent once the budget
 * is spent is refused like any other.
 */
for (const lane of databaseLanes()) {
  describe(`Lockout under a concurrent burst of wrong codes (${lane.name})`, () => {
    let installed: InstalledApp<FixedClock>;
    let app: TestApp;
    let clock: FixedClock;
    let bob: Enrolled;
    const BURST = 30;
    const MAX_FAILURES = 5;

    before(async () => {
      printLaneNotice();
      installed = await startInstalledApp(lane, { clock: steppedClock() });
      ({ app, clock } = installed);
      bob = await enroll(app, clock, USERS.bob);
      clock.advance(30_000);
    });
    after(() => installed?.stop());

    const tenantKey = async () => {
      const [row] = await app.twofold.database.sequelize.query<{ client_key: string }>('SELECT client_key FROM tenants', { type: QueryTypes.SELECT });
      return row!.client_key;
    };

    it(`evaluates at most ${MAX_FAILURES} of ${BURST} concurrent wrong codes, refuses the right one then with 429, and ends with consistent counters`, async () => {
      const tenant = await tenantKey();
      const reader = new SequelizeVerificationStateReader(app.twofold.database.sequelize, secretBox(app));
      // Distinct well-formed codes, none near the current step.
      const near = new Set([-4, -3, -2, -1, 0, 1, 2, 3, 4].map((offset) => codeNow(bob, clock, offset)));
      const wrong = Array.from({ length: 100 }, (_, i) => String(100_000 + i * 7919).padStart(6, '0'))
        .filter((code) => !near.has(code))
        .slice(0, BURST);

      let settled = false;
      const burst = Promise.all(wrong.map((code) => verify(app, USERS.bob, { code }))).finally(() => (settled = true));
      // The right code goes in while the burst is in flight, once the burst holds the whole budget.
      while (!settled && (await reader.read(tenant, USERS.bob)).user.failures < MAX_FAILURES) await new Promise((resolve) => setTimeout(resolve, 1));
      const right = await verify(app, USERS.bob, { code: codeNow(bob, clock) });
      const answers = await burst;

      const statuses = answers.map((answer) => answer.status);
      assert.ok(
        statuses.every((status) => status === 401 || status === 429),
        `only 401 and 429: ${statuses}`,
      );
      for (const answer of answers) assert.equal(errorCode(answer), answer.status === 401 ? 'invalid_code' : 'locked_out');
      assert.ok(statuses.filter((status) => status === 401).length <= MAX_FAILURES - 1, `at most ${MAX_FAILURES - 1} plain failures: ${statuses}`);
      assert.equal(right.status, 429, right.text);
      assert.equal(errorCode(right), 'locked_out');

      // Exactly the budget was evaluated: each evaluated wrong code is audited and counted for the tenant.
      const [audited] = await app.twofold.database.sequelize.query<{ n: number | string }>(
        `SELECT COUNT(*) AS n FROM audit_events WHERE client_key = :tenant AND subject_account_id = :bob AND action = 'verify.failed'`,
        { type: QueryTypes.SELECT, replacements: { tenant, bob: USERS.bob } },
      );
      assert.equal(Number(audited!.n), MAX_FAILURES, 'codes evaluated');
      const state = await reader.read(tenant, USERS.bob);
      assert.equal(state.user.failures, MAX_FAILURES, 'every refused place was given back, no evaluated one was');
      assert.ok(state.user.lockedUntil && state.user.lockedUntil > clock.now(), 'Bob is locked out');
      assert.equal(state.tenant.failures, MAX_FAILURES);

      clock.advance(30_000);
      assert.equal((await verify(app, USERS.bob, { code: codeNow(bob, clock) })).status, 429, 'the next right code is refused too');
      clock.advance(15 * 60_000);
      assert.equal((await verify(app, USERS.bob, { code: codeNow(bob, clock) })).status, 200, 'until the lockout ends');
    });
  });
}

/**
 * Writes that replace a user's set (new backup codes, a new set-up) are serialized per user: under
 * Postgres' READ COMMITTED two overlapping "delete, then insert" would both insert (20 valid backup
 * codes), or the second hit the unique index of the pending credential (a 500).
 */
for (const lane of databaseLanes()) {
  describe(`Overlapping replacements of a user's codes and set-up (${lane.name})`, () => {
    let installed: InstalledApp<FixedClock>;
    let app: TestApp;
    let clock: FixedClock;
    const RACE = 16;

    before(async () => {
      printLaneNotice();
      installed = await startInstalledApp(lane, { clock: steppedClock() });
      ({ app, clock } = installed);
      carolCodes = (await enroll(app, clock, USERS.carol)).backupCodes;
    });
    after(() => installed?.stop());
    let carolCodes: string[] = [];

    const rows = async (sql: string) => {
      const [row] = await app.twofold.database.sequelize.query<{ n: number | string }>(sql, { type: QueryTypes.SELECT, replacements: { carol: USERS.carol } });
      return Number(row!.n);
    };

    it('concurrent regenerations of backup codes (each with a code of its own) leave exactly one set of 10', async () => {
      // Each request carries a different backup code for the action; a request whose code a racing
      // regeneration has already voided is refused (401, or 429 once those count to the limit).
      const answers = await Promise.all(
        carolCodes.map((backupCode) => app.request('POST', '/api/v1/me/backup-codes', { token: app.contextToken(USERS.carol), body: { backupCode } })),
      );
      const statuses = new Set(answers.map((answer) => answer.status));
      assert.ok(statuses.has(201) && [...statuses].every((status) => [201, 401, 429].includes(status)), answers.map((answer) => answer.text).join('\n'));
      assert.equal(await rows('SELECT COUNT(*) AS n FROM backup_codes WHERE account_id = :carol'), 10);
      // The set that remains is one that was handed out: its codes work (one is tried: a wrong guess counts).
      const lastHashes = await app.twofold.database.sequelize.query<{ n: number | string }>(
        'SELECT COUNT(DISTINCT created_at) AS n FROM backup_codes WHERE account_id = :carol',
        { type: QueryTypes.SELECT, replacements: { carol: USERS.carol } },
      );
      assert.equal(Number(lastHashes[0]!.n), 1);
    });

    it(`${RACE} concurrent first set-ups all succeed, and leave one set-up in progress`, async () => {
      // A first set-up needs no code (a replacement does, one code per request: see above), so the
      // race of set-ups itself is what is tested, for a user without a factor.
      const answers = await Promise.all(
        Array.from({ length: RACE }, () => app.request('POST', '/api/v1/me/totp', { token: app.contextToken(USERS.dave), body: {} })),
      );
      assert.deepEqual([...new Set(answers.map((answer) => answer.status))], [201], answers.map((answer) => answer.text).join('\n'));
      assert.equal(await rows(`SELECT COUNT(*) AS n FROM totp_credentials WHERE account_id = '${USERS.dave}' AND status = 'pending'`), 1);
      assert.equal(
        await rows("SELECT COUNT(*) AS n FROM totp_credentials WHERE account_id = :carol AND status = 'active'"),
        1,
        "Carol's active credential stays",
      );
    });
  });
}

function secretBox(app: TestApp): AesGcmSecretBox {
  return new AesGcmSecretBox(app.twofold.config.masterKeys.current);
}

describe('Two app instances on one Postgres: a code is accepted by one of them only', () => {
  let instances: TwoAppInstances;
  let one: TestApp;
  let two: TestApp;
  let clock: FixedClock;
  let bob: Enrolled;

  before(async function () {
    const lane = postgresLaneOrSkip(this, 'the two-instance replay race needs Postgres and is skipped');
    clock = steppedClock();
    instances = await startTwoAppInstances(lane, { clock });
    ({ first: one, second: two } = instances);
    // Installs go through the second instance (ACE reads CONNECT_KEYS_CDN_URL from the environment).
    await two.install();
    bob = await enroll(two, clock, USERS.bob);
  });
  after(() => instances?.stop());

  const verifyOn = (app: TestApp, body: Record<string, unknown>) => app.request('POST', '/api/v1/me/verify', { token: two.contextToken(USERS.bob), body });

  it('the same code sent to both instances at once: one 200, and 401 code_reused from the other, round after round', async () => {
    for (let round = 0; round < 10; round += 1) {
      clock.advance(30_000);
      const code = codeNow(bob, clock);
      const answers = await Promise.all([verifyOn(one, { code }), verifyOn(two, { code }), verifyOn(one, { code }), verifyOn(two, { code })]);
      const statuses = answers.map((answer) => answer.status).sort();
      assert.deepEqual(statuses, [200, 401, 401, 401], `round ${round}`);
      for (const answer of answers.filter((a) => a.status === 401)) assert.equal(errorCode(answer), 'code_reused');
    }
  });

  it('the same backup code sent to both instances at once is accepted once', async () => {
    const backupCode = bob.backupCodes[0]!;
    const answers = await Promise.all([verifyOn(one, { backupCode }), verifyOn(two, { backupCode })]);
    assert.deepEqual(answers.map((a) => a.status).sort(), [200, 401]);
  });

  it('wrong codes through both instances add up to one lockout', async () => {
    clock.advance(30_000);
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) => verifyOn(i % 2 ? one : two, { code: '000000' === codeNow(bob, clock) ? '111111' : '000000' })),
    );
    const statuses = answers.map((a) => a.status).sort();
    // Five failures are counted (the fifth locks); any request that checked after that is refused too.
    assert.equal(statuses.filter((s) => s === 401).length + statuses.filter((s) => s === 429).length, 6);
    assert.ok(statuses.filter((s) => s === 401).length <= 4, `at most four plain failures before the lockout: ${statuses}`);
    assert.equal((await verifyOn(one, { code: codeNow(bob, clock) })).status, 429);
  });
});
