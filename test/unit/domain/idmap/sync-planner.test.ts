import assert from 'node:assert/strict';
import { planExport, planExports, planImport, propertyFor, type CurrentState, type DesiredState } from '../../../../src/domain/idmap/sync-planner';
import { readTwofoldIdProperty } from '../../../../src/domain/idmap/twofold-id-property';

describe('Directory sync planner (desired vs current → operations)', () => {
  const at = new Date('2026-12-01T10:00:00.000Z');
  const alice: DesiredState = { accountId: 'acc-alice', twoFactorId: 'alice@example.com', enrolled: true, updatedAt: at };
  const read = (raw: unknown): CurrentState => ({ userExists: true, reading: readTwofoldIdProperty(raw) });

  describe('export', () => {
    it('writes nothing when Jira already says what Twofold says, whatever its updatedAt', () => {
      assert.deepEqual(planExport(alice, read(propertyFor(alice))), { op: 'none' });
      assert.deepEqual(planExport(alice, read({ ...propertyFor(alice), updatedAt: '2020-01-01T00:00:00Z' })), { op: 'none' });
    });

    it('a second export right after the first writes nothing', () => {
      const users: DesiredState[] = [alice, { accountId: 'acc-bob', twoFactorId: 'bob', enrolled: false, updatedAt: at }];
      const jira = new Map<string, unknown>();
      const apply = () =>
        planExports(users.map((desired) => ({ desired, current: read(jira.get(desired.accountId) ?? null) }))).map((op, i) => {
          if (op.op === 'write') jira.set(users[i]!.accountId, JSON.parse(JSON.stringify(op.value)));
          return op.op;
        });
      assert.deepEqual(apply(), ['write', 'write']);
      assert.deepEqual(apply(), ['none', 'none']);
    });

    it('writes a missing property', () => {
      assert.deepEqual(planExport(alice, read(null)), { op: 'write', value: propertyFor(alice), reason: 'missing' });
    });

    it('writes over a different ID or enrollment', () => {
      for (const other of [{ twoFactorId: 'mallory' }, { enrolled: false }, { twoFactorId: 'Alice@example.com' }]) {
        assert.deepEqual(planExport(alice, read({ ...propertyFor(alice), ...other })), { op: 'write', value: propertyFor(alice), reason: 'different' });
      }
    });

    it('writes over an invalid property instead of trusting it', () => {
      assert.deepEqual(planExport(alice, read({ twoFactorId: 'alice@example.com', enrolled: 'yes', updatedAt: at.toISOString() })), {
        op: 'write',
        value: propertyFor(alice),
        reason: 'invalid',
      });
    });

    it('skips a user Jira does not know', () => {
      assert.deepEqual(planExport(alice, { userExists: false }), { op: 'skip', reason: 'unknown_user' });
    });

    it('the value written is the contract shape and holds no secret', () => {
      assert.deepEqual(Object.keys(propertyFor(alice)).sort(), ['enrolled', 'twoFactorId', 'updatedAt']);
      assert.equal(propertyFor(alice).updatedAt, '2026-12-01T10:00:00.000Z');
    });
  });

  describe('import', () => {
    it('no difference → nothing to report', () => {
      assert.deepEqual(planImport(alice, read(propertyFor(alice))), { finding: 'same' });
      assert.deepEqual(planImport(null, read(null)), { finding: 'same' });
    });

    it('missing: Twofold has an ID, Jira has no property', () => {
      assert.deepEqual(planImport(alice, read(null)), { finding: 'missing' });
    });

    it('different: reports both sides and whether the ID differs', () => {
      assert.deepEqual(planImport(alice, read({ ...propertyFor(alice), twoFactorId: 'a.smith' })), {
        finding: 'different',
        twofold: { twoFactorId: 'alice@example.com', enrolled: true },
        jira: { twoFactorId: 'a.smith', enrolled: true },
        idDiffers: true,
      });
      const enrolledOnly = planImport(alice, read({ ...propertyFor(alice), enrolled: false }));
      assert.equal(enrolledOnly.finding === 'different' && enrolledOnly.idDiffers, false);
      const unmapped = planImport(null, read(propertyFor(alice)));
      assert.equal(unmapped.finding === 'different' && unmapped.twofold === null && unmapped.idDiffers, true);
    });

    it('unknown user', () => {
      assert.deepEqual(planImport(alice, { userExists: false }), { finding: 'unknown_user' });
    });

    it('invalid property: reported with its problem, never used', () => {
      const cases: unknown[] = [
        'alice',
        [1],
        { twoFactorId: 'a b', enrolled: true, updatedAt: at.toISOString() },
        { twoFactorId: '', enrolled: true, updatedAt: at.toISOString() },
        { twoFactorId: 'x'.repeat(129), enrolled: true, updatedAt: at.toISOString() },
        { twoFactorId: 'alice', enrolled: 1, updatedAt: at.toISOString() },
        { twoFactorId: 'alice', enrolled: true, updatedAt: 'yesterday' },
        { twoFactorId: 'alice', enrolled: true },
        { twoFactorId: 'alice', enrolled: true, updatedAt: at.toISOString(), secret: 'JBSWY3DPEHPK3PXP' },
      ];
      for (const raw of cases) assert.equal(planImport(alice, read(raw)).finding, 'invalid', JSON.stringify(raw));
    });
  });

  it('normalizes a valid property ID as Twofold stores IDs', () => {
    const reading = readTwofoldIdProperty({ twoFactorId: '  alice  ', enrolled: false, updatedAt: '2026-12-01T10:00:00+01:00' });
    assert.deepEqual(reading, { state: 'valid', value: { twoFactorId: 'alice', enrolled: false, updatedAt: '2026-12-01T10:00:00+01:00' } });
  });
});
