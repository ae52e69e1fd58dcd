import assert from 'node:assert/strict';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { AccessPassService, CHALLENGE_SECONDS } from '../../../../src/domain/approvals/access-pass-service';
import { DeviceService, PAIRING_MINUTES } from '../../../../src/domain/approvals/devices';
import type { PairedDevice } from '../../../../src/domain/approvals/ports';
import { accessPassMessage, type Decision } from '../../../../src/domain/approvals/signature';
import { TwofoldError, type ErrorCode } from '../../../../src/domain/errors';
import type { TenantPolicy } from '../../../../src/domain/policy/policy';
import { ALICE, TENANT, harness } from '../mfa/service-harness';
import { InMemoryChallenges, InMemoryDevices, InMemoryPairings, RecordingPush } from './in-memory-approvals';

/** A phone: a P-256 key pair; it signs answers as the companion does (P1363, base64url). */
function phoneKeys() {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { jwk: publicKey.export({ format: 'jwk' }), privateKey };
}

function signAnswer(privateKey: KeyObject, challengeId: string, symbolId: string, decision: Decision, nonce: string): string {
  return sign('sha256', Buffer.from(accessPassMessage(challengeId, symbolId, decision, nonce)), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString(
    'base64url',
  );
}

async function refusedWith(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  await assert.rejects(promise, (error: unknown) => error instanceof TwofoldError && error.code === code);
}

/** The access pass on in-memory repositories, a frozen clock and a seeded random source. */
async function setup(overrides: Partial<TenantPolicy> = {}) {
  const h = harness(overrides);
  await h.enrolled(ALICE);
  const pairings = new InMemoryPairings();
  const devices = new InMemoryDevices();
  const challenges = new InMemoryChallenges();
  const push = new RecordingPush();
  const pushFailures: unknown[] = [];
  const deviceService = new DeviceService({
    pairings,
    devices,
    enrollmentState: (tenant, accountId) => h.credentials.enrollmentState(tenant, accountId),
    requireRecentSession: async () => undefined,
    audit: h.audit,
    clock: h.clock,
    random: h.random,
  });
  const service = new AccessPassService({
    challenges,
    devices,
    verification: h.verification,
    push,
    audit: h.audit,
    clock: h.clock,
    random: h.random,
    onPushFailure: (error) => pushFailures.push(error),
  });
  const context = h.context(ALICE);
  const pair = async (accountId = ALICE) => {
    const keys = phoneKeys();
    const { pairingToken } = await deviceService.startPairing(TENANT.clientKey, accountId, null, 5);
    const { device, deviceToken } = await deviceService.register(pairingToken, 'Phone', keys.jwk);
    return { device, deviceToken, keys };
  };
  const ask = () => service.request(context, { userLabel: 'alice@example.com', site: TENANT.baseUrl, ip: '203.0.113.7' });
  const answer = (
    phone: { device: PairedDevice; keys: ReturnType<typeof phoneKeys> },
    challengeId: string,
    symbolId: string,
    decision: Decision = 'approve',
  ) => {
    const nonce = challenges.rows.get(challengeId)!.nonce;
    return service.answer(
      phone.device,
      challengeId,
      { decision, symbolId, signature: signAnswer(phone.keys.privateKey, challengeId, symbolId, decision, nonce) },
      async () => context,
    );
  };
  return { ...h, pairings, devices, challenges, push, pushFailures, deviceService, service, context, pair, ask, answer };
}

describe('access pass challenges (frozen clock)', () => {
  it('pairs with a single-use token that expires after 10 minutes', async () => {
    const t = await setup();
    const { pairingToken, expiresAt } = await t.deviceService.startPairing(TENANT.clientKey, ALICE, null, 5);
    assert.equal(expiresAt.getTime() - t.clock.now().getTime(), PAIRING_MINUTES * 60_000);
    assert.ok(![...t.pairings.rows.keys()].includes(pairingToken), 'stored as a hash');
    await t.deviceService.register(pairingToken, 'Phone', phoneKeys().jwk);
    await refusedWith(t.deviceService.register(pairingToken, 'Phone', phoneKeys().jwk), 'pairing_used');

    const late = await t.deviceService.startPairing(TENANT.clientKey, ALICE, null, 5);
    t.clock.advance(PAIRING_MINUTES * 60_000);
    await refusedWith(t.deviceService.register(late.pairingToken, 'Phone', phoneKeys().jwk), 'pairing_expired');
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ format: 'jwk' });
    const fresh = await t.deviceService.startPairing(TENANT.clientKey, ALICE, null, 5);
    await refusedWith(t.deviceService.register(fresh.pairingToken, 'Phone', p384), 'invalid_request');
    await refusedWith(t.deviceService.startPairing(TENANT.clientKey, 'nobody', null, 5), 'not_enrolled');
  });

  it('approves once: the session is given to the first poll only, and the same signed answer is not taken twice', async () => {
    const t = await setup();
    const phone = await t.pair();
    const asked = await t.ask();
    assert.equal(asked.expiresAt.getTime() - t.clock.now().getTime(), CHALLENGE_SECONDS * 1000);
    const [request] = await t.service.pendingFor(phone.device);
    assert.ok(request);
    assert.equal(request.symbols.length, 4);
    assert.ok(request.symbols.some((symbol) => symbol.id === asked.symbol!.id));

    const signature = signAnswer(phone.keys.privateKey, asked.challengeId, asked.symbol!.id, 'approve', request.nonce);
    const approve = () =>
      t.service.answer(phone.device, asked.challengeId, { decision: 'approve', symbolId: asked.symbol!.id, signature }, async () => t.context);
    await approve();
    await refusedWith(approve(), 'challenge_closed');
    const sessionsBefore = t.browserSessionRows.rows.size;

    const first = await t.service.poll(t.context, asked.challengeId);
    assert.equal(first.state, 'approved');
    assert.ok(first.state === 'approved' && first.verified !== null && first.verified.method === 'access_pass');
    assert.deepEqual(await t.service.poll(t.context, asked.challengeId), { state: 'approved', verified: null });
    assert.equal(t.browserSessionRows.rows.size, sessionsBefore + 1, 'one browser session, not two');
    assert.deepEqual(
      t.audit.entries.filter((entry) => entry.action === 'verify.succeeded').map((entry) => entry.detail.method),
      ['access_pass'],
      'audited as a verification by the one service (the enrollment confirmation is totp.confirmed)',
    );
  });

  it('expires after 2 minutes: the poll says so and a late answer is closed', async () => {
    const t = await setup();
    const phone = await t.pair();
    const asked = await t.ask();
    t.clock.advance(CHALLENGE_SECONDS * 1000 - 1);
    assert.deepEqual(await t.service.poll(t.context, asked.challengeId), { state: 'pending' });
    t.clock.advance(1);
    assert.deepEqual(await t.service.poll(t.context, asked.challengeId), { state: 'expired' });
    assert.deepEqual(await t.service.pendingFor(phone.device), []);
    await refusedWith(t.answer(phone, asked.challengeId, asked.symbol!.id), 'challenge_closed');
  });

  it('a wrong symbol denies the challenge and spends one attempt of the lockout budget', async () => {
    const t = await setup({ lockout: { maxFailures: 2, windowMinutes: 15, tenantMaxFailures: 100 } });
    const phone = await t.pair();
    for (let attempt = 1; attempt <= 2; attempt += 1) {
      const asked = await t.ask();
      const [request] = await t.service.pendingFor(phone.device);
      const wrong = request!.symbols.find((symbol) => symbol.id !== asked.symbol!.id)!;
      await refusedWith(t.answer(phone, asked.challengeId, wrong.id), 'wrong_symbol');
      assert.deepEqual(await t.service.poll(t.context, asked.challengeId), { state: 'denied' });
      await refusedWith(t.answer(phone, asked.challengeId, asked.symbol!.id), 'challenge_closed');
    }
    assert.equal(t.audit.entries.filter((entry) => entry.action === 'lockout').length, 1, 'the second wrong symbol locked the user');
    // Locked out: an approval gives no session until the lockout ends.
    const asked = await t.ask();
    await t.answer(phone, asked.challengeId, asked.symbol!.id);
    await refusedWith(t.service.poll(t.context, asked.challengeId), 'locked_out');
  });

  it('refuses an answer signed by another device (bad_signature, nothing changes) and a device of another user (not_found)', async () => {
    const t = await setup();
    const phone = await t.pair();
    const other = await t.pair();
    const asked = await t.ask();
    const nonce = t.challenges.rows.get(asked.challengeId)!.nonce;
    const forged = signAnswer(other.keys.privateKey, asked.challengeId, asked.symbol!.id, 'approve', nonce);
    await refusedWith(
      t.service.answer(phone.device, asked.challengeId, { decision: 'approve', symbolId: asked.symbol!.id, signature: forged }, async () => t.context),
      'bad_signature',
    );
    assert.deepEqual(await t.service.poll(t.context, asked.challengeId), { state: 'pending' });

    await t.enrolled('bob-account');
    const bobs = await t.pair('bob-account');
    await refusedWith(t.answer(bobs, asked.challengeId, asked.symbol!.id), 'not_found');
    assert.deepEqual(await t.service.poll(t.context, asked.challengeId), { state: 'pending' });
  });

  it('refuses a replayed signature on another challenge, and a "deny" signature turned into an approval', async () => {
    const t = await setup();
    const phone = await t.pair();
    const first = await t.ask();
    const firstNonce = t.challenges.rows.get(first.challengeId)!.nonce;
    const signature = signAnswer(phone.keys.privateKey, first.challengeId, first.symbol!.id, 'approve', firstNonce);
    const second = await t.ask();
    await refusedWith(
      t.service.answer(phone.device, second.challengeId, { decision: 'approve', symbolId: first.symbol!.id, signature }, async () => t.context),
      'bad_signature',
    );
    const deny = signAnswer(phone.keys.privateKey, second.challengeId, second.symbol!.id, 'deny', t.challenges.rows.get(second.challengeId)!.nonce);
    await refusedWith(
      t.service.answer(phone.device, second.challengeId, { decision: 'approve', symbolId: second.symbol!.id, signature: deny }, async () => t.context),
      'bad_signature',
    );
    assert.deepEqual(await t.service.poll(t.context, second.challengeId), { state: 'pending' });
  });

  it('"This wasn\'t me" denies and writes an audit entry the admin sees; it costs no attempt', async () => {
    const t = await setup();
    const phone = await t.pair();
    const asked = await t.ask();
    await t.answer(phone, asked.challengeId, '', 'deny');
    assert.deepEqual(await t.service.poll(t.context, asked.challengeId), { state: 'denied' });
    const entry = t.audit.entries.find((candidate) => candidate.action === 'access_pass.denied');
    assert.ok(entry);
    assert.equal(entry.detail.ip, '203.0.113.7');
    assert.equal(t.audit.entries.filter((candidate) => candidate.action === 'verify.failed').length, 0);
  });

  it('with showSymbol off, the phone is offered the one symbol and the page shows none', async () => {
    const t = await setup({ accessPass: { showSymbol: false } });
    const phone = await t.pair();
    const asked = await t.ask();
    assert.equal(asked.symbol, null);
    const [request] = await t.service.pendingFor(phone.device);
    assert.equal(request!.symbols.length, 1);
    await t.answer(phone, asked.challengeId, request!.symbols[0]!.id);
    assert.equal((await t.service.poll(t.context, asked.challengeId)).state, 'approved');
  });

  it('asks nothing of a user without a phone (no_device), and pushes to subscribed phones, forgetting a gone one', async () => {
    const t = await setup();
    await refusedWith(t.ask(), 'no_device');
    const phone = await t.pair();
    const other = await t.pair();
    await t.devices.savePushSubscription(phone.device.id, { endpoint: 'https://push.example/a', keys: { p256dh: 'p', auth: 'a' } });
    await t.devices.savePushSubscription(other.device.id, { endpoint: 'https://push.example/b', keys: { p256dh: 'p', auth: 'a' } });
    t.push.gone.add('https://push.example/b');
    const asked = await t.ask();
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(
      t.push.sent.map((sent) => [sent.endpoint, JSON.parse(sent.payload).challengeId]),
      [['https://push.example/a', asked.challengeId]],
    );
    assert.equal(t.devices.rows.get(other.device.id)!.push, null, 'a subscription the push service says is gone is forgotten');
    assert.deepEqual(t.pushFailures, []);
  });
});
