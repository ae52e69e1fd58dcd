import { randomUUID } from 'node:crypto';
import type { Logger } from '../adapters/logging/logger';
import { TwofoldError } from '../domain/errors';
import { JobStop, RetryItemLater, type ItemOutcome, type JobContext, type JobKind } from '../domain/jobs/job-kind';
import type { Clock } from '../domain/ports/clock';
import type { ActiveJob, ClaimedItem, JobStore, JobView, Lease } from './job-store';

export interface JobRunnerOptions {
  store: JobStore;
  /** Audit times and the job's own timestamps. Leases use the wall clock: they are shared between instances. */
  clock: Clock;
  logger: Logger;
  /** How long a claim lasts unless renewed (renewed every third of it). */
  leaseMs: number;
  /** Items of one job this instance runs at once, unless the kind says otherwise. */
  concurrency: number;
  /** How often an idle instance looks for work (a job started here is picked up at once). */
  pollMs: number;
  /** SQLite: this process is the only instance, so leases left by a killed process are dropped at start. */
  singleInstance: boolean;
}

/** Active jobs a pass looks at, oldest first (each tenant has at most one of a kind). */
const ACTIVE_JOBS_PER_PASS = 100;
/** An item is given up after this many claims (crashes while running it, or 429s). */
const MAX_ATTEMPTS = 25;
/** How soon an item whose outcome could not be written runs again. */
const RECORD_RETRY_MS = 1_000;
/** Listing a job's items waits out this many 429s or 5xx in a row, each at most a minute, before the job fails. */
const MAX_PLAN_RETRIES = 20;
const MAX_PLAN_WAIT_MS = 60_000;

/**
 * The durable job runner: every instance runs one, and they share the work through the database.
 *
 * A loop (every `pollMs`, and at once when a job is started here) looks at the active jobs. For each:
 * - planning: the instance that claims the job (a lease on the job row) asks the kind for pages of
 *   items and stores each page with the cursor after it, one transaction a page;
 * - items: up to `concurrency` items are claimed (a lease on each item row; Postgres picks them with
 *   `FOR UPDATE SKIP LOCKED`) and run; an item's outcome is recorded under its lease, in the same
 *   transaction as its own writes when the kind uses `context.transaction`. Other instances claim other
 *   items of the same job, so a job is shared, and an item whose instance died is taken over once its
 *   lease expires;
 * - finishing: when every item is done or failed, the instance that claims the job runs `finish` and
 *   ends the job.
 * Leases are renewed by a heartbeat while the work runs, so a long item never loses its claim, and a
 * killed instance's claims run out after `leaseMs`.
 */
export class JobRunner {
  /** This instance's name in the lease columns. */
  readonly instanceId = randomUUID();
  private readonly kinds = new Map<string, JobKind<unknown>>();
  /** In-flight item runs per job. */
  private readonly running = new Map<string, Set<Promise<void>>>();
  private readonly planning = new Map<string, Promise<void>>();
  private readonly finishing = new Set<string>();
  private readonly cancelled = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private again = false;
  private stopped = true;

  constructor(private readonly options: JobRunnerOptions) {}

  register<P>(kind: JobKind<P>): void {
    if (this.kinds.has(kind.kind)) throw new Error(`job kind ${kind.kind} is registered twice`);
    this.kinds.set(kind.kind, kind);
  }

  hasKind(kind: string): boolean {
    return this.kinds.has(kind);
  }

  async start(): Promise<void> {
    if (this.options.singleInstance) await this.options.store.releaseAllLeases();
    this.stopped = false;
    this.timer = setInterval(() => this.wake(), this.options.pollMs);
    this.heartbeat = setInterval(() => void this.renew(), Math.max(500, Math.floor(this.options.leaseMs / 3)));
    this.wake();
  }

  /**
   * Queues a job of `kind` for the tenant: `409 job_running` (with the running job's id) while one of
   * the same kind is queued or running for the tenant.
   */
  async enqueue(tenant: string, kind: string, params: unknown, actorAccountId: string | null): Promise<string> {
    if (!this.kinds.has(kind)) throw new Error(`no job kind ${kind}`);
    const outcome = await this.options.store.create({ id: randomUUID(), tenant, kind, params, actorAccountId, at: this.options.clock.now() });
    if (!outcome.created) {
      throw new TwofoldError('job_running', 'A job of this kind is already running for this site; wait for it to finish, or cancel it.', {
        details: { jobId: outcome.runningJobId, kind },
      });
    }
    this.wake();
    return outcome.id;
  }

  get(tenant: string, id: string): Promise<JobView | null> {
    return this.options.store.get(tenant, id);
  }

  list(tenant: string, limit: number): Promise<JobView[]> {
    return this.options.store.list(tenant, limit);
  }

