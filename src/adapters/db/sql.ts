import { createHash } from 'node:crypto';
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import { beforeDatabaseCloses } from './database';
import { isGuardRefusal, sqliteBatch, type SqliteBatch } from './sqlite-batch';
import { sqliteWriteTurns, type SqliteWriteTurns } from './sqlite-write-turns';

export type Params = Record<string, unknown>;

interface SqliteStatement {
  finalize(callback: () => void): void;
  reset(callback: () => void): void;
  all(params: unknown[], callback: (error: Error | null, rows: unknown[]) => void): void;
  run(params: unknown[], callback: (this: { changes: number }, error: Error | null) => void): void;
}

interface SqliteConnection {
  exec(sql: string, callback: (error: Error | null) => void): void;
  prepare(sql: string, callback: (error: Error | null) => void): SqliteStatement;
  all(sql: string, params: unknown[], callback: (error: Error | null, rows: unknown[]) => void): void;
  run(sql: string, params: unknown[], callback: (this: { changes: number }, error: Error | null) => void): void;
}

interface PgConnection {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[]; rowCount: number | null }>;
}

/** A statement with its parameters, as a value: a repository's part in a larger write (`changedThen`). */
export interface Statement {
  readonly sql: string;
  readonly params: Params;
}

/** The statements of a unit of work (unit-of-work.ts), the same shape as `Sql`'s own. */
export interface Statements {
  select<T extends object>(sql: string, params: Params): Promise<T[]>;
  changed(sql: string, params: Params): Promise<number>;
  insert(sql: string, params: Params): Promise<void>;
}

interface Compiled {
  text: string;
  /**
   * Postgres: the statement's name on each connection (node-postgres prepares a named statement once per
   * connection, then sends only Bind and Execute): Postgres parses and plans a hot statement once per
   * connection instead of on every call. Named after the SQL, so one name is always one text.
   */
  name: string;
  names: string[];
  /** Anything but a plain SELECT (an upsert with RETURNING is read through `select`). */
  writes: boolean;
}

/** Sequelize query types that only read. */
const READ_TYPES = new Set<string>([
  QueryTypes.SELECT,
  QueryTypes.SHOWTABLES,
  QueryTypes.SHOWINDEXES,
  QueryTypes.DESCRIBE,
  QueryTypes.FOREIGNKEYS,
  QueryTypes.VERSION,
]);

/**
 * Plain parameterised SQL on the driver connection of Sequelize's own pool, for the few statements on
 * the verification hot path (`POST /api/v1/me/verify` runs three of them on a success).
 *
 * Why not `sequelize.query`: per statement it builds and formats an Error stack (through source maps
 * when run with tsx), parses the SQL for replacements, wraps SQLite calls in `serialize()` and
 * post-processes results, which costs three to four times the statement itself. Here a statement is
 * compiled once (`:name` placeholders become `?` or `$n`), values are bound by the driver (never
 * concatenated), and the connection comes from and goes back to the same pool through Sequelize's
 * public `connectionManager`, so pool limits, SQLite's pragmas and Postgres' search_path all apply.
 *
 * Values: dates are written as Sequelize writes DATE columns (SQLite: `YYYY-MM-DD HH:MM:SS.mmm +00:00`
 * text; Postgres: timestamptz); read back, SQLite dates are text and Postgres BIGINTs are strings,
 * which the repositories convert (models/mfa-models.ts `toDate`, `toNumber`).
 */
const instances = new WeakMap<Sequelize, Sql>();

