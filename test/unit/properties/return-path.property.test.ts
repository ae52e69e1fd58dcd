import assert from 'node:assert/strict';
import fc from 'fast-check';
import { safeReturnPath } from '../../../src/domain/gate/return-path';

const ORIGIN = 'https://jira.example.com';

/** Where a browser really goes when the gate's page sends it to `target` from the Data Center's own page. */
function landsOn(target: string): URL {
  return new URL(target, `${ORIGIN}/twofold/verify`);
}

/** Hostile return targets as attackers write them: schemes, protocol-relative, backslashes, encodings. */
const hostile = fc.oneof(
  fc.constantFrom(
    '//evil.example',
    '/\\evil.example',
    '\\\\evil.example',
    'https://evil.example/',
    'javascript:alert(1)',
    '/%2F%2Fevil.example',
    '/\t/evil.example',
    ' //evil.example',
  ),
  fc.tuple(fc.constantFrom('/', '//', '\\', '/\\', 'http:', 'https:', 'javascript:', '%2f', ''), fc.webUrl()).map(([prefix, url]) => `${prefix}${url}`),
  fc.tuple(fc.constantFrom('/', '//', '/\\'), fc.domain()).map(([prefix, host]) => `${prefix}${host}/x`),
);

/** The gate's `rd`: what the browser asked for, read back from the query. Never an open redirect. */
describe('Property: the gate return path', () => {
  it('whatever rd is, the browser lands on the Data Center site itself', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.fullUnicodeString(), hostile, fc.anything()), (rd) => {
        const target = safeReturnPath(rd);
        assert.ok(target.startsWith('/') && !target.startsWith('//') && !target.includes('\\'), target);
        assert.equal(landsOn(target).origin, ORIGIN, `${JSON.stringify(rd)} → ${target}`);
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps a plain path with its query and fragment as it was', () => {
    // Dot segments (`.`, `..`) are resolved by any URL parser, so a segment here starts with a letter or digit.
    const segment = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._~-]{0,11}$/);
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 5 }), fc.option(segment), (segments, query) => {
        const path = `/${segments.join('/')}${query === null ? '' : `?q=${query}`}`;
        if (/^\/twofold\/(verify|enroll)/.test(path)) return;
        assert.equal(safeReturnPath(path), path);
      }),
    );
  });
});
