import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatCsvRecord, parseCsvRecords } from '../../../../src/domain/tokens/csv-records';
import { parseTokenSeedFile, TOKEN_FILE_COLUMNS, type TokenFileResult } from '../../../../src/domain/tokens/token-seed-file';
import { encodeBase32 } from '../../../../src/domain/mfa/secret-encoding';

const HEADER = 'upn,serial number,secret key,time interval,manufacturer,model';
const SEED = Buffer.from('12345678901234567890'); // RFC 6238's SHA-1 seed
const B32 = encodeBase32(SEED); // GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ
const HEX = SEED.toString('hex');

function reasons(result: TokenFileResult): Array<[number, string]> {
  assert.equal(result.ok, false, 'expected the file to be refused');
  return result.ok ? [] : result.rows.map((row) => [row.line, row.reason]);
}

describe('Hardware token seed file (Token2 / Microsoft Entra CSV)', () => {
  describe('examples', () => {
    it('reads base32 and hex secrets, periods 30 and 60, quoted fields', () => {
      const file = [HEADER, `alice@example.com,60234567,${B32},30,Token2,C202`, `"bob@example.com","6023 4568",${HEX},60,"Token2, Inc.","Molto-2 ""v2"""`].join(
        '\r\n',
      );
      const result = parseTokenSeedFile(file);
      assert.ok(result.ok);
      assert.equal(result.tokens.length, 2);
      assert.deepEqual(result.tokens[0]!.secret, SEED);
      assert.deepEqual(result.tokens[1]!.secret, SEED);
      assert.deepEqual(
        result.tokens.map(({ line, upn, serial, period, manufacturer, model }) => ({ line, upn, serial, period, manufacturer, model })),
        [
          { line: 2, upn: 'alice@example.com', serial: '60234567', period: 30, manufacturer: 'Token2', model: 'C202' },
          { line: 3, upn: 'bob@example.com', serial: '6023 4568', period: 60, manufacturer: 'Token2, Inc.', model: 'Molto-2 "v2"' },
        ],
      );
    });

    it('accepts lower-case base32, spaced base32, upper-case hex, a BOM and a trailing newline', () => {
      const file = `\uFEFF${HEADER}\nu1,s1,${B32.toLowerCase()},30,,\nu2,s2,${B32.replace(/(.{4})/g, '$1 ')},30,,\nu3,s3,${HEX.toUpperCase()},60,,\n`;
      const result = parseTokenSeedFile(file);
      assert.ok(result.ok);
      for (const token of result.tokens) assert.deepEqual(token.secret, SEED);
    });

    it('reports every bad row with its line: column count, base32/hex, period, duplicate serial, unknown upn', () => {
      const file = [
        HEADER,
        `alice@example.com,1001,${B32},30,Token2,C202`, // 2: fine
        `bob@example.com,1002,${B32},30,Token2`, // 3: five columns
        `carol@example.com,1003,NOT*BASE32!,30,Token2,C202`, // 4: neither base32 nor hex
        `dave@example.com,1004,${HEX}0,30,Token2,C202`, // 5: odd hex
        `erin@example.com,1005,${B32},45,Token2,C202`, // 6: period
        `frank@example.com,1001,${B32},30,Token2,C202`, // 7: serial of line 2
        `nobody@example.com,1007,${B32},30,Token2,C202`, // 8: unknown upn
        `grace@example.com,1008,GEZDGNBV,30,Token2,C202`, // 9: 5 bytes: too short
      ].join('\n');
      const known = new Set([
        'alice@example.com',
        'bob@example.com',
        'carol@example.com',
        'dave@example.com',
        'erin@example.com',
        'frank@example.com',
        'grace@example.com',
      ]);
      assert.deepEqual(reasons(parseTokenSeedFile(file, { isKnownUpn: (upn) => known.has(upn.toLowerCase()) })), [
        [3, 'column_count'],
        [4, 'secret_malformed'],
        [5, 'secret_malformed'],
        [6, 'period_unknown'],
        [7, 'duplicate_serial'],
        [8, 'unknown_upn'],
        [9, 'secret_length'],
      ]);
    });

    it('refuses a second token for the same user, a missing header, an empty file and an unclosed quote', () => {
      assert.deepEqual(reasons(parseTokenSeedFile(`${HEADER}\nA@x,1,${B32},30,,\na@x,2,${B32},30,,`)), [[3, 'duplicate_upn']]);
      assert.deepEqual(reasons(parseTokenSeedFile(`alice,1,${B32},30,,`)), [[1, 'header_invalid']]);
      assert.deepEqual(reasons(parseTokenSeedFile('')), [[1, 'no_rows']]);
      assert.deepEqual(reasons(parseTokenSeedFile(`${HEADER}\n`)), [[1, 'no_rows']]);
      assert.deepEqual(reasons(parseTokenSeedFile(`${HEADER}\n\nalice,"1,${B32},30,,`)), [[3, 'unterminated_quote']]);
      assert.deepEqual(reasons(parseTokenSeedFile(`${HEADER}\n,1,${B32},30,,\na,,${B32},30,,`)), [
        [2, 'upn_missing'],
        [3, 'serial_missing'],
      ]);
    });

    it('counts lines inside quoted fields, so that a line number points at the row', () => {
      const result = parseTokenSeedFile(`${HEADER}\na,1,${B32},30,"Token2\nGmbH",C202\nb,2,${B32},90,,`);
      assert.deepEqual(reasons(result), [[4, 'period_unknown']]);
    });
  });

  describe('properties (fast-check)', () => {
    const text = fc.string({ unit: 'grapheme', maxLength: 20 });
    const seedBytes = fc.uint8Array({ minLength: 10, maxLength: 64 }).map((bytes) => Buffer.from(bytes));
    const row = fc.record({
      upn: fc.string({ minLength: 1, maxLength: 30 }).filter((s) => s.trim() === s && s !== ''),
      serial: fc.string({ minLength: 1, maxLength: 12 }).filter((s) => s.trim() === s && s !== ''),
      secret: seedBytes,
      hex: fc.boolean(),
      period: fc.constantFrom(30 as const, 60 as const),
      manufacturer: text.map((s) => s.trim()),
      model: text.map((s) => s.trim()),
    });
    type RowSpec = typeof row extends fc.Arbitrary<infer T> ? T : never;
    const uniqueRows = fc
      .uniqueArray(row, {
        minLength: 1,
        maxLength: 20,
        selector: (r) => r.serial.toLowerCase(),
      })
      .filter((rows) => new Set(rows.map((r) => r.upn.toLowerCase())).size === rows.length);

    function fileOf(rows: ReadonlyArray<RowSpec>, newline: string): string {
      const lines = rows.map((r) =>
        formatCsvRecord([r.upn, r.serial, r.hex ? `0x${r.secret.toString('hex')}` : encodeBase32(r.secret), String(r.period), r.manufacturer, r.model]),
      );
      return [TOKEN_FILE_COLUMNS.join(','), ...lines].join(newline);
    }

    it('a file of valid rows gives back every row as written, with LF or CRLF', () => {
      fc.assert(
        fc.property(uniqueRows, fc.constantFrom('\n', '\r\n'), (rows, newline) => {
          const result = parseTokenSeedFile(fileOf(rows, newline));
          assert.ok(result.ok, JSON.stringify(result));
          assert.deepEqual(
            result.tokens.map((t) => [t.upn, t.serial, t.secret.toString('hex'), t.period, t.manufacturer, t.model]),
            rows.map((r) => [r.upn, r.serial, r.secret.toString('hex'), r.period, r.manufacturer, r.model]),
          );
        }),
      );
    });

    it('one bad row anywhere refuses the whole file and names exactly that row', () => {
      const breakage = fc.constantFrom('columns', 'secret', 'period');
      fc.assert(
        fc.property(uniqueRows, fc.nat(), breakage, (rows, at, how) => {
          const index = at % rows.length;
          const lines = fileOf(rows, '\n').split('\n');
          // Breaking the last record's text is easiest with a fresh row that cannot contain line breaks.
          const r = rows[index]!;
          const fields = ['u', `serial-${index}-broken`, encodeBase32(r.secret), String(r.period), 'm', 'x'];
          if (how === 'columns') fields.pop();
          if (how === 'secret') fields[2] = '!!!';
          if (how === 'period') fields[3] = '45';
          const file = [lines[0], ...rows.map((_, i) => (i === index ? fields.join(',') : fileOf([rows[i]!], '\n').split('\n').slice(1).join('\n')))].join(
            '\n',
          );
          const result = parseTokenSeedFile(file);
          assert.equal(result.ok, false);
          if (result.ok) return;
          assert.equal(result.rows.length, 1, JSON.stringify(result.rows));
          assert.equal(result.rows[0]!.reason, { columns: 'column_count', secret: 'secret_malformed', period: 'period_unknown' }[how]);
          const records = parseCsvRecords(file);
          assert.ok(records.ok);
          assert.equal(result.rows[0]!.line, records.records[index + 1]!.line);
        }),
      );
    });

    it('a duplicated serial is reported on its second occurrence only', () => {
      fc.assert(
        fc.property(uniqueRows, fc.nat(), (rows, at) => {
          const copy = { ...rows[at % rows.length]!, upn: 'someone-else-entirely' };
          fc.pre(!rows.some((r) => r.upn.toLowerCase() === copy.upn));
          const file = fileOf([...rows, copy], '\n');
          const result = parseTokenSeedFile(file);
          assert.equal(result.ok, false);
          if (!result.ok)
            assert.deepEqual(
              result.rows.map((p) => p.reason),
              ['duplicate_serial'],
            );
        }),
      );
    });

    it('never throws, whatever the input, and every problem has a positive line', () => {
      fc.assert(
        fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (input) => {
          const result = parseTokenSeedFile(`${HEADER}\n${input}`);
          if (!result.ok) for (const problem of result.rows) assert.ok(problem.line >= 1);
        }),
      );
    });

    it('CSV records round-trip through formatCsvRecord', () => {
      fc.assert(
        fc.property(
          fc.array(
            fc.array(
              fc.string({ unit: 'binary', maxLength: 10 }).filter((s) => !s.startsWith('\uFEFF')),
              { minLength: 2, maxLength: 6 },
            ),
            { minLength: 1, maxLength: 5 },
          ),
          (records) => {
            const parsed = parseCsvRecords(records.map(formatCsvRecord).join('\r\n'));
            assert.ok(parsed.ok);
            assert.deepEqual(
              parsed.records.map((r) => r.fields),
              records,
            );
          },
        ),
      );
    });
  });
});
