import { InvariantError } from '../../domain/errors';
import type { JobTransaction } from '../../domain/jobs/job-kind';
import type { Statements } from './sql';

/**
 * The transaction of a job item (the runner's), as the domain's opaque `JobTransaction`: its statements,
 * run by `Sql.transaction` on the driver connection (on SQLite the shared connection, in its turn).
 *
 * Not a Sequelize transaction: Sequelize's SQLite dialect opens a new connection for every transaction
 * (and runs the pragmas on it), and pays its per-statement cost, which together made a rollout item cost
 * about 4 ms; a rollout of 20,000 users is 20,000 of them.
 */
export class JobUnitOfWork implements JobTransaction {
  readonly isJobTransaction = true as const;

  constructor(
    readonly statements: Statements,
    /** Postgres (a failed statement aborts the transaction: use a savepoint around one that may fail). */
    readonly postgres: boolean,
  ) {}
}

/** The unit of work behind a `JobTransaction`, for repositories that take part in it (`…In(unit)`). */
export function unitOfJob(transaction: JobTransaction): JobUnitOfWork {
  if (!(transaction instanceof JobUnitOfWork)) throw new InvariantError('a job transaction did not come from the job runner');
  return transaction;
}
