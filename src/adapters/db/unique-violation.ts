import { UniqueConstraintError } from 'sequelize';

/**
 * Whether `error` is a unique index refusing a row: Sequelize's `UniqueConstraintError`, or the driver's
 * own error for a statement run by `Sql` (Postgres SQLSTATE 23505; SQLite's SQLITE_CONSTRAINT with
 * "UNIQUE constraint failed", or "PRIMARY KEY" for a rowid table's key).
 * @see https://www.postgresql.org/docs/current/errcodes-appendix.html
 * @see https://www.sqlite.org/rescode.html#constraint_unique
 */
export function isUniqueViolation(error: unknown): boolean {
  if (error instanceof UniqueConstraintError) return true;
  if (error === null || typeof error !== 'object') return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (code === '23505') return true;
  return code === 'SQLITE_CONSTRAINT' && typeof message === 'string' && /UNIQUE constraint failed|PRIMARY KEY must be unique/.test(message);
}
