import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { approvalStanding, type ApprovalRequest } from '../../../../src/domain/gate/approval';
import { clientAddress } from '../../../../src/domain/gate/client-address';
import { decide, type GateRequest, type GateUser } from '../../../../src/domain/gate/decision';
import { dataCenterSessionHash, GateCookieSigner } from '../../../../src/domain/gate/gate-cookie';
import { isOpenPath, isReadRequest } from '../../../../src/domain/gate/request-kind';
import { safeReturnPath } from '../../../../src/domain/gate/return-path';
import { FixedClock } from '../../../../src/domain/ports/clock';
import { defaultPolicy, type TenantPolicy } from '../../../../src/domain/policy/policy';

const clock = new FixedClock(new Date('2026-12-04T12:00:00Z'));
const base: TenantPolicy = { ...defaultPolicy('https://jira.example.com'), enforcedGroups: ['jira-developers'], ipSafeZones: ['10.0.0.0/8', '2001:db8::/32'] };
const blocking: TenantPolicy = { ...base, gate: { ...base.gate, basicAuth: 'block' } };
const request = (over: Partial<GateRequest> = {}): GateRequest => ({ gateKeyValid: true, clientAddress: '198.51.100.7', uri: '/browse/ABC-1', ...over });
const browser = (over: Partial<Extract<GateUser, { kind: 'browser' }>> = {}): GateUser => ({
  kind: 'browser',
  required: true,
  enrolled: true,
  verified: false,
  ...over,
});
const basic = (over: Partial<Extract<GateUser, { kind: 'basic' }>> = {}): GateUser => ({ kind: 'basic', required: true, approval: null, ...over });

describe('the gate decision', () => {
  const table: [string, GateRequest, TenantPolicy | null, GateUser, number, string][] = [
    ['a revoked or unknown gate key', request({ gateKeyValid: false }), base, browser({ verified: true }), 401, 'bad_gate_key'],
    ['no tenant policy for the key', request(), null, browser(), 401, 'bad_gate_key'],
    ['an IPv4 client in a safe zone', request({ clientAddress: '10.1.2.3' }), base, browser(), 204, 'safe_zone'],
    ['an IPv6 client in a safe zone', request({ clientAddress: '2001:db8:1::5' }), base, basic(), 204, 'safe_zone'],
    ['the login page', request({ uri: '/login.jsp?os_destination=%2Fbrowse' }), base, browser(), 204, 'open_path'],
    ['a static resource', request({ uri: '/s/en_US-abc/_/download/batch/x.js' }), base, browser(), 204, 'open_path'],
    ["the gate's own pages", request({ uri: '/twofold/verify?rd=/' }), base, browser(), 204, 'open_path'],
    ['a user outside the enforced groups', request(), base, browser({ required: false }), 204, 'not_required'],
    ['a Basic client outside the enforced groups', request(), blocking, basic({ required: false }), 204, 'not_required'],
    ['a verified browser', request(), base, browser({ verified: true }), 204, 'verified'],
    ['an approved Basic client within its grace', request(), base, basic({ approval: 'in_grace' }), 204, 'grace'],
    ['no Data Center session', request(), base, { kind: 'anonymous' }, 204, 'no_session'],
    ['an enrolled user not verified in this browser', request(), base, browser(), 401, 'verification_required'],
    ['a required user with no factor', request(), base, browser({ enrolled: false }), 401, 'enrollment_required'],
    ['a Basic client with no approval yet', request(), base, basic(), 401, 'approval_pending'],
    ['a Basic client waiting for its user', request(), base, basic({ approval: 'pending' }), 401, 'approval_pending'],
    ['Basic auth under a blocking policy', request(), blocking, basic({ approval: 'in_grace' }), 403, 'basic_blocked'],
    ['a Basic client its user denied', request(), base, basic({ approval: 'denied' }), 403, 'not_allowed'],
    ['a credential the gate cannot tie to a user', request(), base, { kind: 'refused' }, 403, 'not_allowed'],
    ['Data Center cannot be asked', request(), base, { kind: 'unavailable' }, 503, 'unavailable'],
  ];
  for (const [what, req, policy, user, status, reason] of table) {
    it(`${what}: ${status} ${reason}`, () => {
      assert.deepEqual(decide(req, policy, user), { status, reason });
    });
  }

  it('an open path or safe zone says nothing to a caller without a valid key', () => {
    assert.equal(decide(request({ gateKeyValid: false, uri: '/login.jsp' }), base, browser()).reason, 'bad_gate_key');
    assert.equal(decide(request({ gateKeyValid: false, clientAddress: '10.0.0.1' }), base, browser()).reason, 'bad_gate_key');
  });

  it('a path that climbs out of an open prefix is not open', () => {
    assert.equal(isOpenPath('/twofold/../secure/Dashboard.jspa'), false);
    assert.equal(isOpenPath('/s/%2e%2e/secure/admin'), false);
    assert.equal(isOpenPath('/loginx'), false);
    assert.equal(isOpenPath('/secure/Dashboard.jspa'), false);
  });
});

