import assert from 'node:assert/strict';
import { TwoFactorIds } from '../../../../src/domain/idmap/two-factor-ids';
import { defaultPolicy } from '../../../../src/domain/policy/policy';
import { FixedClock } from '../../../../src/domain/ports/clock';
import { assertRejectsCode } from '../mfa/fixtures';
import { FakeDirectory, InMemoryAuditLog, InMemoryIdMappings, tenantNamed } from '../mfa/in-memory-repositories';

describe('TwoFactorIds', () => {
  const tenant = tenantNamed('t1');
  const policy = defaultPolicy(tenant.baseUrl);
  function setup() {
    const mappings = new InMemoryIdMappings();
    const directory = new FakeDirectory([
      { accountId: 'a1', displayName: 'Ann', emailAddress: 'ann@acme.com', active: true, groups: [] },
      { accountId: 'a2', displayName: 'Ann Two', emailAddress: 'ANN@acme.com', active: true, groups: [] },
      { accountId: 'hidden', displayName: 'Private', emailAddress: null, active: true, groups: [] },
    ]);
    const audit = new InMemoryAuditLog();
    return { mappings, directory, audit, ids: new TwoFactorIds(mappings, directory, audit, new FixedClock(new Date('2024-01-01T00:00:00Z'))) };
  }

  it('derives from the pattern without storing, and stores on ensure', async () => {
    const { ids, mappings } = setup();
    assert.deepEqual(await ids.current(tenant, 'a1', policy), { twoFactorId: 'ann@acme.com', source: 'derived' });
    assert.equal(mappings.rows.size, 0);
    assert.equal(await ids.ensure(tenant, 'a1', policy), 'ann@acme.com');
    assert.deepEqual(await ids.current(tenant, 'a1', policy), { twoFactorId: 'ann@acme.com', source: 'pattern' });
    assert.equal(await ids.ensure(tenant, 'a1', { ...policy, idPattern: '%accountId%' }), 'ann@acme.com', 'a stored ID survives a pattern change');
  });

  it('falls back to the accountId when the pattern has no value or its ID is taken (case-insensitively)', async () => {
    const { ids } = setup();
    assert.equal(await ids.ensure(tenant, 'hidden', policy), 'hidden');
    await ids.ensure(tenant, 'a1', policy);
    assert.equal(await ids.ensure(tenant, 'a2', policy), 'a2');
  });

  it('assigns an ID for an admin with 409 id_taken and 400 for an unusable one, and audits it', async () => {
    const { ids, audit } = setup();
    await ids.ensure(tenant, 'a1', policy);
    await assertRejectsCode(ids.assign(tenant, 'admin', 'a2', 'ANN@ACME.COM', 'admin', policy), 'id_taken');
    await assertRejectsCode(ids.assign(tenant, 'admin', 'a2', 'two words', 'admin', policy), 'invalid_request');
    const mapping = await ids.assign(tenant, 'admin', 'a2', 'ann2@acme', 'admin', policy);
    assert.deepEqual([mapping.twoFactorId, mapping.source], ['ann2@acme', 'admin']);
    assert.deepEqual(
      audit.entries.map((e) => [e.action, e.subjectAccountId, e.detail.twoFactorId]),
      [['user.id_assigned', 'a2', 'ann2@acme']],
    );
    await ids.assign(tenant, 'admin', 'a2', 'ann2@acme', 'admin', policy);
    assert.equal(audit.entries.length, 1, 'assigning the same ID again changes and audits nothing');
  });

  it('lets a user choose an ID only if the policy allows it', async () => {
    const { ids, mappings } = setup();
    await assertRejectsCode(ids.assign(tenant, 'a1', 'a1', 'ann-desk', 'user', policy), 'forbidden');
    assert.equal(mappings.rows.size, 0);
    const mapping = await ids.assign(tenant, 'a1', 'a1', 'ann-desk', 'user', { ...policy, allowUserChosenId: true });
    assert.deepEqual([mapping.twoFactorId, mapping.source], ['ann-desk', 'user']);
  });

  it("refuses a user-chosen ID shaped like someone else's email address, before its owner enrolls", async () => {
    const { ids, mappings } = setup();
    const open = { ...policy, allowUserChosenId: true };
    for (const claim of ['bob@acme.com', 'ann@acme', 'someone@elsewhere.org']) {
      await assertRejectsCode(ids.assign(tenant, 'a2', 'a2', claim, 'user', open), 'invalid_request');
    }
    await assertRejectsCode(ids.assign(tenant, 'hidden', 'hidden', 'private@acme.com', 'user', open), 'invalid_request');
    assert.equal(mappings.rows.size, 0, 'nothing was claimed');
    // Ann's own address, in any case, and what the pattern gives her stay hers to choose.
    assert.equal((await ids.assign(tenant, 'a1', 'a1', 'Ann@Acme.com', 'user', open)).twoFactorId, 'Ann@Acme.com');
    assert.equal((await ids.assign(tenant, 'a1', 'a1', 'ann@corp', 'user', { ...open, idPattern: '%emailLocalPart%@corp' })).twoFactorId, 'ann@corp');
    // An admin may assign any ID.
    assert.equal((await ids.assign(tenant, 'admin', 'a2', 'ann2@acme.com', 'admin', policy)).twoFactorId, 'ann2@acme.com');
  });

  it('asks the host only when the pattern needs the email', async () => {
    const { ids, directory } = setup();
    await ids.current(tenant, 'a1', { ...policy, idPattern: '%accountId%@acme' });
    assert.equal(directory.calls, 0);
  });
});

describe('TwoFactorIds availability (onboarding)', () => {
  const tenant = tenantNamed('t1');
  const policy = { ...defaultPolicy(tenant.baseUrl), allowUserChosenId: true };

  it('answers available, taken (any case, never by whom), yours, or invalid with a reason; it assigns nothing', async () => {
    const mappings = new InMemoryIdMappings();
    const directory = new FakeDirectory([
      { accountId: 'a1', displayName: 'Ann', emailAddress: 'ann@acme.com', active: true, groups: [] },
      { accountId: 'a2', displayName: 'Bo', emailAddress: 'bo@acme.com', active: true, groups: [] },
    ]);
    const ids = new TwoFactorIds(mappings, directory, new InMemoryAuditLog(), new FixedClock(new Date('2024-01-01T00:00:00Z')));
    await ids.assign(tenant, 'a1', 'a1', 'ann-2fa', 'user', policy);
    assert.deepEqual(await ids.availability(tenant, 'a2', 'ANN-2FA', policy), { state: 'taken', twoFactorId: 'ANN-2FA' });
    assert.deepEqual(await ids.availability(tenant, 'a1', 'ann-2fa', policy), { state: 'yours', twoFactorId: 'ann-2fa' });
    assert.deepEqual(await ids.availability(tenant, 'a2', ' bo-2fa ', policy), { state: 'available', twoFactorId: 'bo-2fa' });
    assert.deepEqual(await ids.availability(tenant, 'a2', 'bo@acme.com', policy), { state: 'available', twoFactorId: 'bo@acme.com' });
    const spaced = await ids.availability(tenant, 'a2', 'bo 2fa', policy);
    assert.equal(spaced.state, 'invalid');
    const someoneElses = await ids.availability(tenant, 'a2', 'ann@acme.com', policy);
    assert.equal(someoneElses.state, 'invalid');
    assert.equal(JSON.stringify(await ids.availability(tenant, 'a2', 'ann-2fa', policy)).includes('a1'), false);
    assert.equal(mappings.rows.size, 1, 'nothing assigned by asking');
  });
});
