import assert from 'node:assert/strict';
import fc from 'fast-check';
import { cidrContains, parseCidr } from '../../../src/domain/policy/ip-safe-zones';

/** IP safe zones (policy `ipSafeZones`, the gate's trusted proxies): a parser of admin input. */
describe('Property: CIDR ranges', () => {
  it('never throws on any text, and answers a result with a problem sentence when it refuses', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.fullUnicodeString(),
          fc.ipV4().map((a) => `${a}/${'9'.repeat(4)}`),
          fc.anything(),
        ),
        (input) => {
          const result = parseCidr(input);
          if (!result.ok) assert.ok(typeof result.problem === 'string' && result.problem.length > 0);
        },
      ),
    );
  });

  it('accepts every IPv4 network at every prefix, normalises it to itself, and contains exactly its addresses', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }),
        fc.integer({ min: 0, max: 32 }),
        fc.integer({ min: 0, max: 31 }),
        (bytes, prefix, flip) => {
          const value = bytes.reduce((acc, byte) => acc * 256 + byte, 0);
          const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
          const network = (value & mask) >>> 0;
          const text = (n: number) => [24, 16, 8, 0].map((shift) => (n >>> shift) & 255).join('.');
          const parsed = parseCidr(`${text(network)}/${prefix}`);
          assert.ok(parsed.ok, `${text(network)}/${prefix}`);
          assert.equal(parsed.normalized, `${text(network)}/${prefix}`);
          assert.equal(cidrContains(parsed.range, text(value)), true, 'an address of the network is inside');
          assert.equal(cidrContains(parsed.range, `::ffff:${text(value)}`), true, 'also as an IPv4-mapped IPv6 address');
          const other = (value ^ (1 << (31 - flip))) >>> 0;
          assert.equal(cidrContains(parsed.range, text(other)), flip >= prefix, 'flipping a network bit leaves the range');
        },
      ),
    );
  });

  it('refuses a range with host bits set, naming the network instead', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.integer({ min: 0, max: 31 }), (address, prefix) => {
        const parsed = parseCidr(`${address}/${prefix}`);
        if (parsed.ok) return;
        assert.match(parsed.problem, /did you mean \d+\.\d+\.\d+\.\d+\/\d+\?/);
        const suggested = /did you mean (\S+)\?/.exec(parsed.problem)![1]!;
        assert.equal(parseCidr(suggested).ok, true);
      }),
    );
  });

  it('accepts every IPv6 address as a /128 that contains itself, and round-trips its normal form', () => {
    fc.assert(
      fc.property(fc.ipV6(), (address) => {
        const parsed = parseCidr(address);
        assert.ok(parsed.ok, address);
        assert.equal(cidrContains(parsed.range, address), true);
        const again = parseCidr(parsed.normalized);
        assert.ok(again.ok);
        assert.equal(again.normalized, parsed.normalized);
      }),
    );
  });
});
