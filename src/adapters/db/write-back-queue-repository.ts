import type { Sequelize } from 'sequelize';
import type { QueuedChange, WriteBackQueue } from '../../domain/idmap/write-back-queue';
import { Sql } from './sql';
import type { JobTransaction } from '../../domain/jobs/job-kind';
import { unitOfJob } from './job-transaction';

/** The queue's removal in a job item's transaction (it commits with the item's outcome). */
export function writeBackQueueIn(transaction: JobTransaction): Pick<WriteBackQueue, 'remove'> {
  const { statements } = unitOfJob(transaction);
  return {
    async remove(tenant, change) {
      await statements.changed(REMOVE_SQL, { tenant, accountId: change.accountId, queuedMs: change.queuedMs });
    },
  };
}

const REMOVE_SQL = 'DELETE FROM sync_write_back WHERE client_key = :tenant AND account_id = :accountId AND queued_ms = :queuedMs';

/** The write-back queue (migration 0310): an upsert per change, keyset pages, a compare-and-delete. */
export class SequelizeWriteBackQueue implements WriteBackQueue {
  private readonly sql: Sql;

  constructor(sequelize: Sequelize) {
    this.sql = Sql.for(sequelize);
  }

  async add(tenant: string, accountId: string, queuedMs: number): Promise<void> {
    await this.sql.insert(
      `INSERT INTO sync_write_back (client_key, account_id, queued_ms) VALUES (:tenant, :accountId, :queuedMs)
       ON CONFLICT (client_key, account_id) DO UPDATE SET queued_ms = CASE WHEN sync_write_back.queued_ms < :queuedMs THEN :queuedMs ELSE sync_write_back.queued_ms + 1 END`,
      { tenant, accountId, queuedMs },
    );
  }

  async page(tenant: string, after: string | null, limit: number): Promise<QueuedChange[]> {
    const rows = await this.sql.select<{ account_id: string; queued_ms: string | number }>(
      after === null
        ? 'SELECT account_id, queued_ms FROM sync_write_back WHERE client_key = :tenant ORDER BY account_id LIMIT :limit'
        : 'SELECT account_id, queued_ms FROM sync_write_back WHERE client_key = :tenant AND account_id > :after ORDER BY account_id LIMIT :limit',
      { tenant, after, limit },
    );
    return rows.map((row) => ({ accountId: row.account_id, queuedMs: Number(row.queued_ms) }));
  }

  async remove(tenant: string, change: QueuedChange): Promise<void> {
    await this.sql.changed(REMOVE_SQL, {
      tenant,
      accountId: change.accountId,
      queuedMs: change.queuedMs,
    });
  }

  async tenantsWithChanges(limit: number): Promise<string[]> {
    const rows = await this.sql.select<{ client_key: string }>('SELECT DISTINCT client_key FROM sync_write_back ORDER BY client_key LIMIT :limit', { limit });
    return rows.map((row) => row.client_key);
  }
}
