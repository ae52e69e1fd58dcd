import assert from 'node:assert/strict';
import { FixedClock } from '../../../../src/domain/ports/clock';
import { AdminCheck } from '../../../../src/domain/tenancy/admin-check';
import type { HostPermissionGateway } from '../../../../src/domain/tenancy/host-permissions';
import type { Tenant } from '../../../../src/domain/tenancy/tenant';
import { tenant } from './fake-tenant-repository';

const TTL_SECONDS = 60;

/** The host's answers to "does this user hold ADMINISTER?", with every question recorded. */
class FakeHost implements HostPermissionGateway {
  readonly admins = new Set<string>();
  readonly asked: string[] = [];
  failNext = 0;

  async hasGlobalPermission(t: Tenant, accountId: string, permission: 'ADMINISTER'): Promise<boolean> {
    assert.equal(permission, 'ADMINISTER');
    this.asked.push(`${t.clientKey}/${accountId}`);
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error('the host did not answer');
    }
    return this.admins.has(`${t.clientKey}/${accountId}`);
  }
}

describe('AdminCheck', () => {
  const site1 = tenant('jira-1');
  const site2 = tenant('jira-2');
  let host: FakeHost;
  let clock: FixedClock;
  let check: AdminCheck;

  beforeEach(() => {
    host = new FakeHost();
    host.admins.add('jira-1/alice');
    clock = new FixedClock(new Date('2025-06-01T12:00:00Z'));
    check = new AdminCheck(host, clock, TTL_SECONDS);
  });

  it('asks the host once and answers from memory within the TTL (admins and non-admins)', async () => {
    assert.equal(await check.isAdmin(site1, 'alice'), true);
    assert.equal(await check.isAdmin(site1, 'bob'), false);
    clock.advance(TTL_SECONDS * 1000 - 1);
    assert.equal(await check.isAdmin(site1, 'alice'), true);
    assert.equal(await check.isAdmin(site1, 'bob'), false);
    assert.deepEqual(host.asked, ['jira-1/alice', 'jira-1/bob']);
  });

  it('asks again after the TTL, so a revoked admin loses access', async () => {
    assert.equal(await check.isAdmin(site1, 'alice'), true);
    host.admins.delete('jira-1/alice');
    clock.advance(TTL_SECONDS * 1000);
    assert.equal(await check.isAdmin(site1, 'alice'), false);
    assert.equal(host.asked.length, 2);
  });

  it('does not cache failures', async () => {
    host.failNext = 1;
    await assert.rejects(check.isAdmin(site1, 'alice'), /did not answer/);
    assert.equal(await check.isAdmin(site1, 'alice'), true);
    assert.equal(host.asked.length, 2);
    assert.equal(await check.isAdmin(site1, 'alice'), true);
    assert.equal(host.asked.length, 2, 'the successful answer is cached');
  });

  it('keeps the answers of tenants apart (same accountId on two sites)', async () => {
    assert.equal(await check.isAdmin(site1, 'alice'), true);
    assert.equal(await check.isAdmin(site2, 'alice'), false);
    assert.deepEqual(host.asked, ['jira-1/alice', 'jira-2/alice']);
  });

  it('forgetTenant() forgets that tenant only', async () => {
    await check.isAdmin(site1, 'alice');
    await check.isAdmin(site1, 'bob');
    await check.isAdmin(site2, 'alice');
    check.forgetTenant('jira-1');
    await check.isAdmin(site1, 'alice');
    await check.isAdmin(site1, 'bob');
    await check.isAdmin(site2, 'alice');
    assert.deepEqual(host.asked, ['jira-1/alice', 'jira-1/bob', 'jira-2/alice', 'jira-1/alice', 'jira-1/bob']);
  });

  it('forgetTenant() does not forget a tenant whose key merely starts the same', async () => {
    const similar = tenant('jira-10');
    await check.isAdmin(similar, 'alice');
    check.forgetTenant('jira-1');
    await check.isAdmin(similar, 'alice');
    assert.equal(host.asked.length, 1);
  });

  it('forgetAll() forgets every tenant (a missed change notification)', async () => {
    await check.isAdmin(site1, 'alice');
    await check.isAdmin(site2, 'alice');
    check.forgetAll();
    await check.isAdmin(site1, 'alice');
    await check.isAdmin(site2, 'alice');
    assert.equal(host.asked.length, 4);
  });

  it('asks once for concurrent checks of one user', async () => {
    const answers = await Promise.all([check.isAdmin(site1, 'alice'), check.isAdmin(site1, 'alice'), check.isAdmin(site1, 'alice')]);
    assert.deepEqual(answers, [true, true, true]);
    assert.equal(host.asked.length, 1);
  });

  it('caches nothing with a TTL of 0', async () => {
    const uncached = new AdminCheck(host, clock, 0);
    await uncached.isAdmin(site1, 'alice');
    await uncached.isAdmin(site1, 'alice');
    assert.equal(host.asked.length, 2);
  });
});