describe('the client address behind proxies', () => {
  const trusted = ['127.0.0.1/32', '::1/128', '192.168.0.0/24'];
  it('believes X-Forwarded-For only from a trusted peer', () => {
    assert.equal(clientAddress('127.0.0.1', '10.0.0.9', trusted), '10.0.0.9');
    assert.equal(clientAddress('203.0.113.5', '10.0.0.9', trusted), '203.0.113.5');
  });
  it('takes the right-most untrusted hop, so a forged left part does not count', () => {
    assert.equal(clientAddress('127.0.0.1', '10.0.0.9, 198.51.100.7', trusted), '198.51.100.7');
    assert.equal(clientAddress('::ffff:127.0.0.1', '10.0.0.9, 198.51.100.7, 192.168.0.3', trusted), '198.51.100.7');
  });
  it('reads IPv6 hops and stops at garbage', () => {
    assert.equal(clientAddress('::1', '2001:db8::1', trusted), '2001:db8::1');
    assert.equal(clientAddress('127.0.0.1', 'not-an-ip', trusted), '127.0.0.1');
    assert.equal(clientAddress('127.0.0.1', '10.0.0.1, junk, 198.51.100.7', trusted), '198.51.100.7');
  });
});

describe('approval standing', () => {
  const now = clock.now();
  const minutesAgo = (minutes: number) => new Date(now.getTime() - minutes * 60_000);
  const approval = (over: Partial<ApprovalRequest>): ApprovalRequest => ({
    id: 'a1',
    tenant: 't',
    accountId: 'dc:JIRAUSER10100',
    username: 'bob',
    clientAddress: '198.51.100.7',
    userAgent: 'git/2.45',
    method: 'GET',
    path: '/scm/abc/repo.git/info/refs',
    state: 'approved',
    createdAt: minutesAgo(120),
    decidedAt: minutesAgo(90),
    ...over,
  });
  const policy: TenantPolicy = { ...base, gate: { ...base.gate, readGraceMinutes: 120, writeGraceMinutes: 60 } };
  const read = { method: 'POST', uri: '/scm/abc/repo.git/git-upload-pack' };
  const push = { method: 'POST', uri: '/scm/abc/repo.git/git-receive-pack' };

  it('an approval covers reads for the read grace and pushes for the write grace', () => {
    assert.equal(approvalStanding([approval({})], read, policy, now), 'in_grace');
    assert.equal(approvalStanding([approval({})], push, policy, now), null);
    assert.equal(approvalStanding([approval({ decidedAt: minutesAgo(59) })], push, policy, now), 'in_grace');
    assert.equal(approvalStanding([approval({ decidedAt: minutesAgo(120) })], read, policy, now), null);
  });
  it('a pending request waits a while; a denial refuses a while', () => {
    assert.equal(approvalStanding([approval({ state: 'pending', createdAt: minutesAgo(1), decidedAt: null })], read, policy, now), 'pending');
    assert.equal(approvalStanding([approval({ state: 'pending', createdAt: minutesAgo(16), decidedAt: null })], read, policy, now), null);
    assert.equal(approvalStanding([approval({ state: 'denied', decidedAt: minutesAgo(1) })], read, policy, now), 'denied');
    assert.equal(approvalStanding([approval({ state: 'denied', decidedAt: minutesAgo(30) })], read, policy, now), null);
    assert.equal(approvalStanding([], read, policy, now), null);
  });
  it("a newer request does not end an older approval's grace", () => {
    const newer = approval({ id: 'a2', state: 'pending', createdAt: minutesAgo(1), decidedAt: null });
    assert.equal(approvalStanding([newer, approval({})], read, policy, now), 'in_grace');
    assert.equal(approvalStanding([newer, approval({})], push, policy, now), 'pending');
  });

  it('reads are GET, HEAD and git-upload-pack; a push is never one', () => {
    assert.equal(isReadRequest('GET', '/rest/api/2/issue/X-1'), true);
    assert.equal(isReadRequest('POST', '/scm/a/b.git/git-upload-pack'), true);
    assert.equal(isReadRequest('GET', '/scm/a/b.git/info/refs?service=git-receive-pack'), false);
    assert.equal(isReadRequest('PUT', '/rest/api/2/issue/X-1'), false);
  });
});

describe('the return path after verifying', () => {
  for (const bad of [
    'https://evil.example/',
    '//evil.example/x',
    '/\\evil.example',
    'javascript:alert(1)',
    ' /x',
    '/\t/evil.example',
    'browse/X',
    '',
    '/twofold/verify',
  ]) {
    it(`refuses ${JSON.stringify(bad)}`, () => assert.equal(safeReturnPath(bad), '/'));
  }
  it('keeps a same-host path with its query', () => {
    assert.equal(safeReturnPath('/browse/ABC-1?focusedCommentId=3#c3'), '/browse/ABC-1?focusedCommentId=3#c3');
    assert.equal(safeReturnPath(undefined), '/');
    assert.equal(safeReturnPath('/twofold/approvals'), '/twofold/approvals');
  });
});

describe('the twofold_gate cookie', () => {
  const signer = new GateCookieSigner(randomBytes(32));
  const binding = { tenant: 't', accountId: 'dc:JIRAUSER10100', dataCenterSession: dataCenterSessionHash('JSESSIONID=abc') };
  it('opens only for the same tenant, user and Data Center session', () => {
    const cookie = signer.seal('token123', binding);
    assert.equal(signer.open(cookie, binding), 'token123');
    assert.equal(signer.open(cookie, { ...binding, accountId: 'dc:JIRAUSER10200' }), null);
    assert.equal(signer.open(cookie, { ...binding, dataCenterSession: dataCenterSessionHash('JSESSIONID=other') }), null);
    assert.equal(signer.open(cookie, { ...binding, tenant: 'u' }), null);
    assert.equal(signer.open(`${cookie}x`, binding), null);
    assert.equal(signer.open(undefined, binding), null);
  });
});
