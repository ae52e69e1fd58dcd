import type { ItemOutcome, JobTransaction, JsonValue, PlannedItem } from '../domain/jobs/job-kind';

/** A job's state. `cancelled` extends the contract's four (docs/contract-extensions.md). */
export type JobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** One failed item, or the reason that stopped the whole job (`item: null`). */
export interface JobError {
  readonly item: string | null;
  readonly code: string;
  readonly message: string;
}

/** A job as `GET /api/v1/admin/jobs/{jobId}` shows it. */
export interface JobView {
  readonly id: string;
  readonly kind: string;
  readonly state: JobState;
  readonly total: number;
  readonly done: number;
  readonly failed: number;
  readonly createdAt: Date;
  readonly startedAt: Date | null;
  readonly finishedAt: Date | null;
  readonly actorAccountId: string | null;
  /** The reason that ended the job as failed (a JobStop), else null. */
  readonly stopReason: { readonly code: string; readonly message: string } | null;
  /** The first failures (at most `ERRORS_SHOWN`), the stop reason first. */
  readonly errors: readonly JobError[];
}

/** How many failed items a job's view lists; `failed` counts them all. */
export const ERRORS_SHOWN = 100;

/** What the runner needs of an active job to work on it. */
export interface ActiveJob {
  readonly id: string;
  readonly tenant: string;
  readonly kind: string;
  readonly state: 'queued' | 'running';
  readonly params: unknown;
  readonly actorAccountId: string | null;
  readonly planCursor: string | null;
  readonly planned: boolean;
}

export interface ClaimedItem {
  readonly key: string;
  readonly payload: JsonValue;
  readonly attempts: number;
}

export type CreateOutcome = { readonly created: true; readonly id: string } | { readonly created: false; readonly runningJobId: string };

/** The lease one instance holds: who (`owner`) and until when. */
export interface Lease {
  readonly owner: string;
  readonly now: Date;
  readonly until: Date;
}

/**
 * The durable state of jobs (src/adapters/db/job-repository.ts). Every method that changes a job or an
 * item that another instance could be working on is a compare-and-set on the lease: it changes nothing,
 * and says so, when the caller no longer holds the claim.
 */
export interface JobStore {
  /** A new queued job, with its "started" audit entry; refused while a job of the kind is active for the tenant. */
  create(job: { id: string; tenant: string; kind: string; params: unknown; actorAccountId: string | null; at: Date }): Promise<CreateOutcome>;
  get(tenant: string, id: string): Promise<JobView | null>;
  /** The tenant's jobs, newest first. */
  list(tenant: string, limit: number): Promise<JobView[]>;
  /** Ends a queued or running job as cancelled (audited); false when it was not active. */
  cancel(tenant: string, id: string, actorAccountId: string | null, at: Date): Promise<boolean>;
  /** Active jobs, oldest first, for the worker loop. */
  active(limit: number): Promise<ActiveJob[]>;
  /** The job's state now (the runner checks for a cancellation between items). */
  stateOf(id: string): Promise<JobState | null>;
  /** Claims the job for planning or finishing (a free or expired job lease); marks it running. */
  claimJob(id: string, lease: Lease): Promise<boolean>;
  /** Stores one planned page and the cursor after it, if the lease still holds. */
  savePage(id: string, lease: Lease, items: readonly PlannedItem[], nextCursor: string | null): Promise<boolean>;
  /** Up to `limit` runnable items of the job (pending, unclaimed or expired, not deferred), claimed. */
  claimItems(id: string, lease: Lease, limit: number): Promise<ClaimedItem[]>;
  /** Extends every job and item lease that `owner` holds. */
  renew(owner: string, until: Date, now: Date): Promise<void>;
  /**
   * Records an item's outcome, in `transaction` when given (the kind's own writes commit with it).
   * False when the claim was lost (another instance took the item over): then nothing is recorded and
   * the transaction must roll back.
   */
  recordOutcome(id: string, key: string, owner: string, outcome: ItemOutcome, at: Date, transaction?: JobTransaction): Promise<boolean>;
  /** Puts a claimed item back, to run again from `notBefore`. */
  deferItem(id: string, key: string, owner: string, notBefore: Date): Promise<void>;
  /** Runs `work` in one transaction (the item's own writes and its outcome). */
  transaction<T>(work: (transaction: JobTransaction) => Promise<T>): Promise<T>;
  /** Items still pending (claimed or not). */
  pendingCount(id: string): Promise<number>;
  /** Ends an active job as succeeded or failed, with its audit entry; false when it had ended already. */
  finish(id: string, outcome: { state: 'succeeded' } | { state: 'failed'; code: string; message: string }, at: Date): Promise<boolean>;
  /** Drops every lease (SQLite: the one instance starts, so no other instance can hold one). */
  releaseAllLeases(): Promise<void>;
}