export class Sql {
  private readonly compiled = new Map<string, Compiled>();
  /**
   * SQLite statements prepared once per connection: node-sqlite3's `db.run(sql)` prepares and
   * finalizes a new statement on every call, which was the largest single cost of verify under load.
   * A prepared statement queues concurrent uses and resets itself between them.
   */
  private readonly prepared = new WeakMap<SqliteConnection, Map<string, SqliteStatement>>();
  private readonly openStatements = new Set<SqliteStatement>();
  private readonly postgres: boolean;
  /** SQLite: the end of the `transaction` open on the shared connection; every other statement waits for it. */
  private exclusive: Promise<void> | null = null;
  /** SQLite: statements running on the shared connection outside a transaction (Sequelize's too). */
  private running = 0;
  /** SQLite: a `transaction` waiting for `running` to reach 0 before its BEGIN. */
  private drained: (() => void) | null = null;
  /** SQLite: the database's write lock, taken in turns by every writer of this process (sqlite-write-turns.ts). */
  private readonly turns: SqliteWriteTurns | null;
  /** SQLite: the shared turn each write through Sequelize outside a transaction holds while it runs. */
  private readonly heldTurns = new WeakMap<object, () => void>();
  /** SQLite: Sequelize's statements counted in `running` (one whose turn timed out never was). */
  private readonly counted = new WeakSet<object>();

  private constructor(private readonly sequelize: Sequelize) {
    this.postgres = sequelize.getDialect() === 'postgres';
    this.turns = this.postgres ? null : sqliteWriteTurns(sequelize);
    if (this.turns) {
      const turns = this.turns;
      beforeDatabaseCloses(sequelize, () => this.finalizeStatements());
      // Sequelize's own statements outside a transaction share the connection too: they wait as well,
      // and are counted while they run; those that write take their turn first.
      sequelize.addHook('beforeQuery', async (options, query) => {
        if (options.transaction) return;
        if (!READ_TYPES.has(String(options.type))) this.heldTurns.set(query, await turns.shared());
        while (this.exclusive) await this.exclusive;
        this.running += 1;
        this.counted.add(query);
      });
      // (Sequelize runs this one also when `beforeQuery` threw.)
      sequelize.addHook('afterQuery', (options, query) => {
        if (options.transaction) return;
        if (this.counted.delete(query)) this.finished();
        this.heldTurns.get(query)?.();
      });
    }
  }

  /** A statement outside a transaction has finished on SQLite's shared connection. */
  private finished(): void {
    // (Never below 0: a statement already running when the hooks were added is not counted.)
    this.running = Math.max(0, this.running - 1);
    if (this.running === 0) this.drained?.();
  }

  /** One instance per database, so that its prepared statements are shared by every repository. */
  static for(sequelize: Sequelize): Sql {
    let sql = instances.get(sequelize);
    if (!sql) {
      sql = new Sql(sequelize);
      instances.set(sequelize, sql);
    }
    return sql;
  }

  /** SQLite refuses to close with statements still prepared. */
  private async finalizeStatements(): Promise<void> {
    const all = [...this.openStatements];
    this.openStatements.clear();
    await Promise.all(all.map((statement) => new Promise<void>((resolve) => statement.finalize(() => resolve()))));
  }

  /** A SELECT on the pool. */
  async select<T extends object>(sql: string, params: Params): Promise<T[]> {
    return (await this.execute(sql, params, 'rows')) as T[];
  }

  /** An UPDATE or DELETE on the pool; answers the number of rows it changed. */
  async changed(sql: string, params: Params): Promise<number> {
    return (await this.execute(sql, params, 'count')) as number;
  }

  /** An INSERT (or upsert) on the pool whose result is not needed. */
  async insert(sql: string, params: Params): Promise<void> {
    await this.execute(sql, params, 'count');
  }

  /**
   * `guard` (a conditional UPDATE) and, if it changed exactly one row, `rest`, atomically: all of
   * them, or nothing when the guard changed no row. Answers whether it did.
   * - SQLite: one statement, one call to the driver (each call is a hop to a libuv thread and back): an
   *   INSERT whose trigger runs the statements (sqlite-batch.ts).
   * - Postgres: a `transaction` (a hot path writes one statement of data-modifying CTEs instead).
   */
  async changedThen(guard: Statement, rest: readonly Statement[]): Promise<boolean> {
    const parts = [guard, ...rest];
    if (this.postgres) {
      return this.transaction(async (statements) => {
        if ((await statements.changed(guard.sql, guard.params)) !== 1) return false;
        for (const part of rest) await statements.changed(part.sql, part.params);
        return true;
      });
    }
    const batch = sqliteBatch(parts.map((part) => part.sql));
    try {
      await this.execute(batch.insert, batch.params(parts), 'count', batch);
      return true;
    } catch (error) {
      if (isGuardRefusal(error)) return false;
      throw error;
    }
  }

