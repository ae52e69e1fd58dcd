import { isTwofoldError } from '../errors';
import type { IdMappingRepository } from './two-factor-ids';
import type { ItemOutcome, PlannedPage } from '../jobs/job-kind';
import type { SyncTarget } from './user-property-gateway';

/** Mappings planned per page: one query, and a short transaction to store them (a long one holds SQLite's write lock from the items). */
export const SYNC_PAGE_SIZE = 100;
/** Items of one sync job in flight at once: Jira Cloud throttles per app and site. */
export const SYNC_CONCURRENCY = 8;

export function parseTarget(value: unknown): SyncTarget {
  if (value === 'host' || value === 'connector') return value;
  throw new TypeError('a sync target is "host" or "connector"');
}

/**
 * Plans a page of a sync job: the tenant's mapped users of the target, in accountId order, the cursor
 * being the last accountId planned (keyset paging resumes exactly after it).
 */
export async function planMappedUsers(mappings: IdMappingRepository, tenant: string, target: SyncTarget, cursor: string | null): Promise<PlannedPage> {
  const page = await mappings.listPage(tenant, { after: cursor, limit: SYNC_PAGE_SIZE, dataCenter: target === 'connector' });
  const last = page.at(-1);
  return {
    items: page.map((mapping) => ({ key: mapping.accountId, payload: null })),
    nextCursor: page.length === SYNC_PAGE_SIZE && last ? last.accountId : null,
  };
}

/** An expected refusal of one item (a TwofoldError, e.g. Jira refused a value) as a failed item; anything else rethrown. */
export function failedItem(error: unknown): ItemOutcome {
  if (isTwofoldError(error) && error.code !== 'internal_error') return { ok: false, code: error.code, message: error.message };
  throw error;
}
