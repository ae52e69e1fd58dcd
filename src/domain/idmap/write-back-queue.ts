/** A user whose 2FA ID or enrollment changed and is not yet pushed to Jira. */
export interface QueuedChange {
  readonly accountId: string;
  /** When it was (last) queued, epoch milliseconds: identifies this change among later ones. */
  readonly queuedMs: number;
}

/**
 * The durable list of changes that write-back must push (one row per user): a host outage delays a
 * push and loses nothing, since a row goes only once its push succeeded.
 */
export interface WriteBackQueue {
  /** Queues the user (again): a later change replaces the earlier one's time. */
  add(tenant: string, accountId: string, queuedMs: number): Promise<void>;
  /** Queued changes in accountId order after `after`, at most `limit`. */
  page(tenant: string, after: string | null, limit: number): Promise<QueuedChange[]>;
  /** Removes the row if it is still the change that was pushed (not re-queued meanwhile). */
  remove(tenant: string, change: QueuedChange): Promise<void>;
  /** Tenants with queued changes, for the sweep that starts their write-back jobs. */
  tenantsWithChanges(limit: number): Promise<string[]>;
}
