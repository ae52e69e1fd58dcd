import sqlite3 from 'sqlite3';

/**
 * The pragmas every SQLite connection needs, run before Sequelize gets the connection.
 *
 * Why on every connection and not once: Sequelize's sqlite dialect opens a connection of its own for
 * each transaction (keyed by the transaction's id, sequelize/lib/dialects/sqlite/connection-manager.js)
 * and skips the pool and its `afterConnect` hook. Set once on the default connection, a transaction
 * ran with node-sqlite3's defaults: no busy timeout (SQLITE_BUSY at once when another connection
 * writes) and a full fsync at every commit.
 *
 * - `busy_timeout = 5000`: a writer waits up to 5 s for another connection's write lock, so that the
 *   rollout and sync jobs can write while pages read and verify.
 * - `synchronous = NORMAL`: in WAL mode crash-safe (never corrupts) and syncs at checkpoints instead
 *   of at every commit; it halves the cost of POST /api/v1/me/verify under load (bench/verify.ts).
 *   The price: the last commits before a power loss may roll back.
 *   @see https://www.sqlite.org/pragma.html#pragma_synchronous
 *
 * - `wal_autocheckpoint = 0`: no commit copies the WAL back into the database file on the request
 *   path; database.ts does it on a timer (`startCheckpoints`), where a page written many times
 *   between two rounds is copied once.
 *
 * (`journal_mode = WAL` is a property of the database file, set once in database.ts; Sequelize itself
 * turns foreign keys on for each connection.)
 */
export const CONNECTION_PRAGMAS = 'PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 0;';

type OpenCallback = (error: Error | null) => void;

/** node-sqlite3's `Database`, whose open callback fires only once the pragmas are in force. */
class PragmaDatabase extends sqlite3.Database {
  constructor(filename: string, mode?: number | OpenCallback, callback?: OpenCallback) {
    const done = typeof mode === 'function' ? mode : callback;
    const opened: OpenCallback = (error) => {
      if (error) return done?.(error);
      this.exec(CONNECTION_PRAGMAS, (pragmaError) => done?.(pragmaError ?? null));
    };
    if (typeof mode === 'number') super(filename, mode, opened);
    else super(filename, opened);
  }
}

/** The driver module for Sequelize's `dialectModule` option: node-sqlite3 with `PragmaDatabase`. */
export const sqliteDriver = { ...sqlite3, Database: PragmaDatabase };
