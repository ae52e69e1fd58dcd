import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { SECRET_FIELD_NAMES, redactPaths, scrubText } from '../../../../src/adapters/logging/redaction';

const JWT = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJqaXJhLTEiLCJxc2giOiJjb250ZXh0LXFzaCJ9.Zm9yZ2VkLXNpZ25hdHVyZQ';

describe('scrubText', () => {
  it('removes JWTs wherever they are', () => {
    for (const text of [`Authorization: JWT ${JWT}`, `token ${JWT} refused`, `{"jwt":"${JWT}"}`]) {
      const scrubbed = scrubText(text);
      assert.ok(!scrubbed.includes(JWT) && !scrubbed.includes('Zm9yZ2VkLXNpZ25hdHVyZQ'), scrubbed);
    }
    assert.equal(scrubText(`token ${JWT} refused`), 'token [JWT] refused');
  });

  it('removes jwt= query values from URLs, whatever the value looks like, keeping the other parameters', () => {
    assert.equal(scrubText(`/pages/policy?lic=none&jwt=${JWT}&cp=%2Fjira`), '/pages/policy?lic=none&jwt=[REDACTED]&cp=%2Fjira');
    assert.equal(scrubText('https://app.example/addon?jwt=not.a.real-jwt&xdm_c=x'), 'https://app.example/addon?jwt=[REDACTED]&xdm_c=x');
    assert.equal(scrubText('/addon?x=1&JWT=abc'), '/addon?x=1&JWT=[REDACTED]');
    assert.equal(scrubText('/addon?lic=none&xdm_e=https%3A%2F%2Fjira'), '/addon?lic=none&xdm_e=https%3A%2F%2Fjira', 'nothing else changes');
  });

  it("removes sharedSecret: '…' from util.inspect output (as ACE logs saved tenant details)", () => {
    const tenant = { clientKey: 'jira-1', sharedSecret: 'Xx9-shared-secret-value', baseUrl: 'https://example.atlassian.net', oauthClientId: 'abc' };
    const dumped = inspect(tenant, { depth: 4 });
    assert.match(dumped, /sharedSecret: 'Xx9-shared-secret-value'/, 'the test feeds what util.inspect really prints');
    const scrubbed = scrubText(`Saved tenant details for jira-1 to database\n${dumped}`);
    assert.ok(!scrubbed.includes('Xx9-shared-secret-value'), scrubbed);
    assert.match(scrubbed, /sharedSecret: \[REDACTED\]/);
    assert.match(scrubbed, /clientKey: 'jira-1'/);
    assert.match(scrubbed, /baseUrl: 'https:\/\/example\.atlassian\.net'/);
  });

  it('removes secrets nested deep in util.inspect output and in JSON', () => {
    const nested = inspect({ settings: { tenant: { auth: { sharedSecret: 'deep-secret-1', password: 'pw-2' } } } }, { depth: 6 });
    const json = JSON.stringify({ password: 'pw-3', oauth: { tokenSecret: 'ts-4', accessToken: 'at-5' } });
    const scrubbed = scrubText(`${nested}\n${json}`);
    for (const value of ['deep-secret-1', 'pw-2', 'pw-3', 'ts-4', 'at-5']) assert.ok(!scrubbed.includes(value), `${value} in ${scrubbed}`);
  });

  it('removes secrets whose values hold spaces, quotes and escapes', () => {
    const values = ['with spaces inside', `it's`, `say "hi"`, `it's "all" \`three\``, 'back\\slash'];
    for (const value of values) {
      for (const text of [inspect({ password: value, after: 'kept' }), JSON.stringify({ password: value, after: 'kept' })]) {
        const scrubbed = scrubText(text);
        for (const piece of value.split(/[\s'"`\\]+/).filter((p) => p.length > 2)) {
          assert.ok(!scrubbed.includes(piece), `${piece} leaked from ${text} as ${scrubbed}`);
        }
        assert.match(scrubbed, /after/);
      }
    }
  });

  it('leaves text without secrets alone', () => {
    const text = "installed tenant jira-1 (https://example.atlassian.net) with productType 'jira'";
    assert.equal(scrubText(text), text);
  });
});

describe('redactPaths', () => {
  it('covers every secret field name at the top level and two levels down, and request headers', () => {
    const paths = redactPaths();
    for (const name of SECRET_FIELD_NAMES) {
      assert.ok(paths.includes(name) && paths.includes(`*.${name}`) && paths.includes(`*.*.${name}`), name);
    }
    assert.ok(paths.includes('req.headers.authorization'));
    assert.ok(paths.includes('req.headers.cookie'));
  });
});
