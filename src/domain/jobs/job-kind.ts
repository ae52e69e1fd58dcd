/**
 * A kind of durable job (rollout, directory refresh, sync export or import, token import): what the job
 * runner (src/jobs/) needs to know to run it item by item, persist every step and resume after a crash.
 *
 * The runner owns the `jobs` and `job_items` tables, leases a job to one instance at a time (Postgres:
 * `FOR UPDATE SKIP LOCKED`), runs its items with bounded concurrency, counts `done` and `failed`, honours
 * cancellation and records the outcome. A kind owns only its own logic:
 *
 * 1. `plan` lists the job's items, a page at a time. Each page is stored together with the cursor that
 *    follows it, in one transaction, so a restart continues planning after the last stored page. Item
 *    keys are unique within a job: a page planned twice (crash between the host call and the commit)
 *    adds nothing twice.
 * 2. `runItem` carries out one item. The runner marks the item done or failed in the same transaction as
 *    the item's own database writes when the kind uses `context.transaction`; effects outside the
 *    database (a Jira user property) must be idempotent, since an item interrupted by a crash runs again.
 * 3. `finish` runs once, after the last item (e.g. a rollout adds its group to the enforced groups).
 *
 * Expected per-item failures are results (`{ok: false}`); they count as `failed` with their code and
 * message in the job's `errors`. Throwing `JobStop` ends the whole job as `failed` with a reason an admin
 * can act on (the connector needs reauthorization); throwing `RetryItemLater` puts the item back
 * (429 with Retry-After, 5xx backoff). Any other exception is a bug: the item fails with `internal_error`.
 */
export interface JobKind<Params> {
  /** Stable name stored with the job: `rollout`, `directory_refresh`, `sync_export`, `sync_import`, `token_import`. */
  readonly kind: string;
  /** Validates the stored parameters when a job is resumed (they were validated when it was created). */
  parseParams(raw: unknown): Params;
  plan(context: JobContext, params: Params, cursor: string | null): Promise<PlannedPage>;
  runItem(context: JobContext, params: Params, item: PlannedItem): Promise<ItemOutcome>;
  finish?(context: JobContext, params: Params, summary: JobSummary): Promise<void>;
  /** Items run at once for one job (host rate limits); the runner's default when absent. */
  readonly concurrency?: number;
}

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface PlannedItem {
  /** Unique within the job, e.g. the accountId. */
  readonly key: string;
  readonly payload: JsonValue;
}

export interface PlannedPage {
  readonly items: readonly PlannedItem[];
  /** Null after the last page. */
  readonly nextCursor: string | null;
}

export type ItemOutcome = { readonly ok: true; readonly detail?: JsonValue } | { readonly ok: false; readonly code: string; readonly message: string };

export interface JobSummary {
  readonly total: number;
  readonly done: number;
  readonly failed: number;
}

/** What a kind gets from the runner for the job at hand. */
export interface JobContext {
  readonly jobId: string;
  /** The tenant's clientKey: a job never touches another tenant's data. */
  readonly tenant: string;
  /** The admin who started the job (for audit entries), or null for a scheduled job. */
  readonly actorAccountId: string | null;
  /** True once the admin cancelled the job; long loops check it. */
  readonly cancelled: () => boolean;
  /**
   * In `runItem` only: runs `work` in one database transaction in which the runner also records the
   * item's outcome (the one `work` returns), so that the item's own writes and its `done` commit or
   * roll back together: after a crash the item is either wholly done or runs again. `work` must make
   * no call outside the database (on SQLite it holds the one connection); do those before. Repositories
   * take part through their `…In(transaction)` functions in src/adapters/db. Absent in `plan` and `finish`.
   */
  readonly transaction?: (work: (transaction: JobTransaction) => Promise<ItemOutcome>) => Promise<ItemOutcome>;
}

/**
 * A database transaction as the domain sees it: opaque. Adapters turn it back into their unit of work
 * (src/adapters/db/job-transaction.ts), so that the domain imports no database library.
 */
export interface JobTransaction {
  readonly isJobTransaction: true;
}

/** Ends the whole job as failed, with a code and a sentence an admin can act on. */
export class JobStop extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'JobStop';
  }
}

/** Puts the item back to be run again after `afterMs` (a 429's Retry-After, backoff after a 5xx). */
export class RetryItemLater extends Error {
  constructor(
    readonly afterMs: number,
    message: string,
  ) {
    super(message);
    this.name = 'RetryItemLater';
  }
}
