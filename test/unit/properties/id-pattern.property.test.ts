import assert from 'node:assert/strict';
import fc from 'fast-check';
import { expandIdPattern, idPatternProblem, ID_PLACEHOLDERS, normalizeTwoFactorId } from '../../../src/domain/idmap/id-pattern';
import { hasUnsafeCharacters } from '../../../src/domain/text/unsafe-characters';

const text = fc.oneof(fc.string(), fc.fullUnicodeString(), fc.emailAddress());
const pattern = fc.array(fc.oneof(fc.constantFrom(...ID_PLACEHOLDERS), fc.string({ maxLength: 8 })), { maxLength: 6 }).map((parts) => parts.join(''));
const subject = fc.record({
  accountId: fc.string({ minLength: 1, maxLength: 40 }),
  emailAddress: fc.option(fc.emailAddress()),
  username: fc.option(fc.string()),
});

/** ID patterns and 2FA IDs: admin input (patterns, IDs) and values from Jira (emails, names) meet here. */
describe('Property: ID patterns and 2FA IDs', () => {
  it('normalising any text either refuses it with a reason or gives an ID that normalises to itself', () => {
    fc.assert(
      fc.property(fc.oneof(text, fc.anything()), (input) => {
        const result = normalizeTwoFactorId(input);
        if (!result.ok) return assert.ok(result.problem.length > 0);
        assert.equal(hasUnsafeCharacters(result.twoFactorId), false);
        assert.ok(!/\s/.test(result.twoFactorId) && result.twoFactorId.length >= 1 && result.twoFactorId.length <= 128);
        assert.deepEqual(normalizeTwoFactorId(result.twoFactorId), result, 'idempotent');
        assert.equal(result.key, result.twoFactorId.toLowerCase());
      }),
    );
  });

  it('checking any pattern never throws; expanding a usable one gives a valid ID or names a missing placeholder', () => {
    fc.assert(
      fc.property(fc.oneof(pattern, text), subject, (candidate, user) => {
        const problem = idPatternProblem(candidate);
        if (problem !== null) return assert.equal(typeof problem, 'string');
        const expanded = expandIdPattern(candidate, user);
        if (expanded.ok) assert.equal(normalizeTwoFactorId(expanded.twoFactorId).ok, true);
        else assert.ok((ID_PLACEHOLDERS as readonly string[]).includes(expanded.missing));
      }),
    );
  });

  it('%email% gives the lower-cased address whenever the user has one', () => {
    fc.assert(
      fc.property(fc.emailAddress(), fc.string({ minLength: 1, maxLength: 20 }), (email, accountId) => {
        const expanded = expandIdPattern('%email%', { accountId, emailAddress: email });
        if (email.length <= 128) assert.deepEqual(expanded, { ok: true, twoFactorId: email.toLowerCase() });
      }),
    );
  });
});
