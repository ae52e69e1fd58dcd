import assert from 'node:assert/strict';
import {
  BACKUP_CODE_ALPHABET,
  BACKUP_CODE_ENTROPY_BITS,
  formatBackupCode,
  generateBackupCodes,
  normalizeBackupCode,
} from '../../../../src/domain/mfa/backup-codes';
import { assertThrowsInvariant, ScriptedRandom, SeededRandom } from './fixtures';

describe('backup codes', () => {
  it('uses an alphabet without 0, O, 1, I, L or U, and carries at least 40 bits a code', () => {
    assert.equal(BACKUP_CODE_ALPHABET.length, 30);
    assert.equal(new Set(BACKUP_CODE_ALPHABET).size, 30);
    for (const confusable of '01OILU') assert.ok(!BACKUP_CODE_ALPHABET.includes(confusable), confusable);
    assert.ok(BACKUP_CODE_ENTROPY_BITS >= 40, String(BACKUP_CODE_ENTROPY_BITS));
  });

  it('generates 10 distinct codes formatted XXXXX-XXXXX by default', () => {
    const codes = generateBackupCodes(new SeededRandom('codes'));
    assert.equal(codes.length, 10);
    assert.equal(new Set(codes).size, 10);
    for (const code of codes) assert.match(code, /^[23456789ABCDEFGHJKMNPQRSTVWXYZ]{5}-[23456789ABCDEFGHJKMNPQRSTVWXYZ]{5}$/);
  });

  it('generates up to 30 codes and refuses fewer than 10', () => {
    assert.equal(generateBackupCodes(new SeededRandom('more'), 30).length, 30);
    assertThrowsInvariant(() => generateBackupCodes(new SeededRandom('few'), 9));
    assertThrowsInvariant(() => generateBackupCodes(new SeededRandom('many'), 31));
  });

  it('maps bytes without bias: bytes 240..255 are drawn again, 239 is the last symbol', () => {
    // Each code asks for 20 bytes: ten rejected ones, then ten that map to symbols.
    const bytesOfCode = (i: number): Buffer => Buffer.from([0xf0, 0xf1, 0xf8, 0xfe, 0xff, 0xf0, 0xf0, 0xf0, 0xf0, 0xf0, 0, 1, 2, 3, 4, 5, 6, 7, 239, 30 + i]);
    const random = new ScriptedRandom(Buffer.concat(Array.from({ length: 10 }, (_, i) => bytesOfCode(i))));
    const codes = generateBackupCodes(random);
    assert.equal(codes[0], '23456-789Z2');
    assert.equal(codes[9], '23456-789ZB');
  });

  it('gives up on a random source that only returns unusable bytes', () => {
    assertThrowsInvariant(() => generateBackupCodes({ bytes: (n) => Buffer.alloc(n, 0xff) }));
  });

  it('spreads symbols evenly', () => {
    const counts = new Map<string, number>();
    for (const code of generateBackupCodes(new SeededRandom('spread'), 30)) {
      for (const char of code.replace('-', '')) counts.set(char, (counts.get(char) ?? 0) + 1);
    }
    assert.equal(
      [...counts.keys()].every((char) => BACKUP_CODE_ALPHABET.includes(char)),
      true,
    );
    assert.ok(counts.size >= 25); // 300 draws over 30 symbols
  });

  it('normalises what people type', () => {
    assert.equal(normalizeBackupCode('abcde-23456'), 'ABCDE23456');
    assert.equal(normalizeBackupCode(' ABCDE 23456 '), 'ABCDE23456');
    assert.equal(normalizeBackupCode('ABCDE23456'), 'ABCDE23456');
    assert.equal(normalizeBackupCode('ＡＢＣＤＥ－２３４５６'), 'ABCDE23456');
    assert.equal(formatBackupCode('ABCDE23456'), 'ABCDE-23456');
  });

  it('refuses input that cannot be a code', () => {
    for (const bad of ['', 'ABCDE-2345', 'ABCDE-234567', 'ABCD0-23456', 'ABCDE-2345I', 'ABCDE_23456', 'x'.repeat(100)]) {
      assert.equal(normalizeBackupCode(bad), null, bad);
    }
  });
});
