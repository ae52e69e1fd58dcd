import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { canonicalRequest, queryStringHash } from '../../../../src/adapters/connect/query-string-hash';
import vectors from '../../../vectors/atlassian-qsh.json';

interface QshCase {
  name: string;
  source: string;
  method: string;
  baseUrl: string;
  url: string;
  canonicalRequest: string;
  qsh?: string;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

describe('Atlassian query string hash (test/vectors/atlassian-qsh.json)', () => {
  const cases: QshCase[] = vectors.cases;

  it('holds published cases and rule cases', () => {
    assert.ok(cases.filter((c) => c.source === 'published').length >= 4);
    assert.ok(cases.filter((c) => c.source === 'rule').length >= 7);
    assert.ok(cases.every((c) => c.source === 'published' || c.source === 'rule'));
  });

  for (const vector of cases) {
    describe(`${vector.source}: ${vector.name}`, () => {
      const input = { method: vector.method, pathAndQuery: vector.url, baseUrl: vector.baseUrl };

      it(`canonical request is ${vector.canonicalRequest}`, () => {
        assert.equal(canonicalRequest(input), vector.canonicalRequest);
      });

      it('qsh is the SHA-256 of the canonical request' + (vector.qsh ? ' and the published value' : ''), () => {
        assert.equal(queryStringHash(input), sha256(vector.canonicalRequest));
        if (vector.qsh) assert.equal(queryStringHash(input), vector.qsh);
      });
    });
  }

  it('ignores the jwt parameter whatever its value', () => {
    const base = { method: 'GET', baseUrl: 'https://app.example' };
    assert.equal(
      queryStringHash({ ...base, pathAndQuery: '/pages/policy?lic=none&jwt=one' }),
      queryStringHash({ ...base, pathAndQuery: '/pages/policy?lic=none&jwt=two' }),
    );
    assert.equal(canonicalRequest({ ...base, pathAndQuery: '/pages/policy?jwt=x' }), 'GET&/pages/policy&');
  });
});
