import assert from 'node:assert/strict';
import { csvCell, usersCsvHeader, usersCsvLine } from '../../../../src/domain/directory/users-csv';

describe('users CSV export', () => {
  it('neutralises cells a spreadsheet would run as a formula', () => {
    for (const dangerous of ['=1+1', '+1', '-1', '@SUM(A1)', '\tx', '\rx']) {
      assert.ok(csvCell(dangerous).replace(/^"/, '').startsWith(`'${dangerous[0]}`), JSON.stringify(dangerous));
    }
    assert.equal(csvCell('alice@example.com'), 'alice@example.com', 'an @ inside a value is harmless');
  });

  it('quotes commas, quotes and line breaks as RFC 4180 does', () => {
    assert.equal(csvCell('Builder, Bob'), '"Builder, Bob"');
    assert.equal(csvCell('say "hi"'), '"say ""hi"""');
    assert.equal(csvCell('two\nlines'), '"two\nlines"');
    assert.equal(csvCell('=cmd|"/c calc"!A0'), `"'=cmd|""/c calc""!A0"`);
  });

  it('writes the columns in the header’s order', () => {
    assert.equal(usersCsvHeader(), 'accountId,displayName,twoFactorId,enrolled,methods,lastVerifiedAt');
    assert.equal(
      usersCsvLine({
        accountId: 'dc:JIRAUSER1',
        displayName: 'Ann',
        twoFactorId: 'ann',
        enrolled: true,
        methods: ['totp', 'backup_codes'],
        lastVerifiedAt: new Date('2026-01-02T03:04:05Z'),
      }),
      'dc:JIRAUSER1,Ann,ann,true,totp backup_codes,2026-01-02T03:04:05.000Z',
    );
  });
});
