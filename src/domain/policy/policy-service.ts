import { AUDIT_DETAIL_MAX_TEXT, type AuditDetailValue, type AuditLog } from '../audit/audit-log';
import { TwofoldError } from '../errors';
import type { Clock } from '../ports/clock';
import type { Tenant } from '../tenancy/tenant';
import { defaultPolicy, type TenantPolicy } from './policy';
import { applyPolicyUpdate, policyChanges, readStoredPolicy, type StoredPolicyRepair } from './policy-update';

/** Where a tenant's policy document is kept. */
export interface PolicyRepository {
  /** The stored document and its version, or null if the tenant never saved one. */
  find(tenant: string): Promise<{ document: unknown; version: number } | null>;
  /**
   * Compare-and-set: writes `document` as version `expectedVersion + 1` if the stored version is still
   * `expectedVersion` (0: none stored yet). Returns false if another change came first.
   */
  save(tenant: string, document: TenantPolicy, expectedVersion: number, at: Date, by: string): Promise<boolean>;
}

export interface PolicyServiceOptions {
  /** How long a policy is trusted from memory. */
  ttlSeconds: number;
  /** Tells other instances that a tenant's policy changed. */
  onChange?: (clientKey: string) => void;
  /** Told when a stored policy had fields that fail a check and were mended on reading (for a warning). */
  onStoredPolicyRepaired?: (clientKey: string, repairs: StoredPolicyRepair[]) => void;
  maxEntries?: number;
}

interface CachedPolicy {
  policy: TenantPolicy;
  version: number;
  at: number;
}

/**
 * The tenant's policy, read through a short-lived cache: every verification needs it, and it changes
 * rarely. A change made here is seen at once by this instance; `onChange` tells the others (the
 * composition root wires it to the cross-instance tenant notifier), and the TTL bounds staleness in
 * any case.
 */
export class PolicyService {
  private readonly cache = new Map<string, CachedPolicy>();

  constructor(
    private readonly repository: PolicyRepository,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly options: PolicyServiceOptions = { ttlSeconds: 10 },
  ) {}

  async get(tenant: Tenant): Promise<TenantPolicy> {
    return (await this.load(tenant, false)).policy;
  }

  /** Applies a partial update (see policy-update.ts); `400 invalid_policy` names each bad field. */
  async update(tenant: Tenant, actorAccountId: string, input: unknown): Promise<TenantPolicy> {
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const current = await this.load(tenant, true);
      const result = applyPolicyUpdate(current.policy, input);
      if (!result.ok) {
        throw new TwofoldError('invalid_policy', `The policy was not changed: ${result.problems.map((p) => `${p.field} ${p.problem}`).join('; ')}.`, {
          details: { fields: result.problems },
        });
      }
      if (result.changed.length === 0) return current.policy;
      const now = this.clock.now();
      if (!(await this.repository.save(tenant.clientKey, result.policy, current.version, now, actorAccountId))) continue;
      this.invalidate(tenant.clientKey);
      this.options.onChange?.(tenant.clientKey);
      await this.audit.record(tenant.clientKey, {
        at: now,
        actorAccountId,
        action: 'policy.changed',
        subjectAccountId: null,
        detail: changeDetail(current.policy, result.policy, result.changed),
      });
      return result.policy;
    }
    throw new TwofoldError('service_unavailable', 'The policy is being changed by someone else right now. Try again.');
  }

  invalidate(clientKey: string): void {
    this.cache.delete(clientKey);
  }

  clear(): void {
    this.cache.clear();
  }

  private async load(tenant: Tenant, fresh: boolean): Promise<CachedPolicy> {
    const now = this.clock.now().getTime();
    const cached = this.cache.get(tenant.clientKey);
    if (!fresh && cached && now - cached.at < this.options.ttlSeconds * 1000) return cached;
    const stored = await this.repository.find(tenant.clientKey);
    const defaults = defaultPolicy(tenant.baseUrl);
    const repairs: StoredPolicyRepair[] = [];
    const entry: CachedPolicy = {
      policy: stored ? readStoredPolicy(defaults, stored.document, (repair) => repairs.push(repair)) : defaults,
      version: stored?.version ?? 0,
      at: now,
    };
    if (this.cache.size >= (this.options.maxEntries ?? 10_000)) this.cache.clear();
    this.cache.set(tenant.clientKey, entry);
    if (repairs.length > 0) this.options.onStoredPolicyRepaired?.(tenant.clientKey, repairs);
    return entry;
  }
}

/**
 * The audit detail of a policy change: which top-level fields changed (`fields`), and the old and new
 * value of each changed field (`<field>.old`, `<field>.new`; blocks by their inner fields, e.g.
 * `lockout.maxFailures.old`). Policy values are not secret. Lists are written as JSON, and any text
 * longer than an audit detail holds is cut visibly with an ellipsis.
 */
function changeDetail(before: TenantPolicy, after: TenantPolicy, changedFields: readonly string[]): Record<string, AuditDetailValue> {
  const detail: Record<string, AuditDetailValue> = { fields: changedFields.join(',') };
  for (const change of policyChanges(before, after)) {
    detail[`${change.field}.old`] = auditValue(change.old);
    detail[`${change.field}.new`] = auditValue(change.new);
  }
  return detail;
}

function auditValue(value: unknown): AuditDetailValue {
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return value;
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
  return text.length > AUDIT_DETAIL_MAX_TEXT ? `${text.slice(0, AUDIT_DETAIL_MAX_TEXT - 1)}…` : text;
}
