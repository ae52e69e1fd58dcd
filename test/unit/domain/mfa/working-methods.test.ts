import assert from 'node:assert/strict';
import { UserRoster } from '../../../../src/domain/mfa/user-roster';
import { workingMethods } from '../../../../src/domain/mfa/working-methods';
import { ALICE, TENANT, harness } from './service-harness';

describe('Working methods (GET /api/v1/me and the admin user list say the same)', () => {
  const on = { methods: ['totp', 'backup_codes'] as const };
  const off = { methods: ['totp'] as const };

  it('lists the app or token once enrolled, and backup codes only while some are left and the policy offers them', () => {
    assert.deepEqual(workingMethods(false, 10, on), []);
    assert.deepEqual(workingMethods(true, 10, on), ['totp', 'backup_codes']);
    assert.deepEqual(workingMethods(true, 0, on), ['totp']);
    assert.deepEqual(workingMethods(true, 10, off), ['totp'], 'codes the policy refuses do not work');
  });

  it('the user list and the status agree when the policy turned backup codes off', async () => {
    const h = harness();
    await h.enrolled();
    const roster = new UserRoster(h.directory, h.mappings, h.credentials, h.backupCodes, h.ids, h.failures, h.clock);
    const policy = { ...h.policy, methods: ['totp'] as const };
    const row = (await roster.page(TENANT, policy, { limit: 10 })).users.find((user) => user.accountId === ALICE)!;
    assert.deepEqual(row.methods, ['totp']);
    assert.deepEqual((await h.status.status(TENANT, ALICE, policy)).methods, row.methods);
    assert.equal(row.lockedUntil, null);
  });

  it('the user list shows when a lockout ends', async () => {
    const h = harness();
    const alice = await h.enrolled();
    h.clock.advance(30_000);
    for (let i = 0; i < 5; i += 1) await h.verification.verify(h.context(), { code: alice.wrongCode() }).catch(() => undefined);
    const roster = new UserRoster(h.directory, h.mappings, h.credentials, h.backupCodes, h.ids, h.failures, h.clock);
    const row = (await roster.page(TENANT, h.policy, { limit: 10 })).users.find((user) => user.accountId === ALICE)!;
    assert.deepEqual(row.lockedUntil, new Date(h.clock.now().getTime() + 15 * 60_000));
    h.clock.advance(15 * 60_000);
    assert.equal(
      (await roster.page(TENANT, h.policy, { limit: 10 })).users.find((user) => user.accountId === ALICE)!.lockedUntil,
      null,
      'an ended lockout is not shown',
    );
  });
});
