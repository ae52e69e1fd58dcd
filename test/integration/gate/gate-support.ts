import assert from 'node:assert/strict';
import type { TotpParameters } from '../../../src/domain/mfa/otp-parameters';
import { decodeBase32 } from '../../../src/domain/mfa/secret-encoding';
import { timeStepAt, totpAtStep } from '../../../src/domain/mfa/totp';
import type { Clock } from '../../../src/domain/ports/clock';
import { ALICE_ADMIN, type TestApp, type TestResponse } from '../../support/test-app';
import type { FakeJiraUser } from '../../support/fake-jira-rest';

export const SERVICE = { key: 'JIRAUSER10000', name: 'svc-twofold', displayName: 'Twofold Service', password: 'service secret', admin: true };
/** In `jira-developers` (enforced): must use 2FA. */
export const ALICE_DC: FakeJiraUser = {
  key: 'JIRAUSER10100',
  name: 'alice',
  displayName: 'Alice Andersen',
  password: 'alice pw',
  emailAddress: 'alice@dc.example',
};
/** In `jira-developers` too, and a Git user. */
export const GIT_BOB: FakeJiraUser = { key: 'JIRAUSER10200', name: 'bob', displayName: 'Bob Builder', password: 'bob pw', emailAddress: 'bob@dc.example' };
/** Only in `jira-users`: not required. */
export const DAVE_DC: FakeJiraUser = { key: 'JIRAUSER10300', name: 'dave', displayName: 'Dave Doe', password: 'dave pw' };
/** In `jira-developers`, never set up: for the "ask your admin" page. */
export const CAROL_DC: FakeJiraUser = { key: 'JIRAUSER10400', name: 'carol', displayName: 'Carol Chen', password: 'carol pw' };
export const DC_USERS = [SERVICE, ALICE_DC, GIT_BOB, DAVE_DC, CAROL_DC];
export const DC_GROUPS = { 'jira-users': ['svc-twofold', 'alice', 'bob', 'dave', 'carol'], 'jira-developers': ['alice', 'bob', 'carol'] };

/** An admin API call as Alice (the sandbox's Jira admin). */
export function admin(app: TestApp, method: string, path: string, body?: unknown): Promise<TestResponse> {
  return app.request(method, path, { token: app.contextToken(ALICE_ADMIN.accountId), ...(body === undefined ? {} : { body }) });
}

/** Connects the tenant's connector to `baseUrl` with Basic auth as the service user, and sets the policy. */
export async function connectAndEnforce(app: TestApp, baseUrl: string, policy: Record<string, unknown> = {}): Promise<void> {
  const saved = await admin(app, 'PUT', '/api/v1/admin/connector', { baseUrl, authType: 'basic', username: SERVICE.name, secret: SERVICE.password });
  assert.equal(saved.status, 200, saved.text);
  assert.equal(saved.json().status, 'connected');
  const put = await admin(app, 'PUT', '/api/v1/admin/policy', { enforcedGroups: ['jira-developers'], ipSafeZones: ['10.0.0.0/8', '2001:db8::/32'], ...policy });
  assert.equal(put.status, 200, put.text);
}

/** A TOTP code of an enrollment's secret at the clock's time. */
export function totpNow(enrollment: Record<string, any>, clock: Clock, offsetSteps = 0): string {
  const decoded = decodeBase32(enrollment.secretBase32);
  assert.ok(decoded.ok);
  const params = { algorithm: enrollment.algorithm, digits: enrollment.digits, period: enrollment.period } as TotpParameters;
  return totpAtStep(decoded.bytes, timeStepAt(clock.now(), params.period) + offsetSteps, params);
}

export function errorCode(response: TestResponse): string {
  return response.json<{ error: { code: string } }>().error.code;
}

/** The `twofold_gate=…` pair of a response's Set-Cookie. */
export function gateCookieOf(response: TestResponse): string {
  const setCookie = response.headers.get('set-cookie') ?? '';
  const match = /twofold_gate=([^;]+)/.exec(setCookie);
  assert.ok(match, `no twofold_gate cookie in ${setCookie}`);
  return `twofold_gate=${match[1]}`;
}
