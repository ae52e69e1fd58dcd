import assert from 'node:assert/strict';
import { FixedClock } from '../../../../src/domain/ports/clock';
import { TenantCache } from '../../../../src/domain/tenancy/tenant-cache';
import { FakeTenantRepository, tenant } from './fake-tenant-repository';

const TTL_SECONDS = 30;

describe('TenantCache', () => {
  let repository: FakeTenantRepository;
  let clock: FixedClock;
  let cache: TenantCache;

  beforeEach(() => {
    repository = new FakeTenantRepository();
    repository.install(tenant('jira-1'));
    clock = new FixedClock(new Date('2025-06-01T12:00:00Z'));
    cache = new TenantCache(repository, clock, { ttlSeconds: TTL_SECONDS, negativeTtlSeconds: 5, minRefreshIntervalMs: 1000 });
  });

  it('answers from memory within the TTL, with no query', async () => {
    assert.equal((await cache.get('jira-1'))?.sharedSecret, 'secret-of-jira-1');
    clock.advance(TTL_SECONDS * 1000 - 1);
    for (let i = 0; i < 5; i += 1) assert.equal((await cache.get('jira-1'))?.clientKey, 'jira-1');
    assert.equal(repository.reads, 1);
  });

  it('reads again once the TTL has passed, and sees a change made elsewhere', async () => {
    await cache.get('jira-1');
    repository.install(tenant('jira-1', 'reinstalled-secret'));
    clock.advance(TTL_SECONDS * 1000 - 1);
    assert.equal((await cache.get('jira-1'))?.sharedSecret, 'secret-of-jira-1', 'still the cached answer');
    clock.advance(1);
    assert.equal((await cache.get('jira-1'))?.sharedSecret, 'reinstalled-secret');
    assert.equal(repository.reads, 2);
  });

  it('remembers an unknown tenant for the negative TTL only', async () => {
    assert.equal(await cache.get('forged-iss'), null);
    clock.advance(4_999);
    assert.equal(await cache.get('forged-iss'), null);
    assert.equal(repository.reads, 1, 'a forged iss costs one query, not one per request');
    repository.install(tenant('forged-iss'));
    clock.advance(1);
    assert.equal((await cache.get('forged-iss'))?.clientKey, 'forged-iss');
    assert.equal(repository.reads, 2);
  });

  it('defaults the negative TTL to min(ttl, 5 s)', async () => {
    const short = new TenantCache(repository, clock, { ttlSeconds: 2 });
    await short.get('nobody');
    clock.advance(1_999);
    await short.get('nobody');
    assert.equal(repository.reads, 1);
    clock.advance(1);
    await short.get('nobody');
    assert.equal(repository.reads, 2);
  });

  it('reads again after invalidate()', async () => {
    await cache.get('jira-1');
    repository.install(tenant('jira-1', 'new-secret'));
    cache.invalidate('jira-1');
    assert.equal((await cache.get('jira-1'))?.sharedSecret, 'new-secret');
    assert.equal(repository.reads, 2);
  });

  it('reads again after clear()', async () => {
    await cache.get('jira-1');
    await cache.get('nobody');
    cache.clear();
    await cache.get('jira-1');
    await cache.get('nobody');
    assert.equal(repository.reads, 4);
  });

  it('makes one query for many concurrent misses of a tenant', async () => {
    repository.hold();
    const answers = Array.from({ length: 20 }, () => cache.get('jira-1'));
    repository.release();
    const tenants = await Promise.all(answers);
    assert.equal(repository.reads, 1);
    assert.ok(tenants.every((t) => t?.sharedSecret === 'secret-of-jira-1'));
  });

  it('does not keep the answer of a read that an invalidation overtook', async () => {
    repository.hold();
    const stale = cache.get('jira-1'); // reads the old secret...
    await Promise.resolve();
    repository.install(tenant('jira-1', 'reinstalled-secret')); // ...while a reinstall saves a new one
    cache.invalidate('jira-1');
    const fresh = cache.get('jira-1'); // a request after the invalidation does not join the stale read
    repository.release();
    assert.equal((await stale)?.sharedSecret, 'secret-of-jira-1');
    assert.equal((await fresh)?.sharedSecret, 'reinstalled-secret');
    assert.equal(repository.reads, 2);

    assert.equal((await cache.get('jira-1'))?.sharedSecret, 'reinstalled-secret', 'the cache kept the fresh answer');
    assert.equal(repository.reads, 2);
  });

  it('forgets the stale answer even when nothing read again meanwhile', async () => {
    repository.hold();
    const stale = cache.get('jira-1');
    cache.invalidate('jira-1');
    repository.release();
    await stale;
    repository.install(tenant('jira-1', 'reinstalled-secret'));
    assert.equal((await cache.get('jira-1'))?.sharedSecret, 'reinstalled-secret');
    assert.equal(repository.reads, 2);
  });

  describe('refreshAfterMismatch', () => {
    it('re-reads at once after an ordinary read: a reinstall elsewhere may have changed the secret just after it', async () => {
      await cache.get('jira-1');
      repository.install(tenant('jira-1', 'reinstalled-secret'));
      clock.advance(1);
      assert.equal((await cache.refreshAfterMismatch('jira-1'))?.sharedSecret, 'reinstalled-secret');
      assert.equal(repository.reads, 2);
    });

    it('returns nothing, without a query, when a mismatch re-read it less than the minimum interval ago', async () => {
      await cache.get('jira-1');
      assert.equal(await cache.refreshAfterMismatch('jira-1'), null, 'same secret: a forged token');
      repository.install(tenant('jira-1', 'reinstalled-secret'));
      clock.advance(999);
      assert.equal(await cache.refreshAfterMismatch('jira-1'), null);
      assert.equal(repository.reads, 2);
    });

    it('re-reads after the interval and returns the tenant when its secret changed', async () => {
      await cache.get('jira-1');
      repository.install(tenant('jira-1', 'reinstalled-secret'));
      clock.advance(1000);
      assert.equal((await cache.refreshAfterMismatch('jira-1'))?.sharedSecret, 'reinstalled-secret');
      assert.equal(repository.reads, 2);
      assert.equal((await cache.get('jira-1'))?.sharedSecret, 'reinstalled-secret', 'the new secret is cached');
      assert.equal(repository.reads, 2);
    });

    it('re-reads after the interval but returns nothing when the secret is the same (a forged token)', async () => {
      await cache.get('jira-1');
      clock.advance(1000);
      assert.equal(await cache.refreshAfterMismatch('jira-1'), null);
      assert.equal(repository.reads, 2);
    });

    it('is rate limited: a flood of bad signatures costs one query a second', async () => {
      await cache.get('jira-1');
      for (let i = 0; i < 50; i += 1) {
        assert.equal(await cache.refreshAfterMismatch('jira-1'), null);
        clock.advance(10);
      }
      assert.equal(repository.reads, 2);
      clock.advance(500);
      await cache.refreshAfterMismatch('jira-1');
      assert.equal(repository.reads, 3);
    });

    it('returns nothing when the tenant has been uninstalled, and caches that', async () => {
      await cache.get('jira-1');
      repository.installed.delete('jira-1');
      clock.advance(1000);
      assert.equal(await cache.refreshAfterMismatch('jira-1'), null);
      assert.equal(await cache.get('jira-1'), null);
      assert.equal(repository.reads, 2);
    });
  });

  it('evicts the oldest entry beyond maxEntries', async () => {
    const small = new TenantCache(repository, clock, { ttlSeconds: TTL_SECONDS, maxEntries: 2 });
    for (const key of ['a', 'b', 'c']) repository.install(tenant(key));
    await small.get('a');
    await small.get('b');
    await small.get('c');
    assert.equal(repository.reads, 3);
    await small.get('b');
    await small.get('c');
    assert.equal(repository.reads, 3, 'b and c are still cached');
    await small.get('a');
    assert.equal(repository.reads, 4, 'a was evicted');
  });

  it('never evicts a tenant to remember that a forged clientKey is unknown', async () => {
    const small = new TenantCache(repository, clock, { ttlSeconds: TTL_SECONDS, maxEntries: 2 });
    for (const key of ['a', 'b']) repository.install(tenant(key));
    await small.get('a');
    await small.get('b');
    for (let i = 0; i < 10; i += 1) assert.equal(await small.get(`forged-${i}`), null);
    const reads = repository.reads;
    await small.get('a');
    await small.get('b');
    assert.equal(repository.reads, reads, 'a and b are still cached');
    assert.equal(await small.get('forged-9'), null);
    assert.equal(repository.reads, reads, 'the newest unknown answers are remembered too');
  });
});
