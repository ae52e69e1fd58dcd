import assert from 'node:assert/strict';
import { AUDIT_ACTION_LABELS, auditActionGroups } from '../../../../src/domain/audit/audit-action-labels';
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
    assert.deepEqual(groups.map((group) => group.label), ['Two-step verification', 'Administration', 'Jira connector']);
    const grouped = groups.flatMap((group) => group.actions.map((action) => action.value));
    assert.deepEqual([...grouped].sort(), [...AUDIT_ACTIONS].sort());
    assert.ok(groups[2]!.actions.every((action) => action.value.startsWith('connector.')));
    assert.deepEqual(groups[1]!.actions.map((action) => action.value).sort(), ['admin.reset', 'policy.changed', 'user.id_assigned', 'user.unlocked']);
  });
});
