import assert from 'node:assert/strict';
import { parseFormEncoded, percentDecode, percentEncode } from '../../../../src/domain/oauth1';

describe('percent-encoding (RFC 5849 §3.6)', () => {
  it("encodes the characters encodeURIComponent leaves alone (!*'())", () => {
    assert.equal(percentEncode("!*'()"), '%21%2A%27%28%29');
  });

  it('encodes astral characters as their four UTF-8 octets', () => {
    assert.equal(percentEncode('😀'), '%F0%9F%98%80');
  });

  it('round-trips through percentDecode', () => {
    const text = 'Ünïcødé & spaces + "quotes" 😀 ~-._';
    assert.equal(percentDecode(percentEncode(text)), text);
  });

  it('decodes per code point: an emoji beside an escape is kept whole (RFC 3986 UTF-8 octets)', () => {
    assert.equal(percentDecode('😀%20x'), '😀 x');
    assert.equal(percentDecode('a%F0%9F%98%80b😀'), 'a😀b😀');
    assert.equal(percentDecode('%E2%82%AC𝄞'), '€𝄞');
    assert.deepEqual(parseFormEncoded('advice=Try+again+😀%21'), [['advice', 'Try again 😀!']]);
  });

  it('decodes lower-case hex and leaves a stray % as it is', () => {
    assert.equal(percentDecode('%c3%a9'), 'é');
    assert.equal(percentDecode('100%'), '100%');
    assert.equal(percentDecode('%zz%4'), '%zz%4');
  });
});

describe('form encoding (W3C HTML 4.01 §17.13.4)', () => {
  it('parses in order, keeps repeats, and gives empty values to bare names', () => {
    assert.deepEqual(parseFormEncoded('c2&a3=2+q&a3=a&&x=%3D%253D'), [
      ['c2', ''],
      ['a3', '2 q'],
      ['a3', 'a'],
      ['x', '=%3D'],
    ]);
  });

  it('keeps = inside a value', () => {
    assert.deepEqual(parseFormEncoded('a=b=c'), [['a', 'b=c']]);
  });

  it('parses what the strict encoding wrote', () => {
    const pairs: Array<[string, string]> = [
      ['oauth_problem', 'token_rejected'],
      ['advice', 'Try again & again 😀'],
    ];
    const body = pairs.map(([name, value]) => `${percentEncode(name)}=${percentEncode(value)}`).join('&');
    assert.deepEqual(parseFormEncoded(body), pairs);
  });
});