  /**
   * The same three statements inside `transaction` (unit-of-work.ts), through Sequelize's public
   * `query` with bound parameters (`$n`), on the connection Sequelize holds for the transaction.
   * This pays Sequelize's per-statement cost, but only on the rarer transactional writes (backup-code
   * redemption, activation, set replacement), never on the TOTP verify or status reads; it replaces
   * reading the driver connection out of the transaction (`transaction.connection`, not public API).
   */
  in(transaction: Transaction): Statements {
    const run = async (sql: string, params: Params, type: QueryTypes): Promise<unknown> => {
      const { text, names } = this.compile(sql, true);
      const bind = names.map((name) => {
        if (!(name in params)) throw new Error(`SQL parameter :${name} has no value`);
        return this.toDriver(params[name]);
      });
      return this.sequelize.query(text, { bind, transaction, type, raw: true });
    };
    return {
      select: async <T extends object>(sql: string, params: Params) => (await run(sql, params, QueryTypes.SELECT)) as T[],
      // BULKUPDATE answers the affected-row count on both dialects (UPDATE and DELETE alike).
      changed: async (sql: string, params: Params) => Number(await run(sql, params, QueryTypes.BULKUPDATE)),
      insert: async (sql: string, params: Params) => {
        await run(sql, params, QueryTypes.RAW);
      },
    };
  }

  /**
   * Runs `work` as one transaction on the pool's connection, committed before this resolves, rolled
   * back if `work` throws: for a hot-path write of several tables that must succeed or fail as one
   * (a TOTP step's acceptance with its session and audit entry). Cheaper than a unit of work
   * (unit-of-work.ts), whose statements pay Sequelize's per-statement cost, and it takes no lock of
   * its own: make the first statement the one that decides (a conditional UPDATE).
   * - SQLite: `BEGIN IMMEDIATE` on the connection every pool statement shares; until the transaction
   *   ends, every other statement of this process, Sequelize's included, waits, so that none of them
   *   joins it. Keep `work` to its statements.
   * - Postgres: `BEGIN` … `COMMIT` on one connection of the pool.
   */
  async transaction<T>(work: (statements: Statements) => Promise<T>): Promise<T> {
    return this.turns ? this.turns.exclusive(() => this.transactionNow(work)) : this.transactionNow(work);
  }

  private async transactionNow<T>(work: (statements: Statements) => Promise<T>): Promise<T> {
    let end = () => {};
    if (!this.postgres) {
      // Check and claim with no await between, then let the statements already running finish.
      while (this.exclusive) await this.exclusive;
      this.exclusive = new Promise<void>((resolve) => (end = resolve));
      if (this.running > 0) await new Promise<void>((resolve) => (this.drained = resolve));
      this.drained = null;
    }
    const manager = this.sequelize.connectionManager;
    let connection: unknown;
    try {
      connection = await manager.getConnection({ type: 'write' });
      const statements: Statements = {
        select: async <R extends object>(sql: string, params: Params) => (await this.on(connection, sql, params, 'rows')) as R[],
        changed: async (sql: string, params: Params) => (await this.on(connection, sql, params, 'count')) as number,
        insert: async (sql: string, params: Params) => {
          await this.on(connection, sql, params, 'count');
        },
      };
      try {
        await this.on(connection, this.postgres ? 'BEGIN' : 'BEGIN IMMEDIATE', {}, 'count');
        const result = await work(statements);
        await this.on(connection, 'COMMIT', {}, 'count');
        return result;
      } catch (error) {
        // Whatever failed (BEGIN, a statement, COMMIT), no transaction stays open on the connection.
        await this.on(connection, 'ROLLBACK', {}, 'count').catch(() => undefined);
        throw error;
      }
    } finally {
      if (connection !== undefined) manager.releaseConnection(connection as never);
      this.exclusive = null;
      end();
    }
  }

