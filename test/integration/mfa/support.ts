import assert from 'node:assert/strict';
import type { TotpParameters } from '../../../src/domain/mfa/otp-parameters';
import { decodeBase32 } from '../../../src/domain/mfa/secret-encoding';
import { timeStepAt, totpAtStep } from '../../../src/domain/mfa/totp';
import type { FixedClock } from '../../../src/domain/ports/clock';
import type { TestApp } from '../../support/test-app';

/** The sandbox's people (src/sandbox/fixtures.ts). */
export const USERS = {
  alice: '5b10a2844c20165700ede21a', // Jira admin
  bob: '5b10ac8d82e05b22cc7d4e2b', // developers
  carol: '5b10ac8d82e05b22cc7d4e3c', // developers, qa
  dave: '5b10ac8d82e05b22cc7d4e4d', // qa
  erin: '5b10ac8d82e05b22cc7d4e5e', // developers
} as const;

export interface Enrolled {
  secret: Buffer;
  params: TotpParameters;
  backupCodes: string[];
  /** The step whose code confirmed the credential (already used). */
  confirmedStep: number;
  started: Record<string, any>;
  /** The session credential of the "browser" that confirmed (send it with `session()`). */
  sessionToken: string;
}

/** The header with which a page presents its browser's 2FA session credential. */
export function session(sessionToken: string | undefined): Record<string, string> {
  return sessionToken === undefined ? {} : { 'X-Twofold-Session': sessionToken };
}

/** Enrolls `accountId` through the API and confirms with the code of the clock's current step. */
export async function enroll(app: TestApp, clock: FixedClock, accountId: string, body: Record<string, unknown> = {}): Promise<Enrolled> {
  const token = app.contextToken(accountId);
  const started = await app.request('POST', '/api/v1/me/totp', { token, body });
  assert.equal(started.status, 201, started.text);
  const enrollment = started.json();
  const decoded = decodeBase32(enrollment.secretBase32);
  assert.ok(decoded.ok);
  const params: TotpParameters = { algorithm: enrollment.algorithm, digits: enrollment.digits, period: enrollment.period };
  const confirmedStep = timeStepAt(clock.now(), params.period);
  const confirmed = await app.request('POST', '/api/v1/me/totp/confirm', { token, body: { code: totpAtStep(decoded.bytes, confirmedStep, params) } });
  assert.equal(confirmed.status, 200, confirmed.text);
  return {
    secret: decoded.bytes,
    params,
    backupCodes: confirmed.json().backupCodes,
    confirmedStep,
    started: enrollment,
    sessionToken: confirmed.json().sessionToken,
  };
}

/** The code of the clock's current step. */
export function codeNow(enrolled: Pick<Enrolled, 'secret' | 'params'>, clock: FixedClock, offsetSteps = 0): string {
  return totpAtStep(enrolled.secret, timeStepAt(clock.now(), enrolled.params.period) + offsetSteps, enrolled.params);
}

/** A code of the right length that the credential does not produce anywhere near now. */
export function wrongCode(enrolled: Pick<Enrolled, 'secret' | 'params'>, clock: FixedClock): string {
  const near = new Set([-4, -3, -2, -1, 0, 1, 2, 3, 4].map((offset) => codeNow(enrolled, clock, offset)));
  for (let candidate = 0; ; candidate += 1) {
    const code = String(candidate).padStart(enrolled.params.digits, '0');
    if (!near.has(code)) return code;
  }
}

export function verify(app: TestApp, accountId: string, body: Record<string, unknown>) {
  return app.request('POST', '/api/v1/me/verify', { token: app.contextToken(accountId), body });
}

/** GET /api/v1/me as the browser holding `sessionToken` (none: a browser that never verified). */
export async function me(app: TestApp, accountId: string, sessionToken?: string): Promise<Record<string, any>> {
  const response = await app.request('GET', '/api/v1/me', { token: app.contextToken(accountId), headers: session(sessionToken) });
  assert.equal(response.status, 200, response.text);
  return response.json();
}

export function errorCode(response: { json(): any }): string {
  return response.json().error.code;
}
