import assert from 'node:assert/strict';
import { QueryTypes } from 'sequelize';
import type { FixedClock } from '../../../src/domain/ports/clock';
import { databaseLanes, printLaneNotice } from '../../support/database-lanes';
import { startInstalledApp, type InstalledApp } from '../../support/installed-app';
import { steppedClock } from '../../support/stepped-clock';
import type { TestApp } from '../../support/test-app';
import { WebCryptoPhone } from '../../support/webcrypto-phone';
import { USERS, codeNow, enroll, errorCode, me, session, verify, type Enrolled } from '../mfa/support';

/**
 * The access pass end to end through HTTP (issue 11): a "phone" made with Node's WebCrypto pairs from
 * the pairing URL, sees the request, signs its answer; the browser that asked gets its session from
 * the one verification service. Both database lanes.
 */
for (const lane of databaseLanes()) {
  describe(`access pass with a WebCrypto phone (${lane.name})`, () => {
    let installed: InstalledApp<FixedClock>;
    let app: TestApp;
    let clock: FixedClock;
    let bob: Enrolled;

    const asUser = (accountId: string, sessionToken?: string) => ({ token: app.contextToken(accountId), headers: session(sessionToken) });
    const startPairing = async (accountId: string, sessionToken: string) => {
      const response = await app.request('POST', '/api/v1/me/devices/pairing', asUser(accountId, sessionToken));
      assert.equal(response.status, 201, response.text);
      return response.json<{ pairingUrl: string; qrPng: string; expiresAt: string }>();
    };
    const ask = async (accountId: string) => {
      const response = await app.request('POST', '/api/v1/me/access-pass', asUser(accountId));
      assert.equal(response.status, 201, response.text);
      return response.json<{ challengeId: string; symbol: { id: string; name: string } | null; expiresAt: string }>();
    };
    const poll = (accountId: string, challengeId: string) => app.request('GET', `/api/v1/me/access-pass/${challengeId}`, asUser(accountId));
    const pendingFor = async (phone: WebCryptoPhone, challengeId: string) => {
      const { status, requests } = await phone.requests();
      assert.equal(status, 200);
      const request = requests.find((candidate) => candidate.challengeId === challengeId);
      assert.ok(request, 'the phone sees the request');
      return request;
    };

    before(async () => {
      printLaneNotice();
      installed = await startInstalledApp(lane, { clock: steppedClock() });
      ({ app, clock } = installed);
      bob = await enroll(app, clock, USERS.bob);
    });
    after(() => installed?.stop());

    it('pairs a phone: single-use token for 10 minutes, stored hashed; a key that is not P-256 is refused', async () => {
      assert.equal((await app.request('POST', '/api/v1/me/devices/pairing', asUser(USERS.bob))).status, 403, 'an unverified browser cannot pair');
      const pairing = await startPairing(USERS.bob, bob.sessionToken);
      assert.match(pairing.pairingUrl, new RegExp(`^${app.baseUrl}/companion#pair=[A-Za-z0-9_-]{43}$`));
      assert.match(pairing.qrPng, /^data:image\/png;base64,/);
      assert.equal(new Date(pairing.expiresAt).getTime() - clock.now().getTime(), 10 * 60_000);

      const p384 = await WebCryptoPhone.create(app, 'P-384');
      const refused = await p384.pair(pairing.pairingUrl);
      assert.equal(refused.status, 400);
      assert.equal(errorCode(refused), 'invalid_request');

      const phone = await WebCryptoPhone.create(app);
      const paired = await phone.pair(pairing.pairingUrl, 'Bob’s phone');
      assert.equal(paired.status, 201, paired.text);
      assert.match(phone.deviceToken ?? '', /^[A-Za-z0-9_-]{43}$/);
      const again = await (await WebCryptoPhone.create(app)).pair(pairing.pairingUrl);
      assert.equal(again.status, 409);
      assert.equal(errorCode(again), 'pairing_used');

      const late = await startPairing(USERS.bob, bob.sessionToken);
      clock.advance(10 * 60_000);
      const expired = await (await WebCryptoPhone.create(app)).pair(late.pairingUrl);
      assert.equal(expired.status, 410);
      assert.equal(errorCode(expired), 'pairing_expired');

      const list = await app.request('GET', '/api/v1/me/devices', asUser(USERS.bob));
      assert.deepEqual(
        list.json().devices.map((device: { id: string; name: string }) => [device.id, device.name]),
        [[phone.deviceId, 'Bob’s phone']],
      );
      const rows = await app.twofold.database.sequelize.query<Record<string, string>>(
        'SELECT token_hash FROM paired_devices UNION ALL SELECT token_hash FROM device_pairings',
        {
          type: QueryTypes.SELECT,
        },
      );
      for (const row of rows) {
        assert.match(row.token_hash!, /^[0-9a-f]{64}$/);
        assert.notEqual(row.token_hash, phone.deviceToken);
      }
      assert.ok((await me(app, USERS.bob)).methods.includes('access_pass'));
      // A browser's request (Accept: text/html) to the companion API still gets JSON.
      const browserLike = await fetch(`${app.baseUrl}/companion/api/v1/requests`, { headers: { Accept: 'text/html' } });
      assert.equal(browserLike.status, 401);
      assert.equal(((await browserLike.json()) as { error: { code: string } }).error.code, 'unauthenticated');
    });

    it('approves: the browser that asked gets its session once, as /me/verify gives it; a replay is refused', async () => {
      const phone = await pairedPhone();
      const asked = await ask(USERS.bob);
      assert.ok(asked.symbol);
      assert.equal(new Date(asked.expiresAt).getTime() - clock.now().getTime(), 120_000);
      assert.equal((await poll(USERS.bob, asked.challengeId)).json().state, 'pending');

      const request = await pendingFor(phone, asked.challengeId);
      assert.equal(request.symbols.length, 4);
      assert.equal(new Set(request.symbols.map((symbol) => symbol.id)).size, 4);
      assert.ok(request.symbols.some((symbol) => symbol.id === asked.symbol!.id));
      assert.equal(request.site, app.host.hostBaseUrl);
      assert.ok(request.user.length > 0 && request.ip.length > 0);

      // Signed by another key: 401 bad_signature, and nothing changed.
      const stranger = await WebCryptoPhone.create(app);
      const forged = await phone.answer(request, asked.symbol.id, 'approve', await phone.sign(request, asked.symbol.id, 'approve', stranger));
      assert.equal(forged.status, 401);
      assert.equal(errorCode(forged), 'bad_signature');
      // A signature of "deny" does not approve.
      const turned = await phone.answer(request, asked.symbol.id, 'approve', await phone.sign(request, asked.symbol.id, 'deny'));
      assert.equal(errorCode(turned), 'bad_signature');
      assert.equal((await poll(USERS.bob, asked.challengeId)).json().state, 'pending');

      const signature = await phone.sign(request, asked.symbol.id, 'approve');
      const approved = await phone.answer(request, asked.symbol.id, 'approve', signature);
      assert.equal(approved.status, 204, approved.text);
      const replayed = await phone.answer(request, asked.symbol.id, 'approve', signature);
      assert.equal(replayed.status, 409);
      assert.equal(errorCode(replayed), 'challenge_closed');

      const first = (await poll(USERS.bob, asked.challengeId)).json();
      assert.equal(first.state, 'approved');
      assert.equal(first.method, 'access_pass');
      assert.match(first.sessionToken, /^[A-Za-z0-9_-]{43}$/);
      assert.equal((await me(app, USERS.bob, first.sessionToken)).verifiedUntil, first.verifiedUntil, 'this browser is verified');
      const second = (await poll(USERS.bob, asked.challengeId)).json();
      assert.deepEqual(second, { state: 'approved' }, 'the session is given once');
      assert.deepEqual((await phone.requests()).requests, []);
    });

    it('a wrong symbol denies the request and counts toward the lockout; "This wasn\'t me" is audited', async () => {
      const phone = await pairedPhone();
      const maxFailures = 3;
      const policy = await app.request('PUT', '/api/v1/admin/policy', { token: app.contextToken(USERS.alice), body: { lockout: { maxFailures } } });
      assert.equal(policy.status, 200, policy.text);

      for (let attempt = 1; attempt <= maxFailures; attempt += 1) {
        const asked = await ask(USERS.bob);
        const request = await pendingFor(phone, asked.challengeId);
        const wrong = request.symbols.find((symbol) => symbol.id !== asked.symbol!.id)!;
        const answered = await phone.answer(request, wrong.id, 'approve');
        assert.equal(answered.status, 403);
        assert.equal(errorCode(answered), 'wrong_symbol');
        assert.equal((await poll(USERS.bob, asked.challengeId)).json().state, 'denied');
      }
      // The third wrong symbol reached the limit: a right code is now refused, as after three wrong codes.
      clock.advance(30_000);
      const locked = await verify(app, USERS.bob, { code: codeNow(bob, clock) });
      assert.equal(locked.status, 429);
      assert.equal(errorCode(locked), 'locked_out');
      // An approval is held to the same lockout.
      const asked = await ask(USERS.bob);
      const request = await pendingFor(phone, asked.challengeId);
      assert.equal((await phone.answer(request, asked.symbol!.id, 'approve')).status, 204);
      assert.equal(errorCode(await poll(USERS.bob, asked.challengeId)), 'locked_out');
      assert.equal((await app.request('POST', `/api/v1/admin/users/${USERS.bob}/unlock`, { token: app.contextToken(USERS.alice) })).status, 204);
      assert.equal((await poll(USERS.bob, asked.challengeId)).json().state, 'approved', 'unlocked, the approval gives its session');

      const denied = await ask(USERS.bob);
      const denial = await pendingFor(phone, denied.challengeId);
      assert.equal((await phone.answer(denial, '', 'deny')).status, 204);
      assert.equal((await poll(USERS.bob, denied.challengeId)).json().state, 'denied');
      const audit = await app.request('GET', `/api/v1/admin/audit?subject=${USERS.bob}`, { token: app.contextToken(USERS.alice) });
      const actions = audit
        .json()
        .entries.map((entry: { action: string; detail: Record<string, unknown> }) => [entry.action, entry.detail.reason ?? entry.detail.method ?? null]);
      assert.deepEqual(actions[0], ['access_pass.denied', null]);
      assert.ok(actions.some(([action, reason]: string[]) => action === 'verify.failed' && reason === 'wrong_symbol'));
      assert.ok(actions.some(([action, method]: string[]) => action === 'verify.succeeded' && method === 'access_pass'));
    });

    it('an expired challenge is closed; no device is 409; an admin removes a device and the phone is refused', async () => {
      const phone = await pairedPhone();
      const asked = await ask(USERS.bob);
      const request = await pendingFor(phone, asked.challengeId);
      clock.advance(120_000);
      assert.equal((await poll(USERS.bob, asked.challengeId)).json().state, 'expired');
      const late = await phone.answer(request, asked.symbol!.id, 'approve');
      assert.equal(late.status, 409);
      assert.equal(errorCode(late), 'challenge_closed');

      await enroll(app, clock, USERS.carol);
      const none = await app.request('POST', '/api/v1/me/access-pass', asUser(USERS.carol));
      assert.equal(none.status, 409);
      assert.equal(errorCode(none), 'no_device');
      assert.equal((await poll(USERS.carol, asked.challengeId)).status, 404, "Bob's challenge is not Carol's");

      const admin = { token: app.contextToken(USERS.alice) };
      const users = await app.request('GET', '/api/v1/admin/users', admin);
      const bobRow = users.json().users.find((user: { accountId: string }) => user.accountId === USERS.bob);
      assert.ok(bobRow.methods.includes('access_pass'), 'the admin list names the method');
      const listed = await app.request('GET', `/api/v1/admin/users/${USERS.bob}/devices`, admin);
      assert.ok(listed.json().devices.some((device: { id: string }) => device.id === phone.deviceId));
      assert.equal((await app.request('DELETE', `/api/v1/admin/users/${USERS.bob}/devices/${phone.deviceId}`, admin)).status, 204);
      assert.equal((await phone.requests()).status, 401);
    });

    it('of two phones answering at once, exactly one answer wins', async () => {
      const first = await pairedPhone();
      const second = await pairedPhone();
      for (let round = 0; round < 5; round += 1) {
        const asked = await ask(USERS.bob);
        const [a, b] = await Promise.all([pendingFor(first, asked.challengeId), pendingFor(second, asked.challengeId)]);
        const answers = await Promise.all([first.answer(a, asked.symbol!.id, 'approve'), second.answer(b, '', 'deny')]);
        assert.deepEqual(answers.map((answer) => answer.status).sort(), [204, 409], answers.map((answer) => answer.text).join(' '));
        const state = (await poll(USERS.bob, asked.challengeId)).json().state;
        assert.equal(state, answers[0].status === 204 ? 'approved' : 'denied');
      }
    });

    it("an admin's reset of the second factor removes the phones, and an approval given before it starts no session", async () => {
      const phone = await pairedPhone();
      const asked = await ask(USERS.bob);
      const request = await pendingFor(phone, asked.challengeId);
      assert.equal((await phone.answer(request, asked.symbol!.id, 'approve')).status, 204);
      const reset = await app.request('POST', `/api/v1/admin/users/${USERS.bob}/reset`, { token: app.contextToken(USERS.alice) });
      assert.equal(reset.status, 204, reset.text);
      assert.deepEqual((await app.request('GET', '/api/v1/me/devices', asUser(USERS.bob))).json().devices, []);
      assert.equal((await phone.requests()).status, 401);
      const late = await poll(USERS.bob, asked.challengeId);
      assert.equal(late.status, 409);
      assert.equal(errorCode(late), 'not_enrolled');
    });

    async function pairedPhone(): Promise<WebCryptoPhone> {
      clock.advance(30_000);
      const verified = await verify(app, USERS.bob, { code: codeNow(bob, clock) });
      assert.equal(verified.status, 200, verified.text);
      const phone = await WebCryptoPhone.create(app);
      assert.equal((await phone.pair((await startPairing(USERS.bob, verified.json().sessionToken)).pairingUrl)).status, 201);
      return phone;
    }
  });
}
