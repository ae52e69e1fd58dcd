import { isTwofoldError } from '../errors';
import type { ItemOutcome, JobContext, JobKind, JobTransaction, PlannedItem, PlannedPage } from '../jobs/job-kind';
import { exportOne, type SyncDependencies } from './sync-export-kind';
import { SYNC_CONCURRENCY, SYNC_PAGE_SIZE } from './sync-job-support';
import { targetOfAccount } from './user-property-gateway';
import type { WriteBackQueue } from './write-back-queue';

export const WRITE_BACK_KIND = 'sync_write_back';

/**
 * `sync_write_back`: pushes the queued changes (write-back), each as a one-user export to the user's
 * own target (`dc:` accounts through the connector, the others to the Cloud host). A row leaves the
 * queue only after its push, and only if no newer change was queued meanwhile; a 429 or an outage
 * defers the item (RetryItemLater), so nothing is lost while Jira is away.
 */
export class WriteBackKind implements JobKind<Record<string, never>> {
  readonly kind = WRITE_BACK_KIND;
  readonly concurrency = SYNC_CONCURRENCY;

  constructor(
    private readonly deps: SyncDependencies,
    private readonly queue: WriteBackQueue,
    /** The queue in an item's transaction (the runner's); absent in unit tests. */
    private readonly queueIn?: (transaction: JobTransaction) => Pick<WriteBackQueue, 'remove'>,
  ) {}

  parseParams(): Record<string, never> {
    return {};
  }

  async plan(context: JobContext, _params: Record<string, never>, cursor: string | null): Promise<PlannedPage> {
    const page = await this.queue.page(context.tenant, cursor, SYNC_PAGE_SIZE);
    const last = page.at(-1);
    return {
      items: page.map((change) => ({ key: change.accountId, payload: { queuedMs: change.queuedMs } })),
      nextCursor: page.length === SYNC_PAGE_SIZE && last ? last.accountId : null,
    };
  }

  async runItem(context: JobContext, _params: Record<string, never>, item: PlannedItem): Promise<ItemOutcome> {
    const queuedMs = (item.payload as { queuedMs?: unknown } | null)?.queuedMs;
    // A failed item (Jira refused the value, no such user) would fail again: it leaves the queue too,
    // in the item's transaction (a 429 or an outage throws before, and the row stays).
    return exportOne(this.deps, context, targetOfAccount(item.key), item.key, async (transaction) => {
      if (typeof queuedMs !== 'number') return;
      const queue = transaction && this.queueIn ? this.queueIn(transaction) : this.queue;
      await queue.remove(context.tenant, { accountId: item.key, queuedMs });
    });
  }
}

export interface WriteBackTriggerDeps {
  readonly queue: WriteBackQueue;
  /** Whether the tenant's policy has write-back on. */
  readonly enabled: (tenant: string) => Promise<boolean>;
  /** Queues a write-back job (the runner's enqueue); `job_running` is expected and ignored. */
  readonly enqueue: (tenant: string) => Promise<void>;
  readonly now: () => number;
  readonly onError: (error: unknown) => void;
}

/**
 * Turns a change of a user's ID or enrollment into a queued push. The queue row is written first (it
 * is what makes the push durable); the job is started at once when none runs, else the sweep
 * (`sweep`, on a timer) starts the next one after the running job, so a change queued while a job had
 * already planned past it is still pushed.
 */
export class WriteBackTrigger {
  constructor(private readonly deps: WriteBackTriggerDeps) {}

  async changed(tenant: string, accountId: string): Promise<void> {
    if (!(await this.deps.enabled(tenant))) return;
    await this.deps.queue.add(tenant, accountId, this.deps.now());
    await this.start(tenant);
  }

  /** Starts a write-back job for every tenant with queued changes (none runs twice: 409 is ignored). */
  async sweep(): Promise<void> {
    for (const tenant of await this.deps.queue.tenantsWithChanges(1000)) await this.start(tenant);
  }

  private async start(tenant: string): Promise<void> {
    try {
      await this.deps.enqueue(tenant);
    } catch (error) {
      if (isTwofoldError(error) && error.code === 'job_running') return;
      this.deps.onError(error);
    }
  }
}
