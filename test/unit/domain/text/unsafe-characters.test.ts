import assert from 'node:assert/strict';
import { capForeignText, hasUnsafeCharacters } from '../../../../src/domain/text/unsafe-characters';

describe('Unsafe characters in names', () => {
  it('finds every bidirectional control, C0/C1 control and lone surrogate', () => {
    const controls = [0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069, 0x200e, 0x200f, 0x061c, 0x00, 0x0a, 0x1f, 0x7f, 0x85, 0x9f];
    for (const code of controls) assert.equal(hasUnsafeCharacters(`a${String.fromCharCode(code)}b`), true, code.toString(16));
    assert.equal(hasUnsafeCharacters('\ud800'), true);
    assert.equal(hasUnsafeCharacters('\udc00x'), true);
  });

  it('lets ordinary text of any script through, emoji (surrogate pairs) included', () => {
    for (const fine of ['Bob Builder', 'Zoë Ørsted', 'מנהל', 'مدير', '管理者', 'Smile 😀', 'a\u00a0b']) assert.equal(hasUnsafeCharacters(fine), false, fine);
  });

  it('cleans and caps text that comes from Jira', () => {
    assert.equal(capForeignText('evil\u202Egnp.exe'), 'evilgnp.exe');
    const long = capForeignText('x'.repeat(300), 255);
    assert.equal(long.length, 255);
    assert.ok(long.endsWith('…'));
    assert.equal(capForeignText('Bob'), 'Bob');
  });
});
