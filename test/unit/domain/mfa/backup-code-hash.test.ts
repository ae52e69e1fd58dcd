import assert from 'node:assert/strict';
import { createBackupCodeSet, hashBackupCodes, verifyBackupCode, type StoredBackupCode } from '../../../../src/domain/mfa/backup-code-hash';
import { assertRejectsCode, assertRejectsInvariant, SeededRandom } from './fixtures';

interface Row extends StoredBackupCode {
  readonly id: string;
}

describe('backup code hashes', function () {
  this.timeout(20_000); // scrypt at production cost: ~30 ms each

  let codes: string[];
  let rows: Row[];

  before(async () => {
    const set = await createBackupCodeSet(new SeededRandom('set-1'));
    codes = set.codes;
    rows = set.hashes.map((hash, i) => ({ id: `code-${i}`, hash, usedAt: null }));
  });

  it('stores self-describing scrypt hashes with one salt per set, never the code', () => {
    assert.equal(rows.length, 10);
    const salts = new Set<string>();
    for (const [i, row] of rows.entries()) {
      assert.match(row.hash, /^scrypt\$ln=14,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
      const code = codes[i] as string;
      assert.ok(!row.hash.includes(code) && !row.hash.includes(code.replace('-', '')));
      salts.add(row.hash.split('$')[2] as string);
    }
    assert.equal(salts.size, 1);
    assert.equal(new Set(rows.map((row) => row.hash)).size, 10);
  });

  it('uses a new salt for a new set', async () => {
    const [again] = await hashBackupCodes([codes[0] as string], new SeededRandom('set-2'));
    assert.notEqual(again, rows[0]?.hash);
  });

  it('finds which code matched, however it is typed', async () => {
    const third = codes[2] as string;
    for (const typed of [third, third.toLowerCase(), third.replace('-', ' '), ` ${third.replace('-', '')} `]) {
      const result = await verifyBackupCode(typed, rows);
      assert.deepEqual(result, { ok: true, index: 2, code: rows[2] });
    }
  });

  it('says code_reused for a used code, invalid_code for a wrong one, malformed for junk', async () => {
    const used = rows.map((row, i) => (i === 4 ? { ...row, usedAt: new Date('2024-01-01T00:00:00Z') } : row));
    assert.deepEqual(await verifyBackupCode(codes[4] as string, used), { ok: false, reason: 'code_reused' });
    assert.deepEqual(await verifyBackupCode(codes[5] as string, used), { ok: true, index: 5, code: used[5] });
    assert.deepEqual(await verifyBackupCode('ZZZZZ-ZZZZZ', rows), { ok: false, reason: 'invalid_code' });
    assert.deepEqual(await verifyBackupCode('123456', rows), { ok: false, reason: 'malformed' });
    assert.deepEqual(await verifyBackupCode(codes[0] as string, []), { ok: false, reason: 'invalid_code' });
  });

  it('does not accept a code of another set', async () => {
    const other = await createBackupCodeSet(new SeededRandom('set-3'));
    assert.deepEqual(await verifyBackupCode(other.codes[0] as string, rows), { ok: false, reason: 'invalid_code' });
  });

  it('treats an unreadable stored hash as corrupt data', async () => {
    await assertRejectsCode(verifyBackupCode(codes[0] as string, [{ hash: 'sha256$abc', usedAt: null }]), 'internal_error');
    const cheap = (rows[0] as Row).hash.replace('ln=14', 'ln=4');
    await assertRejectsCode(verifyBackupCode(codes[0] as string, [{ hash: cheap, usedAt: null }]), 'internal_error');
  });

  it('refuses to hash something that is not a backup code', async () => {
    await assertRejectsInvariant(hashBackupCodes(['hunter2'], new SeededRandom('x')));
  });
});
