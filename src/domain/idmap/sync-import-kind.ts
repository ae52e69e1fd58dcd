import type { ItemOutcome, JobContext, JobKind, PlannedItem, PlannedPage } from '../jobs/job-kind';
import type { SyncDependencies } from './sync-export-kind';
import { failedItem, parseTarget, planMappedUsers, SYNC_CONCURRENCY } from './sync-job-support';
import { planImport, type CurrentState, type ImportFinding } from './sync-planner';
import { readTwofoldIdProperty } from './twofold-id-property';
import type { SyncTarget } from './user-property-gateway';

export interface SyncImportParams {
  readonly target: SyncTarget;
  /** Take over the IDs Jira holds where they differ; otherwise only report. */
  readonly adopt: boolean;
}

export interface SyncImportDependencies extends SyncDependencies {
  /**
   * Sets a user's ID as an admin would (normalized, unique per tenant, audited with old and new):
   * throws `id_taken` when another user holds it. The job's admin is the actor.
   */
  readonly adoptId: (tenant: string, actorAccountId: string | null, accountId: string, twoFactorId: string) => Promise<void>;
}

/**
 * A finding as the item's result: `same` is done; a difference is a failed item with the finding as its
 * code and both sides in words, so that the job's `errors` list the differences for the admin.
 */
function reported(finding: ImportFinding): ItemOutcome {
  switch (finding.finding) {
    case 'same':
      return { ok: true, detail: { finding: 'same' } };
    case 'missing':
      return { ok: false, code: 'missing', message: 'Jira has no twofold-id property for this user.' };
    case 'unknown_user':
      return { ok: false, code: 'unknown_user', message: 'Jira has no such user: Twofold holds a 2FA ID for a user Jira does not know.' };
    case 'invalid':
      return { ok: false, code: 'invalid_property', message: `The twofold-id property in Jira is not valid (${finding.problem}); it was not used.` };
    case 'different': {
      const side = (s: { twoFactorId: string; enrolled: boolean }) => `"${s.twoFactorId}" (${s.enrolled ? 'enrolled' : 'not enrolled'})`;
      return {
        ok: false,
        code: 'different',
        message: `Jira says ${side(finding.jira)}, Twofold says ${finding.twofold === null ? 'nothing' : side(finding.twofold)}.`,
      };
    }
  }
}

/**
 * `sync_import`: reads each mapped user's `twofold-id` property back and reports, in the item's
 * result, how it compares (`same`; or failed with `missing`, `different`, `invalid_property`, `unknown_user`). Nothing
 * changes unless the admin asked to adopt: then an ID that differs, after the same validation as an
 * ID an admin types (the property is untrusted input), replaces Twofold's. Enrollment is never
 * adopted: a directory cannot say that someone has a working second factor.
 */
export class SyncImportKind implements JobKind<SyncImportParams> {
  readonly kind = 'sync_import';
  readonly concurrency = SYNC_CONCURRENCY;

  constructor(private readonly deps: SyncImportDependencies) {}

  parseParams(raw: unknown): SyncImportParams {
    const record = (raw ?? {}) as { target?: unknown; adopt?: unknown };
    return { target: parseTarget(record.target), adopt: record.adopt === true };
  }

  plan(context: JobContext, params: SyncImportParams, cursor: string | null): Promise<PlannedPage> {
    return planMappedUsers(this.deps.mappings, context.tenant, params.target, cursor);
  }

  async runItem(context: JobContext, params: SyncImportParams, item: PlannedItem): Promise<ItemOutcome> {
    const accountId = item.key;
    const mapping = await this.deps.mappings.find(context.tenant, accountId);
    const enrolled = (await this.deps.enrolledAmong(context.tenant, [accountId])).has(accountId);
    try {
      const gateway = await this.deps.gateways.forTarget(context.tenant, params.target);
      const read = await gateway.read(accountId);
      const current: CurrentState = read.userExists ? { userExists: true, reading: readTwofoldIdProperty(read.raw) } : { userExists: false };
      const desired = mapping === null ? null : { accountId, twoFactorId: mapping.twoFactorId, enrolled, updatedAt: mapping.updatedAt };
      const finding = planImport(desired, current);
      if (params.adopt && finding.finding === 'different' && finding.idDiffers) {
        await this.deps.adoptId(context.tenant, context.actorAccountId, accountId, finding.jira.twoFactorId);
        return { ok: true, detail: { ...finding, adopted: true } };
      }
      return reported(finding);
    } catch (error) {
      return failedItem(error);
    }
  }
}
