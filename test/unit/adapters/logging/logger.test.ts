import assert from 'node:assert/strict';
import { createLogger } from '../../../../src/adapters/logging/logger';

const JWT = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJqaXJhLTEiLCJzdWIiOiJhY2MtMSJ9.c2lnbmF0dXJlLWJ5dGVz';
/** Values that must never reach a log line; each is unique so that a leak is easy to spot. */
const SECRETS = {
  sharedSecret: 'SHARED-SECRET-0001',
  password: 'PASSWORD-0002',
  code: '493817',
  token: 'TOKEN-0004',
  authorization: `JWT ${JWT}`,
  backupCodes: ['BACKUP-0005', 'BACKUP-0006'],
  secretBase32: 'JBSWY3DPEHPK3PXP0007',
  privateKeyPem: '-----BEGIN PRIVATE KEY-----0008',
  cookie: 'session=COOKIE-0009',
  jwt: JWT,
};

function capture(level = 'trace') {
  const lines: string[] = [];
  const logger = createLogger(level, { write: (line: string) => void lines.push(line) });
  return { logger, lines, text: () => lines.join('') };
}

function assertNoSecret(text: string): void {
  for (const value of [...Object.values(SECRETS).flat(), JWT, 'c2lnbmF0dXJlLWJ5dGVz']) {
    assert.ok(!text.includes(value), `${value} leaked into: ${text}`);
  }
}

describe('logger redaction', () => {
  it('redacts secret fields at the top level', () => {
    const { logger, lines, text } = capture();
    logger.info({ ...SECRETS, clientKey: 'jira-1' }, 'installed');
    assertNoSecret(text());
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    assert.equal(line.sharedSecret, '[REDACTED]');
    assert.equal(line.password, '[REDACTED]');
    assert.equal(line.code, '[REDACTED]');
    assert.equal(line.token, '[REDACTED]');
    assert.equal(line.authorization, '[REDACTED]');
    assert.equal(line.clientKey, 'jira-1', 'other fields are kept');
    assert.equal(line.msg, 'installed');
  });

  it('redacts secret fields nested one and two levels deep', () => {
    const { logger, lines, text } = capture();
    logger.info({ tenant: { clientKey: 'jira-1', sharedSecret: SECRETS.sharedSecret }, body: { code: SECRETS.code, password: SECRETS.password } }, 'one level');
    logger.warn(
      { req: { headers: { authorization: SECRETS.authorization, cookie: SECRETS.cookie, accept: 'text/html' } }, a: { b: { token: SECRETS.token } } },
      'two levels',
    );
    assertNoSecret(text());
    const first = JSON.parse(lines[0]!) as { tenant: Record<string, unknown> };
    assert.deepEqual(first.tenant, { clientKey: 'jira-1', sharedSecret: '[REDACTED]' });
    const second = JSON.parse(lines[1]!) as { req: { headers: Record<string, unknown> } };
    assert.deepEqual(second.req.headers, { authorization: '[REDACTED]', cookie: '[REDACTED]', accept: 'text/html' });
  });

  it('redacts secrets of objects in arrays and in child loggers', () => {
    const { logger, text } = capture();
    logger.info({ users: [{ accountId: 'a', password: SECRETS.password }] }, 'array');
    logger.child({ component: 'connector', token: SECRETS.token }).error({ oauth: { tokenSecret: 'TOKEN-SECRET-0010' } }, 'child');
    assertNoSecret(text());
    assert.ok(!text().includes('TOKEN-SECRET-0010'));
  });

  it('scrubs JWTs out of logged URLs', () => {
    const { logger, lines } = capture();
    logger.info({ url: `/pages/policy?lic=none&jwt=${JWT}&xdm_e=https%3A%2F%2Fjira` }, 'request');
    assertNoSecret(lines[0]!);
    const { url } = JSON.parse(lines[0]!) as { url: string };
    assert.match(url, /^\/pages\/policy\?lic=none&jwt=\[REDACTED\]&xdm_e=https%3A%2F%2Fjira$/);
  });

  it('does not change the object that was logged', () => {
    const { logger } = capture();
    const fields = { tenant: { sharedSecret: SECRETS.sharedSecret } };
    logger.info(fields, 'kept');
    assert.equal(fields.tenant.sharedSecret, SECRETS.sharedSecret);
  });

  it('logs errors with their message and stack', () => {
    const { logger, lines } = capture();
    logger.error({ err: new Error('the database is down') }, 'failed');
    const { err } = JSON.parse(lines[0]!) as { err: { message: string; stack: string; type: string } };
    assert.equal(err.message, 'the database is down');
    assert.equal(err.type, 'Error');
    assert.match(err.stack, /logger\.test\.ts/);
  });

  it('respects the level', () => {
    const { logger, lines } = capture('warn');
    logger.info('hidden');
    logger.warn('shown');
    assert.equal(lines.length, 1);
  });
});
