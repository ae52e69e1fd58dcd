import { resealAll } from '../reseal';
import { SEALED_COLUMNS } from '../sealed-columns';
import type { Migration } from './migration';

/**
 * Sealing contexts (a sealed value's associated data) used to join their parts with `:`, which an
 * Atlassian accountId contains; they are now JSON arrays (sealed-columns.ts). This re-seals every
 * sealed value still bound to its old context under the new one, through the master-key rotation's
 * machinery (reseal.ts): batch by batch, resumable, and it stops, naming the row, at a value that opens
 * under neither context. After it, nothing opens a value with an old context.
 */
export const unambiguousSealingContexts: Migration = {
  name: '0200-unambiguous-sealing-contexts',
  async up(_qi, { database, secretBox, logger }) {
    if (secretBox === undefined) {
      if (await anySealedRow(_qi)) {
        throw new Error('0200-unambiguous-sealing-contexts re-seals stored secrets and needs the master key: pass the SecretBox to migrate()');
      }
      return; // a fresh database: nothing sealed yet, nothing to re-seal
    }
    const results = await resealAll(database, secretBox, logger, { fromLegacyContexts: true });
    for (const result of results) {
      logger.info({ ...result }, `${result.table}.${result.column}: ${result.resealed} re-sealed with the unambiguous context`);
    }
  },
  async down() {
    // The old contexts were ambiguous; there is no going back to them.
    throw new Error('0200-unambiguous-sealing-contexts cannot be undone');
  },
};

async function anySealedRow(qi: Parameters<Migration['up']>[0]): Promise<boolean> {
  for (const table of new Set(SEALED_COLUMNS.filter((sealed) => sealed.legacyContext !== undefined).map((sealed) => sealed.table))) {
    const [rows] = await qi.sequelize.query(`SELECT 1 FROM ${qi.quoteIdentifier(table)} LIMIT 1`);
    if (rows.length > 0) return true;
  }
  return false;
}
