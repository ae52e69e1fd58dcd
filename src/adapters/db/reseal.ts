import { QueryTypes } from 'sequelize';
import type { SecretBox } from '../../domain/ports/secret-box';
import type { Logger } from '../logging/logger';
import type { Database } from './database';
import { SEALED_COLUMNS, type SealedColumn } from './sealed-columns';

export interface ResealResult {
  table: string;
  column: string;
  /** Values that were sealed under an older master key and are now sealed under the current one. */
  resealed: number;
  /** Values that were already sealed under the current master key. */
  alreadyCurrent: number;
  /**
   * Values that changed between our read and our write (a running app wrote them): left as the app
   * wrote them. A rerun checks them again.
   */
  skipped: number;
}

export interface ResealOptions {
  /** Rows read (and written, in one transaction) at a time. */
  batchSize?: number;
  /** The sealed columns to walk; every one in SEALED_COLUMNS unless a test narrows it. */
  columns?: readonly SealedColumn[];
  /**
   * Migration 0200 only: also re-seal values sealed with the column's legacy (`:`-joined) context, under
   * the current context. Every value is then opened, not only those under an older key.
   */
  fromLegacyContexts?: boolean;
}

/** A sealed value that opens under no configured master key. Names the row, never the value. */
export class ResealError extends Error {
  constructor(
    readonly table: string,
    readonly column: string,
    readonly rowKeys: Record<string, unknown>,
    reason: string,
  ) {
    const keys = Object.entries(rowKeys)
      .map(([name, value]) => `${name}=${JSON.stringify(value)}`)
      .join(', ');
    super(
      `${table}.${column} of the row ${keys} does not open under any configured master key (${reason}). ` +
        'Set TWOFOLD_PREVIOUS_MASTER_KEYS (or credentials/previous-master.keys) to include the key it was sealed under, then rerun.',
    );
    this.name = 'ResealError';
  }
}

const DEFAULT_BATCH_SIZE = 500;

/**
 * Re-seals, under the current master key, every sealed value that is still sealed under an older
 * one (see SEALED_COLUMNS), with the same context as before. `npm run rotate-master-key` runs it.
 *
 * Safe beside a running app: each write is `UPDATE … WHERE <row keys> AND <column> = <value read>`,
 * so a value the app rewrote meanwhile is left alone (counted as skipped). Idempotent and resumable:
 * rows are walked in key order, batch by batch, each batch in one transaction; after a crash a rerun
 * finds the values still under the old key and finishes the job. A value that opens under no
 * configured key stops the run with a ResealError before anything of its batch is written.
 */
