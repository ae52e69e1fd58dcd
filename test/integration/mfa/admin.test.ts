import assert from 'node:assert/strict';
import { QueryTypes } from 'sequelize';
import type { FixedClock } from '../../../src/domain/ports/clock';
import { databaseLanes, printLaneNotice } from '../../support/database-lanes';
import { startInstalledApp, type InstalledApp } from '../../support/installed-app';
import { steppedClock } from '../../support/stepped-clock';
import type { TestApp } from '../../support/test-app';
import { USERS, codeNow, enroll, errorCode, me, session, verify, wrongCode, type Enrolled } from './support';

/**
 * The admin side of two-step verification (CONTRACT "Admin"): the policy, users and their 2FA IDs,
 * resets, the audit log, and the step-up every admin write needs once the admin is enrolled.
 */
for (const lane of databaseLanes()) {
  describe(`Admin: policy, users, audit and step-up (${lane.name})`, () => {
    let installed: InstalledApp<FixedClock>;
    let app: TestApp;
    let clock: FixedClock;
    let alice: Enrolled;
    const admin = () => app.contextToken(USERS.alice);
    const putPolicy = (body: unknown) => app.request('PUT', '/api/v1/admin/policy', { token: admin(), body });
    const getPolicy = async () => (await app.request('GET', '/api/v1/admin/policy', { token: admin() })).json();

    before(async () => {
      printLaneNotice();
      installed = await startInstalledApp(lane, { clock: steppedClock() });
      ({ app, clock } = installed);
    });
    after(() => installed?.stop());

    describe('policy', () => {
      it('GET answers the defaults for a tenant that never saved one', async () => {
        assert.deepEqual(await getPolicy(), {
          enforcedGroups: [],
          idPattern: '%email%',
          allowUserChosenId: false,
          writeBack: false,
          sessionTimeoutMinutes: 720,
          stepUpMinutes: 5,
          ipSafeZones: [],
          methods: ['totp', 'backup_codes', 'access_pass'],
          totp: { algorithm: 'SHA1', digits: 6, period: 30, window: 1 },
          lockout: { maxFailures: 5, windowMinutes: 15, tenantMaxFailures: 100 },
          branding: { serviceName: 'Jira', companyName: '', color: '#0c66e4' },
          gate: { basicAuth: 'approve', readGraceMinutes: 480, writeGraceMinutes: 60, trustedProxies: ['127.0.0.1/32', '::1/128'], selfEnrollment: true },
          confirmEmailOnEnrollment: false,
          accessPass: { showSymbol: true },
        });
      });

      it('is for Jira admins only', async () => {
        const token = app.contextToken(USERS.bob);
        for (const [method, body] of [
          ['GET', undefined],
          ['PUT', { allowUserChosenId: true }],
        ] as const) {
          const response = await app.request(method, '/api/v1/admin/policy', { token, body });
          assert.equal(response.status, 403);
          assert.equal(errorCode(response), 'not_admin');
        }
      });

      it('PUT answers 400 invalid_policy naming each bad field, and changes nothing', async () => {
        const before = await getPolicy();
        const response = await putPolicy({
          enforcedGroups: ['developers', 42],
          idPattern: '%nickname%@acme',
          sessionTimeoutMinutes: -1,
          ipSafeZones: ['10.0.0.0/8', '10.0.0.1/8', '300.1.1.1/32', '2001:db8::/129'],
          methods: ['sms'],
          totp: { window: 4, digits: 7 },
          lockout: { maxFailures: 0 },
          branding: { color: 'blue', serviceName: 'Acme: Jira' },
          favouriteColour: 'green',
        });
        assert.equal(response.status, 400);
        assert.equal(errorCode(response), 'invalid_policy');
        const fields = (response.json().error.details.fields as { field: string }[]).map((f) => f.field).sort();
        assert.deepEqual(fields, [
          'branding.color',
          'branding.serviceName',
          'enforcedGroups.1',
          'favouriteColour',
          'idPattern',
          'ipSafeZones.1',
          'ipSafeZones.2',
          'ipSafeZones.3',
          'lockout.maxFailures',
          'methods',
          'methods.0',
          'sessionTimeoutMinutes',
          'totp.digits',
          'totp.window',
        ]);
        assert.deepEqual(await getPolicy(), before, 'nothing changed');
        assert.equal((await putPolicy('not an object')).status, 400);
      });

      it('PUT merges the given fields (nested blocks field by field), normalises them, and answers the whole policy', async () => {
        const response = await putPolicy({
          enforcedGroups: ['developers', ' developers '],
          ipSafeZones: ['10.0.0.0/8', '192.168.1.7', '2001:DB8:0:0::/32'],
          totp: { window: 2 },
          branding: { companyName: 'Acme', color: '#FF5630' },
          sessionTimeoutMinutes: 60,
        });
        assert.equal(response.status, 200, response.text);
        const policy = response.json();
        assert.deepEqual(policy.enforcedGroups, ['developers']);
        assert.deepEqual(policy.ipSafeZones, ['10.0.0.0/8', '192.168.1.7/32', '2001:db8::/32']);
        assert.deepEqual(policy.totp, { algorithm: 'SHA1', digits: 6, period: 30, window: 2 });
        assert.deepEqual(policy.branding, { serviceName: 'Jira', companyName: 'Acme', color: '#ff5630' });
        assert.equal(policy.sessionTimeoutMinutes, 60);
        assert.deepEqual(await getPolicy(), policy);
      });

      it('`required` in GET /api/v1/me follows the enforced groups (asked of the host)', async () => {
        assert.equal((await me(app, USERS.bob)).required, true, 'Bob is in developers');
        assert.equal((await me(app, USERS.dave)).required, false, 'Dave is only in qa');
      });

      it('the policy applies: the session timeout and a stricter lockout', async () => {
        assert.equal((await putPolicy({ lockout: { maxFailures: 2 }, sessionTimeoutMinutes: 30 })).status, 200);
        const dave = await enroll(app, clock, USERS.dave);
        assert.equal((await me(app, USERS.dave, dave.sessionToken)).verifiedUntil, new Date(clock.now().getTime() + 30 * 60_000).toISOString());
        clock.advance(30_000);
        const wrong = wrongCode(dave, clock);
        assert.equal((await verify(app, USERS.dave, { code: wrong })).json().error.details.attemptsLeft, 1);
        assert.equal((await verify(app, USERS.dave, { code: wrong })).status, 429);
        assert.equal((await putPolicy({ lockout: { maxFailures: 5 }, sessionTimeoutMinutes: 720 })).status, 200);
      });
    });

    describe('users', () => {
      it('lists a page of users with their IDs and status, and a cursor to the next page', async () => {
        const first = await app.request('GET', '/api/v1/admin/users?limit=2', { token: admin() });
        assert.equal(first.status, 200);
        const page = first.json();
        assert.deepEqual(
          page.users.map((u: { accountId: string }) => u.accountId),
          [USERS.alice, USERS.bob],
        );
        assert.deepEqual(page.users[1], {
          accountId: USERS.bob,
          displayName: 'Bob Builder',
          active: true,
          twoFactorId: 'bob@example.com',
          twoFactorIdSource: 'derived',
          enrolled: false,
          required: true,
          methods: [],
          lockedUntil: null,
        });
        assert.equal(page.users[0].required, false, 'Alice is in no enforced group (the policy enforces developers)');
        assert.equal(typeof page.nextCursor, 'string');

        const all: { accountId: string; enrolled: boolean; methods: string[]; lockedUntil: string | null }[] = [...page.users];
        for (let cursor = page.nextCursor; cursor;) {
          const next = (await app.request('GET', `/api/v1/admin/users?limit=2&cursor=${encodeURIComponent(cursor)}`, { token: admin() })).json();
          all.push(...next.users);
          cursor = next.nextCursor;
        }
        assert.equal(all.length, 6, 'every sandbox user, inactive Frank included');
        const dave = all.find((u) => u.accountId === USERS.dave)!;
        assert.deepEqual([dave.enrolled, dave.methods], [true, ['totp', 'backup_codes']]);
        assert.equal(dave.lockedUntil, new Date(clock.now().getTime() + 15 * 60_000).toISOString(), 'Dave is locked out since the stricter policy');
        assert.equal((await app.request('GET', '/api/v1/admin/users?cursor=garbage', { token: admin() })).status, 400);
      });

      it('filters by group and by enrollment', async () => {
        const qa = (await app.request('GET', '/api/v1/admin/users?group=qa', { token: admin() })).json();
        assert.deepEqual(
          qa.users.map((u: { accountId: string }) => u.accountId),
          [USERS.carol, USERS.dave],
        );
        assert.equal(qa.nextCursor, null);
        const enrolledQa = (await app.request('GET', '/api/v1/admin/users?group=qa&enrolled=true', { token: admin() })).json();
        assert.deepEqual(
          enrolledQa.users.map((u: { accountId: string }) => u.accountId),
          [USERS.dave],
        );
        const none = (await app.request('GET', '/api/v1/admin/users?group=no-such-group', { token: admin() })).json();
        assert.deepEqual(none, { users: [], nextCursor: null });
      });

      it('PUT /users/{accountId} assigns an ID; 409 id_taken when another user of the tenant has it (in any case)', async () => {
        const assigned = await app.request('PUT', `/api/v1/admin/users/${USERS.carol}`, { token: admin(), body: { twoFactorId: 'carol-admin@acme' } });
        assert.equal(assigned.status, 200, assigned.text);
        assert.deepEqual(assigned.json(), { accountId: USERS.carol, twoFactorId: 'carol-admin@acme', twoFactorIdSource: 'admin' });
        assert.equal((await me(app, USERS.carol)).twoFactorId, 'carol-admin@acme');

        const taken = await app.request('PUT', `/api/v1/admin/users/${USERS.erin}`, { token: admin(), body: { twoFactorId: 'Carol-Admin@ACME' } });
        assert.equal(taken.status, 409);
        assert.equal(errorCode(taken), 'id_taken');
        const invalid = await app.request('PUT', `/api/v1/admin/users/${USERS.erin}`, { token: admin(), body: { twoFactorId: 'has space' } });
        assert.equal(invalid.status, 400);
        assert.equal(
          (await app.request('PUT', `/api/v1/admin/users/${USERS.erin}`, { token: app.contextToken(USERS.bob), body: { twoFactorId: 'x' } })).status,
          403,
        );
      });

      it("a user may choose an ID only when the policy allows it, and not one shaped like someone else's email", async () => {
        const token = app.contextToken(USERS.erin);
        const choose = (twoFactorId: string) => app.request('PUT', '/api/v1/me/two-factor-id', { token, body: { twoFactorId } });
        assert.equal(errorCode(await choose('erin-home')), 'forbidden');
        assert.equal((await putPolicy({ allowUserChosenId: true })).status, 200);
        // Bob has not enrolled yet: his address must stay his (it is what %email% gives him).
        for (const claim of ['bob@example.com', 'BOB@EXAMPLE.COM', 'carol-admin@acme', 'erin@home']) {
          const refused = await choose(claim);
          assert.equal(refused.status, 400, claim);
          assert.equal(errorCode(refused), 'invalid_request');
        }
        assert.equal((await me(app, USERS.erin)).twoFactorIdSource, 'derived', 'nothing was stored');
        assert.equal((await choose('erin.novak@example.com')).status, 200, 'her own address is hers to choose');
        assert.equal((await choose('erin-home')).status, 200);
        assert.equal((await app.request('PUT', `/api/v1/admin/users/${USERS.dave}`, { token: admin(), body: { twoFactorId: 'dave-desk' } })).status, 200);
        assert.equal(errorCode(await choose('Dave-Desk')), 'id_taken');
        assert.equal((await me(app, USERS.erin)).twoFactorIdSource, 'user');
      });

      it('POST /users/{accountId}/reset removes the second factors (lost phone), lifts a lockout, and answers 204', async () => {
        assert.equal((await me(app, USERS.dave)).enrolled, true);
        const reset = await app.request('POST', `/api/v1/admin/users/${USERS.dave}/reset`, { token: admin() });
        assert.equal(reset.status, 204);
        const dave = await me(app, USERS.dave);
        assert.deepEqual([dave.enrolled, dave.methods, dave.verifiedUntil], [false, [], null]);
        const again = await enroll(app, clock, USERS.dave);
        clock.advance(30_000);
        assert.equal((await verify(app, USERS.dave, { code: codeNow(again, clock) })).status, 200, 'the lockout is gone too');
      });

      it('POST /users/{accountId}/unlock lifts a lockout without touching the factors, shows in the list, and is audited', async () => {
        const carol = await enroll(app, clock, USERS.carol);
        clock.advance(30_000);
        const wrong = wrongCode(carol, clock);
        for (let i = 0; i < 4; i += 1) assert.equal((await verify(app, USERS.carol, { code: wrong })).status, 401);
        assert.equal((await verify(app, USERS.carol, { code: wrong })).status, 429);
        const lockedUntil = new Date(clock.now().getTime() + 15 * 60_000).toISOString();
        const row = async () =>
          (
            (await app.request('GET', '/api/v1/admin/users?group=qa', { token: admin() })).json().users as { accountId: string; lockedUntil: string | null }[]
          ).find((u) => u.accountId === USERS.carol)!;
        assert.equal((await row()).lockedUntil, lockedUntil);

        const refused = await app.request('POST', `/api/v1/admin/users/${USERS.carol}/unlock`, { token: app.contextToken(USERS.bob) });
        assert.equal(refused.status, 403, 'admins only');
        const unlocked = await app.request('POST', `/api/v1/admin/users/${USERS.carol}/unlock`, { token: admin() });
        assert.equal(unlocked.status, 204, unlocked.text);
        assert.equal((await row()).lockedUntil, null);
        assert.equal((await me(app, USERS.carol)).enrolled, true, 'the factors stay');
        assert.equal((await verify(app, USERS.carol, { code: codeNow(carol, clock) })).status, 200, 'Carol can verify again at once');
        const audit = (await app.request('GET', `/api/v1/admin/audit?subject=${USERS.carol}&action=user.unlocked`, { token: admin() })).json();
        assert.deepEqual(
          audit.entries.map((e: { actorAccountId: string; detail: unknown }) => [e.actorAccountId, e.detail]),
          [[USERS.alice, { wasLockedUntil: lockedUntil }]],
        );
        assert.equal((await app.request('POST', '/api/v1/admin/users/not%20an%20id/unlock', { token: admin() })).status, 400);
      });
    });

    describe('step-up for admin writes', () => {
      it('once the admin is enrolled, admin writes need a session of this browser verified within stepUpMinutes (403 verification_required)', async () => {
        alice = await enroll(app, clock, USERS.alice);
        const inThisBrowser = (method: string, path: string, body?: unknown, sessionToken = alice.sessionToken) =>
          app.request(method, path, { token: admin(), body, headers: session(sessionToken) });
        assert.equal((await inThisBrowser('PUT', '/api/v1/admin/policy', { stepUpMinutes: 10 })).status, 200, 'confirming started a session of this browser');
        const writes = [
          ['PUT', '/api/v1/admin/policy', { stepUpMinutes: 5 }],
          ['PUT', `/api/v1/admin/users/${USERS.erin}`, { twoFactorId: 'erin@acme' }],
          ['POST', `/api/v1/admin/users/${USERS.erin}/reset`, undefined],
          ['POST', `/api/v1/admin/users/${USERS.erin}/unlock`, undefined],
        ] as const;
        for (const [method, path, body] of writes) {
          // Another browser of the same admin (or a stolen Jira session): no credential, or a forged one.
          for (const other of [undefined, 'A'.repeat(43)]) {
            const response = await app.request(method, path, { token: admin(), body, headers: session(other) });
            assert.equal(response.status, 403, `${method} ${path} from another browser`);
            assert.deepEqual([errorCode(response), response.json().error.details.reason], ['verification_required', 'session']);
          }
        }
        clock.advance(10 * 60_000 + 1000); // this browser's session is current, its verification not recent
        for (const [method, path, body] of writes) {
          const response = await inThisBrowser(method, path, body);
          assert.equal(response.status, 403, `${method} ${path}`);
          assert.deepEqual([errorCode(response), response.json().error.details], ['verification_required', { reason: 'recent', withinMinutes: 10 }]);
        }
        assert.equal((await app.request('GET', '/api/v1/admin/policy', { token: admin() })).status, 200, 'reading needs no step-up');
        assert.equal((await app.request('GET', '/api/v1/admin/users', { token: admin() })).status, 200);
        const verified = await verify(app, USERS.alice, { code: codeNow(alice, clock) });
        assert.equal(verified.status, 200);
        alice.sessionToken = verified.json().sessionToken;
        assert.equal((await inThisBrowser('PUT', '/api/v1/admin/policy', { stepUpMinutes: 5 })).status, 200);
        assert.equal((await inThisBrowser('PUT', `/api/v1/admin/users/${USERS.erin}`, { twoFactorId: 'erin@acme' })).status, 200);
      });
    });

    describe('audit log', () => {
      it('answers newest first with the contract fields, paged by cursor', async () => {
        const first = await app.request('GET', '/api/v1/admin/audit?limit=5', { token: admin() });
        assert.equal(first.status, 200);
        const page = first.json();
        assert.equal(page.entries.length, 5);
        for (const entry of page.entries) {
          assert.deepEqual(Object.keys(entry).sort(), ['action', 'actorAccountId', 'at', 'detail', 'id', 'subjectAccountId']);
        }
        assert.deepEqual(page.entries[0], {
          id: page.entries[0].id,
          at: clock.now().toISOString(),
          actorAccountId: USERS.alice,
          action: 'user.id_assigned',
          subjectAccountId: USERS.erin,
          detail: { twoFactorId: 'erin@acme', previous: 'erin-home', source: 'admin' },
        });
        const all = [...page.entries];
        for (let cursor = page.nextCursor; cursor;) {
          const next = (await app.request('GET', `/api/v1/admin/audit?limit=7&cursor=${cursor}`, { token: admin() })).json();
          all.push(...next.entries);
          cursor = next.nextCursor;
        }
        const ids = all.map((entry) => Number(entry.id));
        assert.deepEqual(
          ids,
          [...ids].sort((a, b) => b - a),
          'newest first',
        );
        assert.equal(new Set(ids).size, ids.length, 'no entry twice');
        const actions = new Set(all.map((entry) => entry.action));
        for (const action of [
          'totp.enrollment_started',
          'totp.confirmed',
          'verify.succeeded',
          'verify.failed',
          'lockout',
          'admin.reset',
          'policy.changed',
          'user.id_assigned',
        ]) {
          assert.ok(actions.has(action), `has a ${action} entry`);
        }
        const reset = all.find((entry) => entry.action === 'admin.reset');
        assert.deepEqual([reset.actorAccountId, reset.subjectAccountId], [USERS.alice, USERS.dave]);
        const stricter = all.find((entry) => entry.action === 'policy.changed' && entry.detail['lockout.maxFailures.new'] === 2);
        assert.ok(stricter, 'a policy change records the new value of each changed field');
        assert.deepEqual(stricter.detail, {
          fields: 'sessionTimeoutMinutes,lockout',
          'sessionTimeoutMinutes.old': 60,
          'sessionTimeoutMinutes.new': 30,
          'lockout.maxFailures.old': 5,
          'lockout.maxFailures.new': 2,
        });
        assert.equal(JSON.stringify(all).includes(alice.started.secretBase32), false);
      });

      it('filters by subject and action; refuses a forged cursor; admins only', async () => {
        const dave = (await app.request('GET', `/api/v1/admin/audit?subject=${USERS.dave}&action=lockout`, { token: admin() })).json();
        assert.equal(dave.entries.length, 1);
        assert.equal(dave.entries[0].detail.scope, 'user');
        assert.equal((await app.request('GET', '/api/v1/admin/audit?cursor=bm9wZQ', { token: admin() })).status, 400);
        assert.equal((await app.request('GET', '/api/v1/admin/audit', { token: app.contextToken(USERS.bob) })).status, 403);
      });

      it('shows an action it does not know as stored, instead of failing the whole page', async () => {
        const { sequelize } = app.twofold.database;
        const [tenant] = await sequelize.query<{ client_key: string }>('SELECT client_key FROM tenants', { type: QueryTypes.SELECT });
        await sequelize.query(
          `INSERT INTO audit_events (client_key, at, actor_account_id, action, subject_account_id, detail) VALUES (:tenant, :at, NULL, 'some.future_action', NULL, '{"n":1}')`,
          { replacements: { tenant: tenant!.client_key, at: clock.now() } },
        );
        const page = await app.request('GET', '/api/v1/admin/audit?limit=3', { token: admin() });
        assert.equal(page.status, 200, page.text);
        assert.deepEqual([page.json().entries[0].action, page.json().entries[0].detail], ['some.future_action', { n: 1 }]);
      });
    });

    describe("an admin's own factor", () => {
      it('resetting it through the admin API needs a code entered for it, as removing it does', async () => {
        const own = `/api/v1/admin/users/${USERS.alice}/reset`;
        clock.advance(60_000);
        const verified = await verify(app, USERS.alice, { code: codeNow(alice, clock) });
        const headers = session(verified.json().sessionToken);
        clock.advance(30_000);
        const refused = await app.request('POST', own, { token: admin(), headers });
        assert.equal(refused.status, 403);
        assert.equal(refused.json().error.details.reason, 'code');
        assert.equal((await me(app, USERS.alice)).enrolled, true, 'nothing was removed');
        const wrong = await app.request('POST', own, { token: admin(), headers, body: { code: wrongCode(alice, clock) } });
        assert.equal(errorCode(wrong), 'invalid_code');
        assert.equal((await app.request('POST', own, { token: admin(), headers, body: { code: codeNow(alice, clock) } })).status, 204);
        assert.equal((await me(app, USERS.alice)).enrolled, false);
      });
    });
  });
}