  private async execute(sql: string, params: Params, want: 'rows' | 'count', batch?: SqliteBatch): Promise<unknown[] | number> {
    const manager = this.sequelize.connectionManager;
    const connection = (await manager.getConnection({ type: 'write' })) as unknown;
    if (this.postgres) {
      try {
        return await this.on(connection, sql, params, want);
      } finally {
        manager.releaseConnection(connection as never);
      }
    }
    // SQLite: one shared connection; a write takes its turn, then every statement waits out a
    // transaction on the connection and is counted while it runs.
    const release = this.turns && this.compile(sql).writes ? await this.turns.shared() : () => {};
    try {
      while (this.exclusive) await this.exclusive;
      this.running += 1;
      try {
        if (batch) await batch.madeOn(connection as SqliteConnection);
        return await this.on(connection, sql, params, want);
      } finally {
        this.finished();
      }
    } finally {
      release();
    }
  }

  /** One statement on a driver connection of the pool. */
  private async on(connection: unknown, sql: string, params: Params, want: 'rows' | 'count'): Promise<unknown[] | number> {
    const { text, names, name } = this.compile(sql);
    const values = names.map((parameter) => {
      if (!(parameter in params)) throw new Error(`SQL parameter :${parameter} has no value`);
      return this.toDriver(params[parameter]);
    });
    if (this.postgres) {
      const result = await (connection as PgConnection).query({ name, text, values });
      return want === 'rows' ? result.rows : (result.rowCount ?? 0);
    }
    const statement = this.statement(connection as SqliteConnection, text);
    // A cached statement that failed part-way (SQLITE_BUSY, say) is left un-reset by the driver: it would
    // hold its read transaction, and with it a stale snapshot that fails every later write of the shared
    // connection at once (SQLITE_BUSY) and blocks checkpoints, until that very SQL happens to run again.
    const failed = (reject: (error: Error) => void, error: Error) => statement.reset(() => reject(error));
    if (want === 'rows') {
      return await new Promise<unknown[]>((resolve, reject) => statement.all(values, (error, rows) => (error ? failed(reject, error) : resolve(rows))));
    }
    return await new Promise<number>((resolve, reject) =>
      statement.run(values, function (error) {
        if (error) failed(reject, error);
        else resolve(this.changes);
      }),
    );
  }

  private statement(connection: SqliteConnection, text: string): SqliteStatement {
    let statements = this.prepared.get(connection);
    if (!statements) {
      statements = new Map();
      this.prepared.set(connection, statements);
    }
    let statement = statements.get(text);
    if (!statement) {
      const cache = statements;
      // A failed prepare also fails the queued call (its callback gets the error); forget the statement
      // so that the next call prepares afresh.
      const prepared: SqliteStatement = connection.prepare(text, (error) => {
        if (!error) return;
        cache.delete(text);
        this.openStatements.delete(prepared);
      });
      statement = prepared;
      statements.set(text, statement);
      this.openStatements.add(statement);
    }
    return statement;
  }

  /** `:name` → `?` (SQLite) or `$n` (Postgres, and Sequelize's bind); `::type` casts are left alone. */
  private compile(sql: string, numbered = this.postgres): Compiled {
    const key = numbered ? `$${sql}` : sql;
    const known = this.compiled.get(key);
    if (known) return known;
    const names: string[] = [];
    const text = sql.replace(/(?<!:):([A-Za-z_][A-Za-z0-9_]*)/g, (_match, name: string) => {
      names.push(name);
      return numbered ? `$${names.length}` : '?';
    });
    const compiled = { text, names, name: `twofold_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`, writes: !/^\s*SELECT\b/i.test(sql) };
    this.compiled.set(key, compiled);
    return compiled;
  }

  private toDriver(value: unknown): unknown {
    if (value === undefined || value === null) return null;
    if (value instanceof Date) return this.postgres ? value : value.toISOString().replace('T', ' ').replace('Z', ' +00:00');
    if (typeof value === 'boolean') return this.postgres ? value : value ? 1 : 0;
    return value;
  }
}
