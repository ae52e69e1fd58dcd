import assert from 'node:assert/strict';
import fc from 'fast-check';
import { normalizeParameters } from '../../../src/domain/oauth1/parameters-normalization';
import { parseFormEncoded, percentDecode, percentEncode } from '../../../src/domain/oauth1/percent-encoding';

/** Well-formed text (no lone surrogates): what a signature can be computed over at all. */
const wellFormed = fc.fullUnicodeString({ maxLength: 30 });
const pairs = fc.array(fc.tuple(wellFormed, wellFormed), { maxLength: 8 });

/** OAuth 1.0a parameter encoding and normalisation (RFC 5849 §3.4.1.3.2, §3.6), fed by Jira's answers. */
describe('Property: OAuth 1.0a encoding and normalisation', () => {
  it('percent-encodes into unreserved characters and upper-case escapes only, and decodes back', () => {
    fc.assert(
      fc.property(wellFormed, (value) => {
        const encoded = percentEncode(value);
        assert.match(encoded, /^(?:[A-Za-z0-9\-._~]|%[0-9A-F]{2})*$/);
        assert.equal(percentDecode(encoded), value);
      }),
    );
  });

  it('decoding any text, even with stray % signs, never throws', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.fullUnicodeString()), (text) => void percentDecode(text)));
    fc.assert(fc.property(fc.oneof(fc.string(), fc.fullUnicodeString()), (text) => void parseFormEncoded(text)));
  });

  it('normalises the same parameters to the same string in any order (the signature must not depend on it)', () => {
    fc.assert(
      fc.property(
        pairs.chain((list) => fc.tuple(fc.constant(list), fc.shuffledSubarray(list, { minLength: list.length, maxLength: list.length }))),
        ([list, shuffled]) => assert.equal(normalizeParameters(shuffled), normalizeParameters(list)),
      ),
    );
  });

  it('reads back form-encoded pairs it would write, repeats and order kept', () => {
    fc.assert(
      fc.property(pairs, (list) => {
        const body = list.map(([name, value]) => `${percentEncode(name)}=${percentEncode(value)}`).join('&');
        // Every pair is written with its "=", so even an empty name and value ("=") reads back as one pair.
        assert.deepEqual(parseFormEncoded(body), list);
      }),
    );
  });
});