  /** Cancels a queued or running job: no new item starts; items already running finish. */
  async cancel(tenant: string, id: string, actorAccountId: string | null): Promise<JobView> {
    const job = await this.options.store.get(tenant, id);
    if (!job) throw new TwofoldError('not_found', 'There is no such job on this site.');
    if (await this.options.store.cancel(tenant, id, actorAccountId, this.options.clock.now())) this.cancelled.add(id);
    return (await this.options.store.get(tenant, id)) ?? job;
  }

  /** Stops claiming, waits for the items in flight to be recorded, and stops the heartbeat. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.ticking;
    await Promise.allSettled([...this.running.values()].flatMap((runs) => [...runs]));
    await Promise.allSettled([...this.planning.values()]);
    clearInterval(this.heartbeat);
  }

  /** Resolves once nothing runs on this instance (tests). */
  async idle(): Promise<void> {
    while (this.ticking || [...this.running.values()].some((runs) => runs.size > 0) || this.planning.size > 0 || this.finishing.size > 0) {
      await Promise.allSettled([this.ticking, ...[...this.running.values()].flatMap((runs) => [...runs])]);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Runs the loop now (or once more right after the pass under way). */
  wake(): void {
    if (this.stopped) return;
    if (this.ticking) {
      this.again = true;
      return;
    }
    this.ticking = this.tick()
      .catch((error: unknown) => this.options.logger.error({ err: error }, 'job runner pass failed'))
      .finally(() => {
        this.ticking = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  /** Waits, but no longer than until the runner stops. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      const poll = setInterval(() => {
        if (!this.stopped) return;
        clearTimeout(timer);
        clearInterval(poll);
        resolve();
      }, 50);
      setTimeout(() => clearInterval(poll), ms + 10);
    });
  }

  private lease(): Lease {
    const now = new Date();
    return { owner: this.instanceId, now, until: new Date(now.getTime() + this.options.leaseMs) };
  }

  private async renew(): Promise<void> {
    const lease = this.lease();
    await this.options.store.renew(this.instanceId, lease.until, lease.now).catch((error: unknown) => {
      this.options.logger.warn({ err: error }, 'could not renew job leases');
    });
  }

  private async tick(): Promise<void> {
    const jobs = await this.options.store.active(ACTIVE_JOBS_PER_PASS);
    const activeIds = new Set(jobs.map((job) => job.id));
    for (const id of this.running.keys()) if (!activeIds.has(id)) this.cancelled.add(id);
    for (const job of jobs) {
      if (this.stopped) return;
      const kind = this.kinds.get(job.kind);
      if (!kind) continue; // a kind another version of the app knows
      if (!job.planned) {
        if (!this.planning.has(job.id) && (await this.options.store.claimJob(job.id, this.lease()))) this.startPlanning(job, kind);
      }
      await this.fill(job, kind);
      if (job.planned) await this.maybeFinish(job, kind);
    }
  }

  private context(job: ActiveJob): JobContext {
    return { jobId: job.id, tenant: job.tenant, actorAccountId: job.actorAccountId, cancelled: () => this.cancelled.has(job.id) };
  }

  private startPlanning(job: ActiveJob, kind: JobKind<unknown>): void {
    const planning = this.plan(job, kind)
      .catch((error: unknown) => this.stopJob(job, error))
      .finally(() => {
        this.planning.delete(job.id);
        this.wake();
      });
    this.planning.set(job.id, planning);
  }

  private async plan(job: ActiveJob, kind: JobKind<unknown>): Promise<void> {
    const params = kind.parseParams(job.params);
    let cursor = job.planCursor;
    let retries = 0;
    for (;;) {
      if (this.stopped || this.cancelled.has(job.id)) return;
      let page;
      try {
        page = await kind.plan(this.context(job), params, cursor);
      } catch (error) {
        // A 429 or 5xx while listing: wait as asked (the heartbeat keeps the claim), then ask again.
        if (!(error instanceof RetryItemLater) || retries >= MAX_PLAN_RETRIES) throw error;
        retries += 1;
        await this.sleep(Math.min(error.afterMs, MAX_PLAN_WAIT_MS));
        continue;
      }
      retries = 0;
      if (!(await this.options.store.savePage(job.id, this.lease(), page.items, page.nextCursor))) return; // lost the claim, or cancelled
      this.wake();
      if (page.nextCursor === null) return;
      cursor = page.nextCursor;
    }
  }

  private async fill(job: ActiveJob, kind: JobKind<unknown>): Promise<void> {
    if (this.cancelled.has(job.id)) return;
    let runs = this.running.get(job.id);
    const free = (kind.concurrency ?? this.options.concurrency) - (runs?.size ?? 0);
    if (free <= 0) return;
    const items = await this.options.store.claimItems(job.id, this.lease(), free);
    if (items.length === 0) return;
    if (!runs) this.running.set(job.id, (runs = new Set()));
    const params = kind.parseParams(job.params);
    for (const item of items) {
      const run: Promise<void> = this.runItem(job, kind, params, item)
        .catch((error: unknown) => this.recordingFailed(job, item, error))
        .finally(() => {
          runs.delete(run);
          if (runs.size === 0) this.running.delete(job.id);
          this.wake();
        });
      runs.add(run);
    }
  }

  /**
   * The item's outcome could not be written (the database busy or away): its transaction rolled back, so
   * the item is given back to run again (its outside effects are idempotent). Kept, it would stay leased
   * to this instance, its lease renewed by the heartbeat, and the job would never end.
   */
  private async recordingFailed(job: ActiveJob, item: ClaimedItem, error: unknown): Promise<void> {
    this.options.logger.error({ err: error, jobId: job.id }, 'job item could not be recorded; it will run again');
    await this.options.store
      .deferItem(job.id, item.key, this.instanceId, new Date(Date.now() + RECORD_RETRY_MS))
      .catch((again: unknown) => this.options.logger.error({ err: again, jobId: job.id }, 'job item could not be given back either'));
  }

  private async runItem(job: ActiveJob, kind: JobKind<unknown>, params: unknown, item: ClaimedItem): Promise<void> {
    const { store, logger } = this.options;
    if (item.attempts > MAX_ATTEMPTS) {
      await store.recordOutcome(
        job.id,
        item.key,
        this.instanceId,
        { ok: false, code: 'too_many_attempts', message: 'The item was tried too often.' },
        new Date(),
      );
      return;
    }
    let recordedInTransaction = false;
    const transaction = (work: Parameters<NonNullable<JobContext['transaction']>>[0]) =>
      store.transaction(async (tx) => {
        const outcome = await work(tx);
        if (!(await store.recordOutcome(job.id, item.key, this.instanceId, outcome, this.options.clock.now(), tx))) throw new LeaseLost();
        recordedInTransaction = true;
        return outcome;
      });
    let outcome: ItemOutcome;
    try {
      outcome = await kind.runItem({ ...this.context(job), transaction }, params, { key: item.key, payload: item.payload });
    } catch (error) {
      if (error instanceof LeaseLost) return; // another instance took the item over; its outcome stands
      if (error instanceof RetryItemLater) {
        await store.deferItem(job.id, item.key, this.instanceId, new Date(Date.now() + error.afterMs));
        return;
      }
      if (error instanceof JobStop) {
        await this.stopJob(job, error);
        return;
      }
      logger.error({ err: error, jobId: job.id, kind: job.kind, item: item.key }, 'job item failed unexpectedly');
      outcome = { ok: false, code: 'internal_error', message: 'An unexpected error occurred; the log has the details.' };
    }
    if (!recordedInTransaction) await store.recordOutcome(job.id, item.key, this.instanceId, outcome, this.options.clock.now());
  }

  private async maybeFinish(job: ActiveJob, kind: JobKind<unknown>): Promise<void> {
    if (this.finishing.has(job.id) || (this.running.get(job.id)?.size ?? 0) > 0 || this.cancelled.has(job.id)) return;
    if ((await this.options.store.pendingCount(job.id)) > 0) return;
    if (!(await this.options.store.claimJob(job.id, this.lease()))) return;
    this.finishing.add(job.id);
    try {
      const view = await this.options.store.get(job.tenant, job.id);
      if (kind.finish && view) await kind.finish(this.context(job), kind.parseParams(job.params), { total: view.total, done: view.done, failed: view.failed });
      await this.options.store.finish(job.id, { state: 'succeeded' }, this.options.clock.now());
    } catch (error) {
      await this.stopJob(job, error);
    } finally {
      this.finishing.delete(job.id);
    }
  }

  /** Ends the job as failed: a JobStop with its own reason, anything else as `internal_error` (logged). */
  private async stopJob(job: ActiveJob, error: unknown): Promise<void> {
    const stop =
      error instanceof JobStop
        ? { code: error.code, message: error.message }
        : { code: 'internal_error', message: 'The job stopped on an unexpected error; the log has the details.' };
    if (!(error instanceof JobStop)) this.options.logger.error({ err: error, jobId: job.id, kind: job.kind }, 'job failed unexpectedly');
    else this.options.logger.warn({ jobId: job.id, kind: job.kind, code: stop.code }, 'job stopped');
    this.cancelled.add(job.id); // no new item of it starts here
    await this.options.store.finish(job.id, { state: 'failed', ...stop }, this.options.clock.now());
  }
}

/** The item's claim was taken over by another instance: its transaction rolls back. */
class LeaseLost extends Error {
  constructor() {
    super('the job item lease was lost');
    this.name = 'LeaseLost';
  }
}
