import type { Sequelize, Transaction } from 'sequelize';
import { Sql, type Statements } from './sql';

/**
 * One transaction, and what runs in it: its statements (`statements`, the same typed way as the
 * pool's `Sql`) and, for the schema's model operations, the Sequelize transaction. Repositories
 * that take part in a larger write are created from it (`auditLogIn(unit)`,
 * `failureCountersIn(unit)`, `backupCodeSetIn(unit)`), so that a command spanning several tables
 * asks each table's own repository for its part instead of running the other tables' SQL.
 * Made only by `inUserTransaction` (user-transaction.ts), which holds the per-user lock.
 */
export class UnitOfWork {
  readonly statements: Statements;

  constructor(
    readonly sequelize: Sequelize,
    readonly transaction: Transaction,
  ) {
    this.statements = Sql.for(sequelize).in(transaction);
  }
}
