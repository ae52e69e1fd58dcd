import assert from 'node:assert/strict';
import { cidrContains, inSafeZone, parseCidr } from '../../../../src/domain/policy/ip-safe-zones';

describe('IP safe zones (CIDR)', () => {
  const ok = (text: string) => {
    const parsed = parseCidr(text);
    assert.ok(parsed.ok, `${text}: ${parsed.ok ? '' : parsed.problem}`);
    return parsed;
  };

  it('parses and normalises IPv4 and IPv6 ranges, and bare addresses as single hosts', () => {
    const cases: Array<[string, string]> = [
      ['10.0.0.0/8', '10.0.0.0/8'],
      [' 192.168.1.0/24 ', '192.168.1.0/24'],
      ['203.0.113.7', '203.0.113.7/32'],
      ['0.0.0.0/0', '0.0.0.0/0'],
      ['2001:DB8::/32', '2001:db8::/32'],
      ['2001:db8:0:0:0:0:0:0/48', '2001:db8::/48'],
      ['::1', '::1/128'],
      ['::/0', '::/0'],
      ['fe80::/10', 'fe80::/10'],
      ['::ffff:10.0.0.0/104', '::ffff:a00:0/104'],
    ];
    for (const [input, normalized] of cases) assert.equal(ok(input).normalized, normalized, input);
  });

  it('refuses typos with a reason, and names the range meant when host bits are set', () => {
    const refused: Array<[unknown, RegExp]> = [
      ['10.0.0.1/8', /did you mean 10\.0\.0\.0\/8/],
      ['2001:db8::1/32', /did you mean 2001:db8::\/32/],
      ['300.0.0.0/8', /not an IPv4 or IPv6 address/],
      ['10.0.0.0/33', /0 to 32/],
      ['2001:db8::/129', /0 to 128/],
      ['10.0.0.0/-1', /prefix/],
      ['10.0.0.0/8/8', /more than one/],
      ['', /CIDR/],
      [42, /CIDR/],
      ['fe80::1%eth0/64', /not an IPv4 or IPv6/],
    ];
    for (const [input, problem] of refused) {
      const parsed = parseCidr(input);
      assert.equal(parsed.ok, false, String(input));
      if (!parsed.ok) assert.match(parsed.problem, problem);
    }
  });

  it('tells whether an address lies in a range, IPv4-mapped IPv6 included', () => {
    const v4 = ok('10.1.0.0/16').range;
    assert.equal(cidrContains(v4, '10.1.255.255'), true);
    assert.equal(cidrContains(v4, '10.2.0.0'), false);
    assert.equal(cidrContains(v4, '::ffff:10.1.2.3'), true);
    assert.equal(cidrContains(v4, '2001:db8::1'), false);
    assert.equal(cidrContains(v4, 'not an ip'), false);
    const v6 = ok('2001:db8:abcd::/48').range;
    assert.equal(cidrContains(v6, '2001:db8:abcd:12::1'), true);
    assert.equal(cidrContains(v6, '2001:db8:abce::1'), false);
    assert.equal(inSafeZone(['192.168.0.0/16', '2001:db8::/32'], '192.168.4.4'), true);
    assert.equal(inSafeZone(['192.168.0.0/16'], undefined), false);
    assert.equal(inSafeZone([], '192.168.4.4'), false);
  });
});