export async function resealAll(database: Database, secretBox: SecretBox, logger: Logger, options: ResealOptions = {}): Promise<ResealResult[]> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batchSize must be a positive whole number, not ${batchSize}`);
  const results: ResealResult[] = [];
  const fromLegacy = options.fromLegacyContexts ?? false;
  // Re-sealing from legacy contexts (migration 0200) concerns only the columns that had them: the others' tables come later.
  for (const sealedColumn of (options.columns ?? SEALED_COLUMNS).filter((column) => !fromLegacy || column.legacyContext !== undefined)) {
    results.push(await resealColumn(database, secretBox, logger, sealedColumn, batchSize, options.fromLegacyContexts ?? false));
  }
  return results;
}

async function resealColumn(
  database: Database,
  secretBox: SecretBox,
  logger: Logger,
  sealed: SealedColumn,
  batchSize: number,
  fromLegacyContexts: boolean,
): Promise<ResealResult> {
  const { sequelize } = database;
  const quote = (identifier: string) => sequelize.getQueryInterface().quoteIdentifier(identifier);
  const table = quote(sealed.table);
  const column = quote(sealed.column);
  const keys = sealed.keyColumns.map(quote);
  const result: ResealResult = { table: sealed.table, column: sealed.column, resealed: 0, alreadyCurrent: 0, skipped: 0 };

  // Whole rows: a column's context is derived from its row (SealedColumn.context), not only from the keys.
  const select = (after: boolean) =>
    `SELECT * FROM ${table}` + (after ? ` WHERE ${keysetAfter(keys)}` : '') + ` ORDER BY ${keys.join(', ')} LIMIT ${batchSize}`;
  const update = `UPDATE ${table} SET ${column} = :newValue WHERE ${keys.map((key, i) => `${key} = :k${i}`).join(' AND ')} AND ${column} = :oldValue`;

  let last: unknown[] | undefined;
  for (;;) {
    const replacements: Record<string, unknown> = {};
    last?.forEach((value, i) => (replacements[`a${i}`] = value));
    const rows = await sequelize.query<Record<string, unknown>>(select(last !== undefined), {
      type: QueryTypes.SELECT,
      replacements,
    });
    if (rows.length === 0) break;

    // Open everything of the batch first: a value that does not open stops the run before any write.
    const changes: { keyValues: unknown[]; oldValue: string; newValue: string }[] = [];
    for (const row of rows) {
      const value = row[sealed.column];
      if (typeof value !== 'string') continue; // sealed columns are NOT NULL; nothing to re-seal otherwise
      const olderKey = secretBox.isSealedUnderOlderKey(value);
      if (!olderKey && !fromLegacyContexts) {
        result.alreadyCurrent += 1;
        continue;
      }
      const context = sealed.context(row);
      let plaintext: string;
      let legacy = false;
      try {
        plaintext = secretBox.open(value, context);
      } catch (error) {
        if (!fromLegacyContexts) throw resealError(sealed, row, error);
        try {
          if (sealed.legacyContext === undefined) throw resealError(sealed, row, error);
          plaintext = secretBox.open(value, sealed.legacyContext(row));
          legacy = true;
        } catch {
          throw resealError(sealed, row, error);
        }
      }
      if (!olderKey && !legacy) {
        result.alreadyCurrent += 1;
        continue;
      }
      changes.push({ keyValues: sealed.keyColumns.map((name) => row[name]), oldValue: value, newValue: secretBox.seal(plaintext, context) });
    }

    if (changes.length > 0) {
      await sequelize.transaction(async (transaction) => {
        for (const change of changes) {
          const params: Record<string, unknown> = { newValue: change.newValue, oldValue: change.oldValue };
          change.keyValues.forEach((value, i) => (params[`k${i}`] = value));
          const affected = await sequelize.query(update, { type: QueryTypes.BULKUPDATE, replacements: params, transaction });
          if (affected === 1) result.resealed += 1;
          else result.skipped += 1;
        }
      });
    }
    logger.debug({ table: sealed.table, column: sealed.column, rows: rows.length, resealed: result.resealed }, 're-seal batch written');

    const lastRow = rows[rows.length - 1];
    if (lastRow === undefined) break;
    last = sealed.keyColumns.map((name) => lastRow[name]);
    if (rows.length < batchSize) break;
  }
  if (result.skipped > 0) {
    logger.warn(
      { table: sealed.table, column: sealed.column, skipped: result.skipped },
      'values changed while being re-sealed were left as written; rerun to check them',
    );
  }
  return result;
}

function resealError(sealed: SealedColumn, row: Record<string, unknown>, error: unknown): ResealError {
  const rowKeys = Object.fromEntries(sealed.keyColumns.map((name) => [name, row[name]]));
  return new ResealError(sealed.table, sealed.column, rowKeys, (error as Error).message);
}

/** Keyset pagination: rows strictly after `(:a0, :a1, …)` in `ORDER BY k0, k1, …` order. */
function keysetAfter(keys: string[]): string {
  const alternatives = keys.map((key, i) => {
    const equal = keys.slice(0, i).map((previous, j) => `${previous} = :a${j}`);
    return `(${[...equal, `${key} > :a${i}`].join(' AND ')})`;
  });
  return `(${alternatives.join(' OR ')})`;
}
