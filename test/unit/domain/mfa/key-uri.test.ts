import assert from 'node:assert/strict';
import { detailsOf } from '../../../../src/domain/errors';
import { buildTotpKeyUri, isUsableIssuer } from '../../../../src/domain/mfa/key-uri';
import type { TotpParameters } from '../../../../src/domain/mfa/otp-parameters';
import { decodeBase32 } from '../../../../src/domain/mfa/secret-encoding';
import { ascii, assertThrowsCode, assertThrowsInvariant } from './fixtures';

const SECRET = ascii('12345678901234567890');
const PARAMS: TotpParameters = { algorithm: 'SHA1', digits: 6, period: 30 };

/** Reads a key URI the way Google Authenticator's format describes: decode the label, split at the first colon. */
function parse(uri: string): { type: string; issuerPrefix: string; account: string; query: Record<string, string> } {
  const url = new URL(uri);
  const label = decodeURIComponent(url.pathname.replace(/^\//, ''));
  const colon = label.indexOf(':');
  return {
    type: url.host,
    issuerPrefix: label.slice(0, colon),
    account: label.slice(colon + 1),
    query: Object.fromEntries(url.searchParams),
  };
}

describe('buildTotpKeyUri', () => {
  it('writes the Key Uri Format with every parameter', () => {
    const uri = buildTotpKeyUri({ issuer: 'Acme', label: 'jdoe', secret: SECRET, params: PARAMS });
    assert.equal(uri, 'otpauth://totp/Acme:jdoe?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Acme&algorithm=SHA1&digits=6&period=30');
  });

  it('writes SHA-256, 8 digits and 60 s for tokens that take them', () => {
    const uri = buildTotpKeyUri({ issuer: 'Acme', label: 'jdoe', secret: SECRET, params: { algorithm: 'SHA256', digits: 8, period: 60 } });
    assert.deepEqual(parse(uri).query, {
      secret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ',
      issuer: 'Acme',
      algorithm: 'SHA256',
      digits: '8',
      period: '60',
    });
  });

  it('percent-encodes spaces as %20 (never +) and @', () => {
    const uri = buildTotpKeyUri({ issuer: 'Acme Jira Cloud', label: 'jane.doe@example.com', secret: SECRET, params: PARAMS });
    assert.ok(uri.startsWith('otpauth://totp/Acme%20Jira%20Cloud:jane.doe%40example.com?'), uri);
    assert.ok(uri.includes('&issuer=Acme%20Jira%20Cloud&'), uri);
    assert.ok(!uri.includes('+'));
    const parsed = parse(uri);
    assert.equal(parsed.issuerPrefix, 'Acme Jira Cloud');
    assert.equal(parsed.account, 'jane.doe@example.com');
    assert.equal(parsed.query['issuer'], 'Acme Jira Cloud');
  });

  it('keeps colons of the label encoded so that the first colon still separates the issuer', () => {
    const accountId = '557058:f58131cb-b67d-43c7-b30d-6b58d40bd077';
    const uri = buildTotpKeyUri({ issuer: 'Acme', label: accountId, secret: SECRET, params: PARAMS });
    assert.ok(uri.startsWith('otpauth://totp/Acme:557058%3Af58131cb-b67d-43c7-b30d-6b58d40bd077?'), uri);
    const parsed = parse(uri);
    assert.equal(parsed.issuerPrefix, 'Acme');
    assert.equal(parsed.account, accountId);
  });

  it('refuses a colon in the issuer, which the format forbids', () => {
    assertThrowsCode(() => buildTotpKeyUri({ issuer: 'Acme: Jira', label: 'jdoe', secret: SECRET, params: PARAMS }), 'invalid_request');
    assert.equal(isUsableIssuer('Acme: Jira'), false);
    assert.equal(isUsableIssuer('Acme Jira'), true);
  });

  it('encodes unicode as UTF-8 and composes it (NFC)', () => {
    const decomposed = 'Mu\u0308ller'; // u + combining diaeresis
    const uri = buildTotpKeyUri({ issuer: 'Zürich AG 🔐', label: decomposed, secret: SECRET, params: PARAMS });
    assert.ok(uri.startsWith('otpauth://totp/Z%C3%BCrich%20AG%20%F0%9F%94%90:M%C3%BCller?'), uri);
    const parsed = parse(uri);
    assert.equal(parsed.issuerPrefix, 'Zürich AG 🔐');
    assert.equal(parsed.account, 'Müller');
  });

  it('escapes reserved characters that encodeURIComponent leaves alone, and & ? # / =', () => {
    const uri = buildTotpKeyUri({ issuer: "O'Brien (R&D)", label: 'a/b?c#d=e*!', secret: SECRET, params: PARAMS });
    assert.ok(uri.startsWith('otpauth://totp/O%27Brien%20%28R%26D%29:a%2Fb%3Fc%23d%3De%2A%21?'), uri);
    assert.equal(parse(uri).query['issuer'], "O'Brien (R&D)");
  });

  it('carries the secret as unpadded base32 that decodes to the same bytes', () => {
    const secret = Buffer.from('0102030405060708090a0b0c0d0e0f1011121314151617', 'hex'); // 23 bytes: would need padding
    const query = parse(buildTotpKeyUri({ issuer: 'Acme', label: 'x', secret, params: PARAMS })).query;
    assert.ok(!query['secret']?.includes('='));
    assert.deepEqual(decodeBase32(query['secret'] ?? ''), { ok: true, bytes: secret });
  });

  it('refuses empty, overlong or unprintable names and bad secrets', () => {
    const ok = { issuer: 'Acme', label: 'jdoe', secret: SECRET, params: PARAMS };
    assertThrowsCode(() => buildTotpKeyUri({ ...ok, issuer: '  ' }), 'invalid_request');
    assertThrowsCode(() => buildTotpKeyUri({ ...ok, label: '' }), 'invalid_request');
    assertThrowsCode(() => buildTotpKeyUri({ ...ok, label: 'x'.repeat(129) }), 'invalid_request');
    assertThrowsCode(() => buildTotpKeyUri({ ...ok, label: 'a\nb' }), 'invalid_request');
    assertThrowsCode(() => buildTotpKeyUri({ ...ok, label: 'a\uD800b' }), 'invalid_request');
    assertThrowsInvariant(() => buildTotpKeyUri({ ...ok, secret: Buffer.alloc(4) }));
  });

  it('names the bad names as {field, problem}, the one shape of invalid_request details', () => {
    assert.throws(
      () => buildTotpKeyUri({ issuer: ' ', label: '', secret: SECRET, params: PARAMS }),
      (error: unknown) => {
        assert.deepEqual(
          detailsOf(error, 'invalid_request')?.fields.map((f) => f.field),
          ['issuer', 'label'],
        );
        return true;
      },
    );
  });
});
