import assert from 'node:assert/strict';
import { AUDIT_DETAIL_MAX_TEXT } from '../../../../src/domain/audit/audit-log';
import { PolicyService } from '../../../../src/domain/policy/policy-service';
import { FixedClock } from '../../../../src/domain/ports/clock';
import { assertRejectsCode } from '../mfa/fixtures';
import { InMemoryAuditLog, InMemoryPolicies, tenantNamed } from '../mfa/in-memory-repositories';

describe('PolicyService', () => {
  const tenant = tenantNamed('t1');

  function setup() {
    const clock = new FixedClock(new Date('2024-05-01T00:00:00Z'));
    const repository = new InMemoryPolicies();
    const audit = new InMemoryAuditLog();
    const changed: string[] = [];
    const service = new PolicyService(repository, audit, clock, { ttlSeconds: 10, onChange: (key) => changed.push(key) });
    return { clock, repository, audit, changed, service };
  }

  it('saves a valid change, audits the changed fields, tells other instances, and serves it at once', async () => {
    const { service, audit, changed, repository } = setup();
    const policy = await service.update(tenant, 'admin', { enforcedGroups: ['qa'], totp: { window: 2 } });
    assert.deepEqual(policy.enforcedGroups, ['qa']);
    assert.deepEqual((await service.get(tenant)).totp.window, 2);
    assert.deepEqual(changed, ['t1']);
    assert.deepEqual(
      audit.entries.map((e) => [e.action, e.actorAccountId, e.detail.fields]),
      [['policy.changed', 'admin', 'enforcedGroups,totp']],
    );
    assert.equal(repository.rows.get('t1')?.version, 1);
  });

  it('audits the old and new value of each changed field, within the audit detail limits', async () => {
    const { service, audit } = setup();
    await service.update(tenant, 'admin', { enforcedGroups: ['qa'], totp: { window: 2 }, lockout: { maxFailures: 3 }, allowUserChosenId: true });
    assert.deepEqual(audit.entries[0]?.detail, {
      fields: 'enforcedGroups,allowUserChosenId,totp,lockout',
      'enforcedGroups.old': '[]',
      'enforcedGroups.new': '["qa"]',
      'allowUserChosenId.old': false,
      'allowUserChosenId.new': true,
      'totp.window.old': 1,
      'totp.window.new': 2,
      'lockout.maxFailures.old': 5,
      'lockout.maxFailures.new': 3,
    });
    const many = Array.from({ length: 100 }, (_, i) => `a-rather-long-group-name-${i}`);
    await service.update(tenant, 'admin', { enforcedGroups: many });
    const value = audit.entries[1]?.detail['enforcedGroups.new'];
    assert.equal(typeof value, 'string');
    assert.equal((value as string).length, AUDIT_DETAIL_MAX_TEXT);
    assert.ok((value as string).endsWith('…'), 'cut visibly');
  });

  it('reports a stored policy that had to be mended on reading, for a warning in the log', async () => {
    const { repository, audit, clock } = setup();
    const warned: Array<[string, string[]]> = [];
    const service = new PolicyService(repository, audit, clock, {
      ttlSeconds: 10,
      onStoredPolicyRepaired: (key, repairs) => warned.push([key, repairs.map((r) => r.field)]),
    });
    repository.rows.set('t1', { document: { enforcedGroups: ['developers', 7] }, version: 1 });
    assert.deepEqual((await service.get(tenant)).enforcedGroups, ['developers']);
    assert.deepEqual(warned, [['t1', ['enforcedGroups.1']]]);
  });

  it('changes nothing on invalid input, and does not write when nothing changes', async () => {
    const { service, repository, audit } = setup();
    await assertRejectsCode(service.update(tenant, 'admin', { totp: { window: 7 } }), 'invalid_policy');
    await service.update(tenant, 'admin', { allowUserChosenId: false });
    assert.equal(repository.saves, 0);
    assert.equal(audit.entries.length, 0);
  });

  it('caches for the TTL; a change stored by another instance shows after it', async () => {
    const { service, repository, clock } = setup();
    assert.deepEqual((await service.get(tenant)).enforcedGroups, []);
    await repository.save('t1', { ...(await service.get(tenant)), enforcedGroups: ['elsewhere'] }, 0);
    assert.deepEqual((await service.get(tenant)).enforcedGroups, [], 'still cached');
    clock.advance(10_000);
    assert.deepEqual((await service.get(tenant)).enforcedGroups, ['elsewhere']);
  });

  it('merges over the latest version when another change landed in between (compare-and-set)', async () => {
    const { service, repository } = setup();
    await service.get(tenant);
    const base = await service.get(tenant);
    await repository.save('t1', { ...base, enforcedGroups: ['from-elsewhere'] }, 0);
    const policy = await service.update(tenant, 'admin', { allowUserChosenId: true });
    assert.deepEqual([policy.enforcedGroups, policy.allowUserChosenId], [['from-elsewhere'], true]);
    assert.equal(repository.rows.get('t1')?.version, 2);
  });
});
