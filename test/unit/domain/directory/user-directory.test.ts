import assert from 'node:assert/strict';
import { CachedUserDirectory } from '../../../../src/domain/directory/user-directory';
import { FixedClock } from '../../../../src/domain/ports/clock';
import { FakeDirectory, tenantNamed } from '../mfa/in-memory-repositories';

describe('CachedUserDirectory', () => {
  it('remembers users and groups for the TTL, per tenant, and forgets a tenant on demand', async () => {
    const clock = new FixedClock(new Date('2024-01-01T00:00:00Z'));
    const inner = new FakeDirectory([{ accountId: 'a', displayName: 'A', emailAddress: 'a@x', active: true, groups: ['g'] }]);
    const directory = new CachedUserDirectory(inner, clock, 60);
    const t1 = tenantNamed('t1');
    const t2 = tenantNamed('t2');
    assert.deepEqual(await directory.userGroups(t1, 'a'), ['g']);
    assert.deepEqual(await directory.userGroups(t1, 'a'), ['g']);
    await directory.getUser(t1, 'a');
    await directory.getUser(t1, 'a');
    assert.equal(inner.calls, 2);
    await directory.userGroups(t2, 'a');
    assert.equal(inner.calls, 3, 'another tenant is asked separately');
    clock.advance(60_000);
    await directory.userGroups(t1, 'a');
    assert.equal(inner.calls, 4, 'asked again after the TTL');
    directory.forgetTenant('t1');
    await directory.getUser(t1, 'a');
    assert.equal(inner.calls, 5);
  });

  it('does not remember failures', async () => {
    const inner = new FakeDirectory([]);
    inner.failGroups = true;
    const directory = new CachedUserDirectory(inner, new FixedClock(new Date()), 60);
    await assert.rejects(directory.userGroups(tenantNamed('t'), 'a'));
    inner.failGroups = false;
    assert.deepEqual(await directory.userGroups(tenantNamed('t'), 'a'), []);
  });
});
