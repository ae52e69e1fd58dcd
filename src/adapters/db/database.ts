import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Sequelize } from 'sequelize';
import type { Logger } from '../logging/logger';
import { sqliteDriver } from './sqlite-driver';

/** How often SQLite's WAL is copied back into the database file (`startCheckpoints`). */
const CHECKPOINT_EVERY_MS = 1000;

export type Dialect = 'sqlite' | 'postgres';

const beforeCloseTasks = new WeakMap<Sequelize, Array<() => Promise<void>>>();

/** Work to do before the database closes (e.g. finalizing prepared SQLite statements, which would block it). */
export function beforeDatabaseCloses(sequelize: Sequelize, task: () => Promise<void>): void {
  const tasks = beforeCloseTasks.get(sequelize) ?? [];
  tasks.push(task);
  beforeCloseTasks.set(sequelize, tasks);
}

export interface Database {
  sequelize: Sequelize;
  dialect: Dialect;
  /** For Postgres: the connection string, for the LISTEN connection. */
  url: string;
  ping(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens `sqlite:<path>` (the embedded default, file created on first start) or `postgres://…`.
 * SQLite runs in WAL mode with a busy timeout so that the rollout and sync jobs can write while
 * pages read.
 */
export async function openDatabase(url: string, logger: Logger): Promise<Database> {
  const logging = (sql: string) => logger.trace({ sql }, 'sql');
  let sequelize: Sequelize;
  let dialect: Dialect;
  let stopCheckpoints = async () => {};
  if (url.startsWith('sqlite:')) {
    const storage = url.slice('sqlite:'.length) || ':memory:';
    if (storage !== ':memory:') mkdirSync(dirname(storage), { recursive: true });
    // The driver sets busy_timeout and synchronous on every connection, a transaction's own included
    // (sqlite-driver.ts says why).
    sequelize = new Sequelize({ dialect: 'sqlite', dialectModule: sqliteDriver, storage, logging, pool: { max: 1, idle: 60_000 } });
    dialect = 'sqlite';
    await sequelize.query('PRAGMA journal_mode = WAL');
    await sequelize.query('PRAGMA foreign_keys = ON');
    stopCheckpoints = startCheckpoints(sequelize, CHECKPOINT_EVERY_MS, (error) => logger.warn({ err: error }, 'SQLite WAL checkpoint failed'));
  } else {
    sequelize = new Sequelize(url, { dialect: 'postgres', logging, pool: { max: 10, min: 0, idle: 10_000, acquire: 10_000 } });
    dialect = 'postgres';
  }
  await sequelize.authenticate();

  return {
    sequelize,
    dialect,
    url,
    async ping(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`database did not answer within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        await Promise.race([sequelize.query('SELECT 1'), timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      await stopCheckpoints();
      for (const task of beforeCloseTasks.get(sequelize) ?? []) await task();
      await sequelize.close();
    },
  };
}

/**
 * Copies SQLite's WAL back into the database file every `everyMs`, off the request path: every
 * connection has its automatic checkpoint off (sqlite-driver.ts), which otherwise ran inside whichever
 * commit crossed 1,000 pages. `PRAGMA wal_checkpoint(PASSIVE)` waits for no reader or writer (what it
 * cannot copy yet waits for the next round) and runs on node-sqlite3's thread pool. Answers its stop.
 */
function startCheckpoints(sequelize: Sequelize, everyMs: number, onError: (error: unknown) => void): () => Promise<void> {
  let last: Promise<unknown> = Promise.resolve();
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    last = sequelize
      .query('PRAGMA wal_checkpoint(PASSIVE)')
      .catch(onError)
      .finally(() => (running = false));
  }, everyMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await last;
  };
}
