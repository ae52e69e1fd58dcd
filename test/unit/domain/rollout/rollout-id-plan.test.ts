import assert from 'node:assert/strict';
import type { IdMapping } from '../../../../src/domain/idmap/two-factor-ids';
import { decideRolloutId, planRolloutIds, type RolloutMember } from '../../../../src/domain/rollout/rollout-id-plan';

const member = (accountId: string, emailAddress: string | null, username: string | null = null): RolloutMember => ({
  accountId,
  displayName: accountId.toUpperCase(),
  emailAddress,
  username,
});
const mapping = (accountId: string, twoFactorId: string, source: IdMapping['source']): IdMapping => ({
  accountId,
  twoFactorId,
  source,
  updatedAt: new Date(0),
});

describe('rollout ID planner', () => {
  it('assigns what the pattern gives to members without an ID', () => {
    const plan = planRolloutIds([member('a', 'Ann@Example.com'), member('b', 'bob@example.com')], new Map(), '%email%', false);
    assert.deepEqual(plan.get('a'), { action: 'assign', twoFactorId: 'ann@example.com', key: 'ann@example.com', previous: null });
    assert.deepEqual(plan.get('b'), { action: 'assign', twoFactorId: 'bob@example.com', key: 'bob@example.com', previous: null });
  });

  it('gives the second of two members with the same ID a conflict naming the first', () => {
    const plan = planRolloutIds([member('a', 'sam@one.example'), member('b', 'sam@two.example')], new Map(), '%emailLocalPart%', false);
    assert.equal(plan.get('a')?.action, 'assign');
    assert.deepEqual(plan.get('b'), { action: 'conflict', twoFactorId: 'sam', holderAccountId: 'a' });
  });

  it('never takes an ID another user holds, whatever its case, even with overwrite', () => {
    const existing = new Map([['x', mapping('x', 'SAM', 'admin')]]);
    for (const overwrite of [false, true]) {
      const plan = planRolloutIds([member('a', 'sam@example.com')], existing, '%emailLocalPart%', overwrite);
      assert.deepEqual(plan.get('a'), { action: 'conflict', twoFactorId: 'sam', holderAccountId: 'x' });
    }
  });

  it('keeps an ID set by an admin or the user unless overwrite; replaces it with overwrite, naming the old one', () => {
    for (const source of ['admin', 'user'] as const) {
      const existing = new Map([['a', mapping('a', 'by-hand', source)]]);
      assert.deepEqual(planRolloutIds([member('a', 'ann@example.com')], existing, '%email%', false).get('a'), {
        action: 'keep',
        twoFactorId: 'by-hand',
        source,
      });
      assert.deepEqual(planRolloutIds([member('a', 'ann@example.com')], existing, '%email%', true).get('a'), {
        action: 'assign',
        twoFactorId: 'ann@example.com',
        key: 'ann@example.com',
        previous: 'by-hand',
      });
    }
  });

  it('updates an ID an earlier pattern gave, and leaves one that already matches unchanged', () => {
    const existing = new Map([
      ['a', mapping('a', 'ann', 'pattern')],
      ['b', mapping('b', 'bob@example.com', 'pattern')],
    ]);
    const plan = planRolloutIds([member('a', 'ann@example.com'), member('b', 'bob@example.com')], existing, '%email%', false);
    assert.deepEqual(plan.get('a'), { action: 'assign', twoFactorId: 'ann@example.com', key: 'ann@example.com', previous: 'ann' });
    assert.deepEqual(plan.get('b'), { action: 'unchanged', twoFactorId: 'bob@example.com' });
  });

  it('a member may take back the ID they hold under another case', () => {
    const decision = decideRolloutId({
      member: member('a', 'Ann@example.com'),
      pattern: '%emailLocalPart%',
      current: mapping('a', 'ANN', 'pattern'),
      holderOf: () => 'a',
      overwrite: false,
    });
    assert.deepEqual(decision, { action: 'assign', twoFactorId: 'ann', key: 'ann', previous: 'ANN' });
  });

  it('a hidden email address makes the pattern unusable for that member; %username% uses the Data Center username', () => {
    assert.equal(planRolloutIds([member('a', null)], new Map(), '%email%', false).get('a')?.action, 'unusable');
    assert.deepEqual(planRolloutIds([member('dc:JIRAUSER1', null, 'dora')], new Map(), '%username%@corp', false).get('dc:JIRAUSER1'), {
      action: 'assign',
      twoFactorId: 'dora@corp',
      key: 'dora@corp',
      previous: null,
    });
  });
});
