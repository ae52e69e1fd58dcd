import assert from 'node:assert/strict';
import { defaultPolicy, defaultServiceName, isEnforcedFor } from '../../../../src/domain/policy/policy';
import { applyPolicyUpdate, checkPolicy, policyChanges, readStoredPolicy, type StoredPolicyRepair } from '../../../../src/domain/policy/policy-update';

const DEFAULTS = defaultPolicy('https://acme.atlassian.net');

function problems(input: unknown): Record<string, string> {
  const result = applyPolicyUpdate(DEFAULTS, input);
  assert.equal(result.ok, false);
  return result.ok ? {} : Object.fromEntries(result.problems.map((p) => [p.field, p.problem]));
}

describe('Policy: defaults, updates and validation', () => {
  it('has the defaults the product promises, and they pass its own checks', () => {
    assert.deepEqual(DEFAULTS, {
      enforcedGroups: [],
      idPattern: '%email%',
      allowUserChosenId: false,
      writeBack: false,
      sessionTimeoutMinutes: 720,
      stepUpMinutes: 5,
      ipSafeZones: [],
      methods: ['totp', 'backup_codes', 'access_pass'],
      totp: { algorithm: 'SHA1', digits: 6, period: 30, window: 1 },
      lockout: { maxFailures: 5, windowMinutes: 15, tenantMaxFailures: 100 },
      branding: { serviceName: 'acme.atlassian.net', companyName: '', color: '#0c66e4' },
      gate: { basicAuth: 'approve', readGraceMinutes: 480, writeGraceMinutes: 60, trustedProxies: ['127.0.0.1/32', '::1/128'], selfEnrollment: true },
      confirmEmailOnEnrollment: false,
      accessPass: { showSymbol: true },
    });
    assert.deepEqual(
      checkPolicy({ ...DEFAULTS }, () => assert.fail('no problem expected')),
      DEFAULTS,
    );
  });

  it('checks the gate block: Basic-auth handling, grace periods of 15 minutes to 48 hours, proxy ranges', () => {
    const found = problems({
      gate: { basicAuth: 'allow', readGraceMinutes: 14, writeGraceMinutes: 2881, trustedProxies: ['10.0.0.1/8'], selfEnrollment: 'yes' },
    });
    assert.deepEqual(Object.keys(found).sort(), [
      'gate.basicAuth',
      'gate.readGraceMinutes',
      'gate.selfEnrollment',
      'gate.trustedProxies.0',
      'gate.writeGraceMinutes',
    ]);
    const ok = applyPolicyUpdate(DEFAULTS, { gate: { basicAuth: 'block', readGraceMinutes: 2880 } });
    assert.ok(ok.ok);
    assert.equal(ok.policy.gate.basicAuth, 'block');
    assert.equal(ok.policy.gate.writeGraceMinutes, 60);
    assert.deepEqual(ok.changed, ['gate']);
  });

  it('names the site as the service for Jira Cloud sites, else "Jira"', () => {
    assert.equal(defaultServiceName('https://acme.atlassian.net'), 'acme.atlassian.net');
    assert.equal(defaultServiceName('https://acme.jira.com/'), 'acme.jira.com');
    assert.equal(defaultServiceName('http://127.0.0.1:3000/sandbox'), 'Jira');
    assert.equal(defaultServiceName('not a url'), 'Jira');
  });

  it('merges a partial update, nested blocks field by field, and reports what changed', () => {
    const result = applyPolicyUpdate(DEFAULTS, { totp: { window: 0 }, branding: { companyName: ' Acme ' }, allowUserChosenId: false });
    assert.ok(result.ok);
    assert.deepEqual(result.policy.totp, { algorithm: 'SHA1', digits: 6, period: 30, window: 0 });
    assert.deepEqual(result.policy.branding, { serviceName: 'acme.atlassian.net', companyName: 'Acme', color: '#0c66e4' });
    assert.deepEqual(result.changed, ['totp', 'branding']);
    const writeBack = applyPolicyUpdate(DEFAULTS, { writeBack: true });
    assert.ok(writeBack.ok && writeBack.policy.writeBack && writeBack.changed.includes('writeBack'));
    const none = applyPolicyUpdate(DEFAULTS, {});
    assert.ok(none.ok);
    assert.deepEqual(none.changed, []);
  });

  it('names every bad field at once', () => {
    assert.deepEqual(
      problems({
        enforcedGroups: 'developers',
        idPattern: 'fixed@acme',
        allowUserChosenId: 'yes',
        writeBack: 'on',
        sessionTimeoutMinutes: 10_081,
        stepUpMinutes: 0,
        ipSafeZones: ['1.2.3.4/33'],
        methods: [],
        totp: { algorithm: 'sha1', period: 45, window: -1, extra: 1 },
        lockout: { windowMinutes: 0, tenantMaxFailures: 2 },
        branding: { serviceName: '', companyName: 7, color: '#12345' },
      }),
      {
        enforcedGroups: 'must be a list of at most 100 group names',
        idPattern: 'must contain at least one of %username%, %email%, %emailLocalPart%, %accountId%',
        allowUserChosenId: 'must be true or false',
        writeBack: 'must be true or false',
        sessionTimeoutMinutes: 'must be a whole number of minutes from 0 (as long as allowed) to 10080',
        stepUpMinutes: 'must be a whole number of minutes from 1 to 60',
        'ipSafeZones.0': 'the prefix length must be a number from 0 to 32',
        methods: 'must include totp',
        'totp.extra': 'is not a policy field',
        'totp.algorithm': 'must be one of SHA1, SHA256, SHA512',
        'totp.period': 'must be one of 30, 60 (seconds)',
        'totp.window': 'must be a whole number from 0 to 3',
        'lockout.windowMinutes': 'must be a whole number of minutes from 1 to 1440',
        'lockout.tenantMaxFailures': 'must be a whole number from lockout.maxFailures to 1000000',
        'branding.serviceName': 'must be 1 to 64 printable characters without a colon',
        'branding.companyName': 'must be text of at most 128 characters',
        'branding.color': 'must be a hex colour such as #0c66e4',
      },
    );
    assert.deepEqual(Object.keys(problems({ totp: 'strong' })), ['totp']);
    assert.deepEqual(Object.keys(problems([])), ['(body)']);
    assert.match(problems({ idPattern: '%nickname%' }).idPattern!, /unknown placeholder %nickname%/);
  });

  it('refuses control and text-direction characters in group names and branding (Trojan Source)', () => {
    const found = problems({
      enforcedGroups: ['jira-admins', 'a\nb', 'bob\u202Enimda', 'x\u2067y'],
      branding: { serviceName: 'Acme\u202E', companyName: 'Acme\u2066 Corp' },
    });
    assert.deepEqual(Object.keys(found).sort(), ['branding.companyName', 'branding.serviceName', 'enforcedGroups.1', 'enforcedGroups.2', 'enforcedGroups.3']);
    assert.equal(found['enforcedGroups.2'], 'must not contain control or text-direction characters');
    assert.equal(applyPolicyUpdate(DEFAULTS, { enforcedGroups: ['Ünïcode-Grüppe', 'グループ'], branding: { companyName: 'Acme — Ltd.' } }).ok, true);
  });

  it('reads a stored document over the defaults, replacing what no longer passes', () => {
    assert.deepEqual(readStoredPolicy(DEFAULTS, null), DEFAULTS);
    const stored = readStoredPolicy(DEFAULTS, { enforcedGroups: ['qa'], totp: { window: 9 }, lockout: { maxFailures: 3 }, unknown: true });
    assert.deepEqual(stored.enforcedGroups, ['qa']);
    assert.deepEqual(stored.totp, DEFAULTS.totp, 'the bad block falls back to the defaults');
    assert.deepEqual(stored.lockout, { ...DEFAULTS.lockout, maxFailures: 3 });
  });

  it('keeps the valid entries of a stored list, drops only the bad ones, and reports every mend', () => {
    const repairs: StoredPolicyRepair[] = [];
    const stored = readStoredPolicy(
      DEFAULTS,
      {
        enforcedGroups: ['developers', 42, '', 'qa'],
        ipSafeZones: ['10.0.0.0/8', '300.1.1.1/32'],
        methods: ['totp', 'sms'],
        totp: { algorithm: 'SHA256', window: 9 },
        stepUpMinutes: 0,
      },
      (repair) => repairs.push(repair),
    );
    assert.deepEqual(stored.enforcedGroups, ['developers', 'qa'], 'enforcement stays on for the valid groups');
    assert.deepEqual(stored.ipSafeZones, ['10.0.0.0/8']);
    assert.deepEqual(stored.methods, ['totp']);
    assert.deepEqual(stored.totp, { ...DEFAULTS.totp, algorithm: 'SHA256' }, 'only the bad field of a block gets its default');
    assert.equal(stored.stepUpMinutes, DEFAULTS.stepUpMinutes);
    assert.deepEqual(repairs.map((r) => `${r.field} ${r.action}`).sort(), [
      'enforcedGroups.1 trimmed',
      'enforcedGroups.2 trimmed',
      'ipSafeZones.1 trimmed',
      'methods.1 trimmed',
      'stepUpMinutes replaced',
      'totp.window replaced',
    ]);
  });

  it('keeps the first entries of a stored list that is too long, and replaces a list that is not one', () => {
    const repairs: StoredPolicyRepair[] = [];
    const groups = Array.from({ length: 120 }, (_, i) => `group-${i}`);
    assert.deepEqual(readStoredPolicy(DEFAULTS, { enforcedGroups: groups }, (r) => repairs.push(r)).enforcedGroups, groups.slice(0, 100));
    assert.deepEqual(readStoredPolicy(DEFAULTS, { ipSafeZones: 'everywhere' }, (r) => repairs.push(r)).ipSafeZones, []);
    assert.deepEqual(
      repairs.map((r) => `${r.field} ${r.action}`),
      ['enforcedGroups trimmed', 'ipSafeZones replaced'],
    );
    const quiet: StoredPolicyRepair[] = [];
    readStoredPolicy(DEFAULTS, { enforcedGroups: ['qa'] }, (r) => quiet.push(r));
    assert.deepEqual(quiet, [], 'a valid document is read without a word');
  });

  it('lists the changed values, blocks by their inner fields', () => {
    const after = { ...DEFAULTS, enforcedGroups: ['qa'], lockout: { ...DEFAULTS.lockout, maxFailures: 3 } };
    assert.deepEqual(policyChanges(DEFAULTS, after), [
      { field: 'enforcedGroups', old: [], new: ['qa'] },
      { field: 'lockout.maxFailures', old: 5, new: 3 },
    ]);
  });

  it('enforces for members of any enforced group, ignoring case', () => {
    const policy = { ...DEFAULTS, enforcedGroups: ['Developers', 'qa'] };
    assert.equal(isEnforcedFor(policy, ['developers']), true);
    assert.equal(isEnforcedFor(policy, ['admins']), false);
    assert.equal(isEnforcedFor(DEFAULTS, ['developers']), false);
  });
});
