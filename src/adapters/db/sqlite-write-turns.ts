import type { Sequelize } from 'sequelize';

/** How long a write outside a transaction waits for its turn: SQLite's own busy timeout (sqlite-driver.ts). */
const SHARED_WAIT_MS = 5_000;

type Waiter = { exclusive: boolean; grant: () => void };

/**
 * SQLite's one write lock, taken in turns inside the process, so that no statement of ours waits for
 * another of ours in SQLite's busy handler.
 *
 * Why: a statement waiting in the busy handler holds one of libuv's four threads and its connection's
 * mutex, and the statements queued behind it on the same connection hold threads too. A plain write on
 * the shared connection (an audit entry) that waited so for a transaction on another connection left the
 * transaction no thread to commit on; the write timed out after 5 s (SQLITE_BUSY, a 500 to one of 16
 * concurrent first set-ups).
 *
 * - exclusive: a transaction that writes (`BEGIN IMMEDIATE`), on its own connection or on the shared
 *   one. One at a time, first come first served.
 * - shared: a single write outside a transaction, on the shared connection. Any number at once (SQLite
 *   runs them one after another on that connection, each briefly holding the lock), never while a
 *   transaction holds its turn; a write that came after a waiting transaction waits behind it, so that
 *   neither kind can starve the other.
 *
 * A shared turn waits at most SQLite's busy timeout: a write made, by mistake, inside a transaction's
 * work would otherwise wait for that very transaction forever; it fails as SQLite would have failed it.
 */
export class SqliteWriteTurns {
  private exclusiveHeld = false;
  private sharedHeld = 0;
  private readonly waiting: Waiter[] = [];

  constructor(private readonly sharedWaitMs = SHARED_WAIT_MS) {}

  /** Runs `work` holding the exclusive turn. */
  async exclusive<T>(work: () => Promise<T>): Promise<T> {
    if (this.exclusiveHeld || this.sharedHeld > 0 || this.waiting.length > 0) {
      await new Promise<void>((grant) => this.waiting.push({ exclusive: true, grant }));
    } else {
      this.exclusiveHeld = true;
    }
    try {
      return await work();
    } finally {
      this.exclusiveHeld = false;
      this.grantNext();
    }
  }

  /** Takes a shared turn; call the answer once the write has ended, failed or not. */
  async shared(): Promise<() => void> {
    if (!this.exclusiveHeld && this.waiting.length === 0) {
      this.sharedHeld += 1;
    } else {
      await new Promise<void>((resolve, reject) => {
        const waiter: Waiter = { exclusive: false, grant: () => (clearTimeout(timer), resolve()) };
        const timer = setTimeout(() => {
          this.waiting.splice(this.waiting.indexOf(waiter), 1);
          this.grantNext();
          reject(
            Object.assign(new Error(`SQLITE_BUSY: a write waited ${this.sharedWaitMs} ms for a transaction of this process to end`), { code: 'SQLITE_BUSY' }),
          );
        }, this.sharedWaitMs);
        this.waiting.push(waiter);
      });
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.sharedHeld -= 1;
      this.grantNext();
    };
  }

  /** Hands the turn to the waiters at the head of the line: one transaction, or every write up to the next transaction. */
  private grantNext(): void {
    if (this.exclusiveHeld) return;
    for (let next = this.waiting[0]; next !== undefined; next = this.waiting[0]) {
      if (next.exclusive) {
        if (this.sharedHeld > 0) return;
        this.waiting.shift();
        this.exclusiveHeld = true;
        next.grant();
        return;
      }
      this.waiting.shift();
      this.sharedHeld += 1;
      next.grant();
    }
  }
}

const turns = new WeakMap<Sequelize, SqliteWriteTurns>();

/** The one set of turns of a SQLite database (shared by its repositories and its `Sql`). */
export function sqliteWriteTurns(sequelize: Sequelize): SqliteWriteTurns {
  let found = turns.get(sequelize);
  if (!found) {
    found = new SqliteWriteTurns();
    turns.set(sequelize, found);
  }
  return found;
}
