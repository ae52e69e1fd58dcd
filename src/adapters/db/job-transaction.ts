import type { Sequelize, Transaction } from 'sequelize';
import { InvariantError } from '../../domain/errors';
import type { JobTransaction } from '../../domain/jobs/job-kind';
import { UnitOfWork } from './unit-of-work';

/** The unit of work of a job item (the runner's transaction), as the domain's opaque `JobTransaction`. */
export class JobUnitOfWork extends UnitOfWork implements JobTransaction {
  readonly isJobTransaction = true as const;

  constructor(sequelize: Sequelize, transaction: Transaction) {
    super(sequelize, transaction);
  }
}

/** The unit of work behind a `JobTransaction`, for repositories that take part in it (`…In(unit)`). */
export function unitOfJob(transaction: JobTransaction): UnitOfWork {
  if (!(transaction instanceof JobUnitOfWork)) throw new InvariantError('a job transaction did not come from the job runner');
  return transaction;
}
