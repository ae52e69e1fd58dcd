import type { AuditEntry, AuditLog } from '../audit/audit-log';
import type { Clock } from '../ports/clock';
import type { ItemOutcome, JobContext, JobKind, JobTransaction, PlannedItem, PlannedPage } from '../jobs/job-kind';
import { failedItem, parseTarget, planMappedUsers, SYNC_CONCURRENCY } from './sync-job-support';
import { planExport, type CurrentState } from './sync-planner';
import { readTwofoldIdProperty } from './twofold-id-property';
import type { IdMappingRepository } from './two-factor-ids';
import type { SyncTarget, UserPropertyGateways } from './user-property-gateway';

export interface SyncExportParams {
  readonly target: SyncTarget;
}

export interface SyncDependencies {
  readonly mappings: IdMappingRepository;
  /** Which of these accounts have a working (active) TOTP credential. */
  readonly enrolledAmong: (tenant: string, accountIds: readonly string[]) => Promise<Set<string>>;
  readonly gateways: UserPropertyGateways;
  readonly audit: AuditLog;
  /**
   * The audit log in an item's transaction (the runner's), so that an item's entry commits with its
   * `done`; the plain `audit` is used when a kind runs without one (unit tests).
   */
  readonly auditIn?: (transaction: JobTransaction) => Pick<AuditLog, 'record'>;
  readonly clock: Clock;
}

/**
 * `sync_export`: mirrors each mapped user's 2FA ID and enrollment to the Jira user property
 * `twofold-id`, writing only where Jira says something else (planExport), so that a second export
 * writes nothing and an item run twice after a crash writes at most the same value again. The item
 * reads Twofold's state when it runs, not when it was planned: an ID changed meanwhile is exported as
 * it is now. A user Jira does not know fails with `unknown_user`, for the admin to look at.
 */
export class SyncExportKind implements JobKind<SyncExportParams> {
  readonly kind = 'sync_export';
  readonly concurrency = SYNC_CONCURRENCY;

  constructor(private readonly deps: SyncDependencies) {}

  parseParams(raw: unknown): SyncExportParams {
    return { target: parseTarget((raw as { target?: unknown } | null)?.target) };
  }

  plan(context: JobContext, params: SyncExportParams, cursor: string | null): Promise<PlannedPage> {
    return planMappedUsers(this.deps.mappings, context.tenant, params.target, cursor);
  }

  async runItem(context: JobContext, params: SyncExportParams, item: PlannedItem): Promise<ItemOutcome> {
    return exportOne(this.deps, context, params.target, item.key);
  }
}

/**
 * One user's export; also what write-back runs when an ID or an enrollment changes. The Jira write comes
 * first (outside the database); then, in the item's transaction, its audit entry and `alsoInTransaction`
 * (write-back's queue bookkeeping) commit together with the item's outcome.
 */
export async function exportOne(
  deps: SyncDependencies,
  context: JobContext,
  target: SyncTarget,
  accountId: string,
  alsoInTransaction?: (transaction: JobTransaction | null) => Promise<void>,
): Promise<ItemOutcome> {
  const outcome = await pushOne(deps, context, target, accountId);
  const entry = 'audit' in outcome ? outcome.audit : null;
  const result: ItemOutcome = 'audit' in outcome ? outcome.result : outcome;
  if (entry === null && !alsoInTransaction) return result;
  const writes = async (transaction: JobTransaction | null): Promise<ItemOutcome> => {
    if (entry !== null) await (transaction && deps.auditIn ? deps.auditIn(transaction) : deps.audit).record(context.tenant, entry);
    if (alsoInTransaction) await alsoInTransaction(transaction);
    return result;
  };
  return context.transaction ? context.transaction((transaction) => writes(transaction)) : writes(null);
}

type Pushed = ItemOutcome | { result: ItemOutcome; audit: AuditEntry };

async function pushOne(deps: SyncDependencies, context: JobContext, target: SyncTarget, accountId: string): Promise<Pushed> {
  const mapping = await deps.mappings.find(context.tenant, accountId);
  if (mapping === null) return { ok: true, detail: { result: 'unmapped' } };
  const enrolled = (await deps.enrolledAmong(context.tenant, [accountId])).has(accountId);
  try {
    const gateway = await deps.gateways.forTarget(context.tenant, target);
    const read = await gateway.read(accountId);
    const current: CurrentState = read.userExists ? { userExists: true, reading: readTwofoldIdProperty(read.raw) } : { userExists: false };
    const operation = planExport({ accountId, twoFactorId: mapping.twoFactorId, enrolled, updatedAt: mapping.updatedAt }, current);
    if (operation.op === 'none') return { ok: true, detail: { result: 'unchanged' } };
    if (operation.op === 'skip' || (await gateway.write(accountId, operation.value)) === 'unknown_user') {
      return { ok: false, code: 'unknown_user', message: `Jira has no user ${accountId}: Twofold holds a 2FA ID for a user Jira does not know.` };
    }
    return {
      result: { ok: true, detail: { result: 'written', reason: operation.reason } },
      audit: {
        at: deps.clock.now(),
        actorAccountId: context.actorAccountId,
        action: 'sync.property_written',
        subjectAccountId: accountId,
        detail: { target, reason: operation.reason, twoFactorId: operation.value.twoFactorId, enrolled: operation.value.enrolled, jobId: context.jobId },
      },
    };
  } catch (error) {
    return failedItem(error);
  }
}
