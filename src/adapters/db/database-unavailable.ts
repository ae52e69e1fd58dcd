import { ConnectionError } from 'sequelize';

/**
 * Driver and server codes that mean "the database cannot be reached or is going away", not "this statement
 * is wrong": Node's socket errors, Postgres' connection exceptions (class 08) and operator interventions
 * (57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now), and SQLite's "cannot open the
 * file" and "disk I/O error" (SQLITE_BUSY is left out: the busy timeout already waited for it).
 * @see https://www.postgresql.org/docs/current/errcodes-appendix.html
 */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  'SQLITE_CANTOPEN',
  'SQLITE_IOERR',
]);

const UNAVAILABLE_MESSAGES = /Connection terminated|connection is closed|Client has encountered a connection error|SQLITE_MISUSE: Database is closed/i;

/**
 * Whether `error` (or what it wraps: Sequelize keeps the driver's error as `parent`/`original`, and
 * ours as `cause`) says the database is unreachable. Such a failure is answered `503` and retried by the
 * caller; the pool opens new connections once the database is back, so the app recovers without a restart.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current !== null && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    if (current instanceof ConnectionError) return true;
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
    if (typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message)) return true;
    const next = current as { parent?: unknown; original?: unknown; cause?: unknown };
    current = next.parent ?? next.original ?? next.cause;
  }
  return false;
}
