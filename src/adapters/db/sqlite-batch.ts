import { createHash } from 'node:crypto';
import type { Params, Statement } from './sql';

/** The message of the RAISE that ends a batch whose guard changed nothing. */
const GUARD_CHANGED_NOTHING = 'twofold: the guard changed no row';

/** node-sqlite3's `Database`, as far as a batch needs it. */
interface SqliteExec {
  exec(sql: string, callback: (error: Error | null) => void): void;
}

/**
 * SQLite: statements run as one statement (`Sql.changedThen`), a guard first: an INSERT into a TEMP view
 * whose INSTEAD OF trigger runs them, each statement's `:name` parameters becoming the view's columns
 * (`NEW.p<index>_<name>` in the trigger), bound as the INSERT's values. A guard that changed no row RAISEs,
 * which undoes the statement. The view and trigger are made from the statements' SQL on each connection
 * that runs them (TEMP objects live with their connection): nothing is stored in the schema, so they can
 * never differ from the code that runs them.
 */
export interface SqliteBatch {
  /** The INSERT that runs the batch (`:column` parameters). */
  readonly insert: string;
  /** The INSERT's parameters, from the statements' own. */
  params(parts: readonly Statement[]): Params;
  /** Makes the view and trigger on `connection`, the first time the batch runs there. */
  madeOn(connection: SqliteExec): Promise<void>;
}

const batches = new Map<string, SqliteBatch>();

/** The batch of these statements (the first is the guard), made once per process. */
export function sqliteBatch(sqls: readonly string[]): SqliteBatch {
  const key = sqls.join('\u0000');
  let batch = batches.get(key);
  if (!batch) {
    batch = makeBatch(key, sqls);
    batches.set(key, batch);
  }
  return batch;
}

/** Whether `error` is a batch's guard that changed nothing (nothing was written). */
export function isGuardRefusal(error: unknown): boolean {
  return error instanceof Error && error.message.includes(GUARD_CHANGED_NOTHING);
}

function makeBatch(key: string, sqls: readonly string[]): SqliteBatch {
  const name = `twofold_batch_${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
  // Per statement: its parameter names, and the column of the view each is bound to.
  const columns: Array<Array<[parameter: string, column: string]>> = [];
  const bodies = sqls.map((sql, index) => {
    const own: Array<[string, string]> = [];
    columns.push(own);
    return sql.replace(/(?<!:):([A-Za-z_][A-Za-z0-9_]*)/g, (_match, parameter: string) => {
      const column = `p${index}_${parameter}`;
      if (!own.some(([, existing]) => existing === column)) own.push([parameter, column]);
      return `NEW.${column}`;
    });
  });
  const all = columns.flat().map(([, column]) => column);
  const ddl = [
    `CREATE TEMP VIEW IF NOT EXISTS ${name} AS SELECT ${all.map((column) => `NULL AS ${column}`).join(', ')};`,
    `CREATE TEMP TRIGGER IF NOT EXISTS ${name}_run INSTEAD OF INSERT ON ${name} BEGIN`,
    `${bodies[0]};`,
    `SELECT RAISE(ABORT, '${GUARD_CHANGED_NOTHING}') WHERE changes() <> 1;`,
    ...bodies.slice(1).map((body) => `${body};`),
    'END;',
  ].join('\n');
  const madeOn = new WeakSet<SqliteExec>();
  return {
    insert: `INSERT INTO ${name} (${all.join(', ')}) VALUES (${all.map((column) => `:${column}`).join(', ')})`,
    params(parts) {
      const params: Params = {};
      parts.forEach((part, index) => {
        for (const [parameter, column] of columns[index] ?? []) {
          if (!(parameter in part.params)) throw new Error(`SQL parameter :${parameter} has no value`);
          params[column] = part.params[parameter];
        }
      });
      return params;
    },
    async madeOn(connection) {
      if (madeOn.has(connection)) return;
      await new Promise<void>((resolve, reject) => connection.exec(ddl, (error) => (error ? reject(error) : resolve())));
      madeOn.add(connection);
    },
  };
}
