import assert from 'node:assert/strict';
import { expandIdPattern, idPatternProblem, normalizeTwoFactorId } from '../../../../src/domain/idmap/id-pattern';

describe('2FA ID patterns', () => {
  const alice = { accountId: '557058:f58131cb', emailAddress: 'Alice.Smith@Example.com' };

  it('expands each placeholder, SecSign style', () => {
    const cases: Array<[string, string]> = [
      ['%email%', 'alice.smith@example.com'],
      ['%emailLocalPart%@acme', 'alice.smith@acme'],
      ['%username%-admin@yourcompany', 'alice.smith-admin@yourcompany'],
      ['%accountId%', '557058:f58131cb'],
      ['%emailLocalPart%.%accountId%', 'alice.smith.557058:f58131cb'],
    ];
    for (const [pattern, id] of cases) assert.deepEqual(expandIdPattern(pattern, alice), { ok: true, twoFactorId: id }, pattern);
    assert.deepEqual(expandIdPattern('%username%', { ...alice, username: 'asmith' }), { ok: true, twoFactorId: 'asmith' }, 'Server/DC usernames win');
  });

  it('says which placeholder had no value when the email is hidden', () => {
    assert.deepEqual(expandIdPattern('%email%', { accountId: 'a', emailAddress: null }), { ok: false, missing: '%email%' });
    assert.deepEqual(expandIdPattern('%accountId%', { accountId: 'a', emailAddress: null }), { ok: true, twoFactorId: 'a' });
  });

  it('checks patterns', () => {
    assert.equal(idPatternProblem('%email%'), null);
    assert.match(idPatternProblem('fixed')!, /at least one/);
    assert.match(idPatternProblem('%mail%')!, /unknown placeholder %mail%/);
    assert.match(idPatternProblem('%email% x')!, /spaces/);
    assert.match(idPatternProblem('')!, /placeholder/);
    assert.match(idPatternProblem(`%email%${'x'.repeat(200)}`)!, /200/);
  });

  it('normalises IDs: NFC, trimmed, case-insensitive key, no spaces', () => {
    assert.deepEqual(normalizeTwoFactorId(' Bob@Acme '), { ok: true, twoFactorId: 'Bob@Acme', key: 'bob@acme' });
    assert.deepEqual(normalizeTwoFactorId('Cafe\u0301'), { ok: true, twoFactorId: 'Café', key: 'café' });
    for (const bad of ['', '   ', 'a b', 'tab\there', 'x'.repeat(129), 42, '\ud800']) assert.equal(normalizeTwoFactorId(bad).ok, false, String(bad));
  });

  it('refuses control and text-direction characters, which would spoof the ID on pages and in authenticator apps', () => {
    for (const bad of ['bob\u202Enimda', 'a\u2066b', 'a\u2069', 'rtl\u200Fmark', 'nul\u0000', 'c1\u0085', 'esc\u001b[31m']) {
      assert.deepEqual(normalizeTwoFactorId(bad), { ok: false, problem: 'must not contain control or text-direction characters' }, JSON.stringify(bad));
    }
    assert.equal(normalizeTwoFactorId('مستخدم@example.com').ok, true, 'right-to-left letters themselves are fine');
  });
});
