import type { TwofoldIdProperty } from './twofold-id-property';

/** Where a directory sync reads and writes the `twofold-id` property. */
export type SyncTarget = 'host' | 'connector';

/** A read of the property: the raw JSON value (null when not set; validated by the caller), or no such user. */
export type PropertyRead = { readonly userExists: false } | { readonly userExists: true; readonly raw: unknown };

/**
 * The Jira user property `twofold-id` of one tenant's users, on one target: the Jira Cloud host (the
 * Connect host's REST API, called as the app) or Jira Server/DC (the connector, users `dc:` + user key).
 * The domain's only way to Jira's user properties, so that sync survives a move away from Connect.
 *
 * Failures that a job should handle are thrown as the job machinery's own signals:
 * `RetryItemLater` for a 429 (after its Retry-After), a 5xx or no answer (after a backoff); `JobStop`
 * for a 401/403, with a sentence the admin can act on (reinstall the app, reauthorize the connector).
 * Anything else Jira refuses is a `TwofoldError` that fails the one item.
 */
export interface UserPropertyGateway {
  readonly target: SyncTarget;
  read(accountId: string): Promise<PropertyRead>;
  /** Idempotent (a PUT): writing the same value twice leaves Jira as once. */
  write(accountId: string, value: TwofoldIdProperty): Promise<'written' | 'unknown_user'>;
  /** Deleting a property that is not set is not an error. */
  remove(accountId: string): Promise<'removed' | 'unknown_user'>;
}

/** Hands out the gateway for a tenant and target (the composition root knows how to reach each). */
export interface UserPropertyGateways {
  forTarget(tenant: string, target: SyncTarget): Promise<UserPropertyGateway>;
}

/** The prefix that marks a Twofold account as a Jira Server/DC user: `dc:` + the stable user key. */
export const DATA_CENTER_ACCOUNT_PREFIX = 'dc:';

/** Which target a Twofold account lives on. */
export function targetOfAccount(accountId: string): SyncTarget {
  return accountId.startsWith(DATA_CENTER_ACCOUNT_PREFIX) ? 'connector' : 'host';
}

/** The Jira Server/DC user key of a `dc:` account, or null for a Cloud account. */
export function dataCenterUserKey(accountId: string): string | null {
  return accountId.startsWith(DATA_CENTER_ACCOUNT_PREFIX) ? accountId.slice(DATA_CENTER_ACCOUNT_PREFIX.length) : null;
}
