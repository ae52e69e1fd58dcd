import { randomUUID } from 'node:crypto';
import type { AuditLog } from '../audit/audit-log';
import { TwofoldError } from '../errors';
import type { Clock } from '../ports/clock';
import type { Random } from '../ports/random';
import { newGateKey } from './gate-keys';
import { nginxConfig } from './nginx-config';
import type { ConnectorStatusReader, GateRecord, GateRepository } from './ports';

export interface GateAdminDeps {
  readonly gates: GateRepository;
  readonly connector: ConnectorStatusReader;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly random: Random;
  /** Twofold's public base URL, for the nginx snippet. */
  readonly appBaseUrl: string;
  /** Tells every instance that the tenant's gates changed (a revoked key must stop everywhere at once). */
  readonly onGatesChanged: (tenant: string) => void;
}

export interface CreatedGate {
  readonly id: string;
  readonly name: string;
  /** Shown this once. */
  readonly key: string;
  readonly nginxConfig: string;
}

const MAX_NAME = 128;

/** `/api/v1/admin/gates`: creating, listing and revoking the gates of the tenant's connected Data Center. */
export class GateAdmin {
  constructor(private readonly deps: GateAdminDeps) {}

  async create(tenant: string, actor: string, name: unknown): Promise<CreatedGate> {
    const trimmed = typeof name === 'string' ? name.trim() : '';
    // eslint-disable-next-line no-control-regex -- control characters are exactly what this refuses
    if (trimmed.length === 0 || trimmed.length > MAX_NAME || /[\u0000-\u001f\u007f]/.test(trimmed)) {
      throw new TwofoldError('invalid_request', `Give the gate a name of 1 to ${MAX_NAME} characters.`, {
        details: { fields: [{ field: 'name', problem: `must be 1 to ${MAX_NAME} characters` }] },
      });
    }
    const connector = await this.deps.connector.status(tenant);
    if (connector.status !== 'connected' || connector.baseUrl === null) {
      throw new TwofoldError(
        'connector_not_ready',
        'Connect Twofold to your Data Center first (Jira connector page): a gate protects the site the connector points at.',
        {
          details: { status: connector.status },
        },
      );
    }
    const now = this.deps.clock.now();
    const { key, keyHash } = newGateKey(this.deps.random);
    const id = randomUUID();
    await this.deps.gates.create({ id, tenant, name: trimmed, createdAt: now, lastUsedAt: null, keyHash, createdBy: actor });
    await this.deps.audit.record(tenant, {
      at: now,
      actorAccountId: actor,
      action: 'gate.created',
      subjectAccountId: null,
      detail: { gateId: id, name: trimmed },
    });
    return { id, name: trimmed, key, nginxConfig: nginxConfig({ twofoldUrl: this.deps.appBaseUrl, dataCenterUrl: connector.baseUrl, gateKey: key }) };
  }

  list(tenant: string): Promise<GateRecord[]> {
    return this.deps.gates.list(tenant);
  }

  async revoke(tenant: string, actor: string, id: string): Promise<void> {
    const now = this.deps.clock.now();
    if (!(await this.deps.gates.revoke(tenant, id, now))) throw new TwofoldError('not_found', 'There is no such gate (it may have been revoked already).');
    this.deps.onGatesChanged(tenant);
    await this.deps.audit.record(tenant, { at: now, actorAccountId: actor, action: 'gate.revoked', subjectAccountId: null, detail: { gateId: id } });
  }
}
