import assert from 'node:assert/strict';
import { AUDIT_ACTION_LABELS, AUDIT_REASON_WORDS, AUDIT_STEP_WORDS, auditActionGroups, auditWords } from '../../../../src/domain/audit/audit-action-labels';
import { AUDIT_ACTIONS } from '../../../../src/domain/audit/audit-log';

describe('Audit actions in words (the audit log page and its filter)', () => {
  it('has words for every action, each different, so that the filter tells them apart', () => {
    assert.deepEqual(Object.keys(AUDIT_ACTION_LABELS).sort(), [...AUDIT_ACTIONS].sort());
    const labels = Object.values(AUDIT_ACTION_LABELS);
    assert.equal(new Set(labels).size, labels.length);
    for (const label of labels) assert.match(label, /^[A-Z][^.]*[^.\s]$/, 'a short phrase, capitalised, no full stop');
  });

  it('groups every action once, in the order of the log: two-step verification, administration, connector', () => {
    const groups = auditActionGroups();
    assert.deepEqual(
      groups.map((group) => group.label),
      ['Two-step verification', 'Administration', 'Jira connector', 'Jobs'],
    );
    const grouped = groups.flatMap((group) => group.actions.map((action) => action.value));
    assert.deepEqual([...grouped].sort(), [...AUDIT_ACTIONS].sort());
    assert.ok(groups[2]!.actions.every((action) => action.value.startsWith('connector.')));
    assert.deepEqual(groups[1]!.actions.map((action) => action.value).sort(), [
      'admin.reset',
      'policy.changed',
      'sync.property_written',
      'token.assigned',
      'token.unassigned',
      'user.id_assigned',
      'user.unlocked',
    ]);
  });

  it("has words for every reason a connector entry can carry, and for each step of the dance: rows read as prose, never 'At request_token · unreachable'", () => {
    // The codes CONTRACT names for a failed connector test or authorization, and what else the connector audits.
    const reasons = [
      'token_rejected',
      'signature_invalid',
      'consumer_key_unknown',
      'timestamp_refused',
      'unauthorized',
      'unreachable',
      'access_token_expired',
      'nonce_used',
      'permission_denied',
      'upstream_error',
      'not_admin',
      'internal_error',
    ] as const;
    for (const code of reasons) assert.ok(AUDIT_REASON_WORDS[code], code);
    for (const words of [...Object.values(AUDIT_REASON_WORDS), ...Object.values(AUDIT_STEP_WORDS)]) {
      assert.doesNotMatch(words, /\b[a-z]+_[a-z_]+\b/, `no code in "${words}"`);
    }
    assert.deepEqual(Object.keys(AUDIT_STEP_WORDS).sort(), ['access_token', 'request_token']);
    assert.deepEqual(JSON.parse(JSON.stringify(auditWords())).steps, AUDIT_STEP_WORDS, 'the page gets them as JSON');
  });
});
