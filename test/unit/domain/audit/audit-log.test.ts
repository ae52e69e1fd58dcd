import assert from 'node:assert/strict';
import { createLogger } from '../../../../src/adapters/logging/logger';
import { redactPaths } from '../../../../src/adapters/logging/redaction';
import { isAuditAction, safeDetail } from '../../../../src/domain/audit/audit-log';
import { SECRET_FIELD_NAMES } from '../../../../src/domain/secret-fields';

describe('Audit detail', () => {
  it('drops every field named like a secret or a code, whatever its spelling', () => {
    assert.deepEqual(
      safeDetail({
        code: '123456',
        Code: '1',
        backup_code: 'ABCDE-23456',
        backupCodes: 'x',
        SECRET: 's',
        secretBase32: 'b',
        otpauthUri: 'u',
        token: 't',
        password: 'p',
        qrPng: 'q',
        method: 'totp',
        remaining: 3,
      }),
      { method: 'totp', remaining: 3 },
    );
  });

  it('keeps secrets out of the log and the audit log by one list: every name is redacted in both', () => {
    const detail = Object.fromEntries(SECRET_FIELD_NAMES.map((name) => [name, `VALUE-OF-${name}`]));
    assert.deepEqual(safeDetail({ ...detail, method: 'totp' }), { method: 'totp' });
    for (const name of SECRET_FIELD_NAMES) assert.ok(redactPaths().includes(name), name);
    const lines: string[] = [];
    createLogger('info', { write: (line: string) => void lines.push(line) }).info({ ...detail, nested: { ...detail } }, 'enrolled');
    for (const name of SECRET_FIELD_NAMES) assert.equal(lines.join('').includes(`VALUE-OF-${name}`), false, `${name} leaked into the log`);
    for (const name of ['otpauthUri', 'qrPng', 'secretBase32Grouped']) assert.ok((SECRET_FIELD_NAMES as readonly string[]).includes(name), name);
  });

  it('keeps short scalars only', () => {
    const detail = safeDetail({
      n: 1,
      b: true,
      z: null,
      d: new Date('2024-01-01T00:00:00Z'),
      long: 'x'.repeat(600),
      nested: { a: 1 },
      list: [1],
      nan: Number.NaN,
      undef: undefined,
    });
    assert.deepEqual(detail, { n: 1, b: true, z: null, d: '2024-01-01T00:00:00.000Z', long: 'x'.repeat(500) });
  });

  it('knows its actions', () => {
    assert.equal(isAuditAction('verify.failed'), true);
    assert.equal(isAuditAction('verify.maybe'), false);
  });
});
