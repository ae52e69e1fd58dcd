import { TwofoldError } from '../errors';
import { idPatternProblem } from '../idmap/id-pattern';
import type { PolicyService } from '../policy/policy-service';
import type { Tenant } from '../tenancy/tenant';
import { ROLLOUT_KIND, type RolloutParams } from './rollout-job';

export interface RolloutRequest {
  readonly group: string;
  readonly idPattern?: string;
  readonly target?: 'host' | 'connector';
  readonly overwrite?: boolean;
}

export interface RolloutServiceDeps {
  policies: PolicyService;
  /** The job runner's enqueue: `409 job_running` while a rollout of the tenant runs. */
  enqueue(tenant: string, kind: string, params: unknown, actorAccountId: string | null): Promise<string>;
  /** Throws `409 connector_not_configured` / `connector_needs_reauthorization` when the connector cannot be used. */
  connectorReady(tenant: string): Promise<void>;
}

/** Starts a rollout job (`POST /api/v1/admin/rollouts`): checks what can be checked before the 202. */
export class RolloutService {
  constructor(private readonly deps: RolloutServiceDeps) {}

  async start(tenant: Tenant, actorAccountId: string, request: RolloutRequest): Promise<string> {
    const idPattern = request.idPattern ?? (await this.deps.policies.get(tenant)).idPattern;
    const problem = idPatternProblem(idPattern);
    if (problem !== null) {
      throw new TwofoldError('invalid_request', `The ID pattern ${problem}.`, { details: { fields: [{ field: 'idPattern', problem }] } });
    }
    const target = request.target ?? 'host';
    if (target === 'connector') await this.deps.connectorReady(tenant.clientKey);
    const params: RolloutParams = { group: request.group, idPattern, target, overwrite: request.overwrite ?? false };
    return this.deps.enqueue(tenant.clientKey, ROLLOUT_KIND, params, actorAccountId);
  }
}
