import { Transaction, type Sequelize } from 'sequelize';
import { sqliteWriteTurns } from './sqlite-write-turns';
import { UnitOfWork } from './unit-of-work';

/**
 * Runs `work` in one unit of work (unit-of-work.ts): one transaction that no other write of the same user's second factor (credentials,
 * backup codes, session) overlaps, on any app instance.
 *
 * Why a lock and not just a transaction: under Postgres' READ COMMITTED a DELETE does not see rows
 * that another, still open, transaction inserts. Two overlapping "delete the set, insert a new one"
 * would both insert (20 valid backup codes), and two overlapping "delete the pending credential,
 * insert one" would both insert and the second hit the unique index (a 500). With the lock as the
 * transaction's first statement the second waits for the first to commit, and its DELETE, a new
 * statement with a new snapshot, then sees and removes what the first wrote: the last one wins.
 *
 * - Postgres: `pg_advisory_xact_lock(hashtext(tenant), hashtext(accountId))`, released at commit or
 *   rollback. A hash collision only makes two users wait for each other, never mixes their data.
 *   The two-key form is a key space of its own, apart from the migrations' one-key lock (migrate.ts).
 * - SQLite: `BEGIN IMMEDIATE` takes the database's one write lock at once, so no write of anyone
 *   overlaps, and no read snapshot can go stale before the first write. These transactions also wait
 *   their turn in the process (`inTurn`), not in SQLite's busy handler: each transaction has a
 *   connection of its own, and a connection waiting for the lock holds one of libuv's four threads,
 *   so a dozen waiting at once starved the holder of a thread to commit on (all of them timed out).
 *   The writes outside transactions take their turns too (sql.ts). SQLite serves one instance, so the
 *   process is the whole of the contention.
 */
export function inUserTransaction<T>(sequelize: Sequelize, tenant: string, accountId: string, work: (unit: UnitOfWork) => Promise<T>): Promise<T> {
  if (sequelize.getDialect() !== 'postgres') {
    return inTurn(sequelize, () => sequelize.transaction({ type: Transaction.TYPES.IMMEDIATE }, (transaction) => work(new UnitOfWork(sequelize, transaction))));
  }
  return sequelize.transaction(async (transaction) => {
    await sequelize.query('SELECT pg_advisory_xact_lock(hashtext(:tenant), hashtext(:accountId))', { replacements: { tenant, accountId }, transaction });
    return work(new UnitOfWork(sequelize, transaction));
  });
}

/**
 * Runs `work` in one transaction that takes no per-user lock (the durable jobs' writes: a job's rows,
 * an item's outcome). On SQLite it waits its turn with the user transactions above, for the same reason.
 */
export function inWriteTransaction<T>(sequelize: Sequelize, work: (transaction: Transaction) => Promise<T>): Promise<T> {
  if (sequelize.getDialect() !== 'postgres') {
    return inTurn(sequelize, () => sequelize.transaction({ type: Transaction.TYPES.IMMEDIATE }, work));
  }
  return sequelize.transaction(work);
}

/**
 * Runs `work` holding SQLite's write lock in turn with every other writer of this process
 * (sqlite-write-turns.ts), after every earlier transaction has finished, failed or not.
 */
function inTurn<T>(sequelize: Sequelize, work: () => Promise<T>): Promise<T> {
  return sqliteWriteTurns(sequelize).exclusive(work);
}
