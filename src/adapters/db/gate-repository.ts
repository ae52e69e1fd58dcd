import type { Sequelize } from 'sequelize';
import type { ApprovalRequest } from '../../domain/gate/approval';
import type { ApprovalRepository, GateRecord, GateRepository } from '../../domain/gate/ports';
import { toDate } from './models/mfa-models';
import { Sql } from './sql';

interface GateRow {
  id: string;
  client_key: string;
  name: string;
  key_hash: string;
  created_at: Date | string;
  last_used_at: Date | string | null;
}

const gateOf = (row: GateRow): GateRecord => ({
  id: row.id,
  tenant: row.client_key,
  name: row.name,
  createdAt: toDate(row.created_at) as Date,
  lastUsedAt: toDate(row.last_used_at),
});

/** Gates (migration 0400): found by the SHA-256 of their key, the primary key. */
export class SequelizeGateRepository implements GateRepository {
  private readonly sql: Sql;

  constructor(sequelize: Sequelize) {
    this.sql = Sql.for(sequelize);
  }

  create(gate: GateRecord & { keyHash: string; createdBy: string }): Promise<void> {
    return this.sql.insert(
      'INSERT INTO gates (key_hash, id, client_key, name, created_at, created_by, last_used_at, revoked_at) VALUES (:keyHash, :id, :tenant, :name, :createdAt, :createdBy, NULL, NULL)',
      { keyHash: gate.keyHash, id: gate.id, tenant: gate.tenant, name: gate.name, createdAt: gate.createdAt, createdBy: gate.createdBy },
    );
  }

  async list(tenant: string): Promise<GateRecord[]> {
    const rows = await this.sql.select<GateRow>(
      'SELECT id, client_key, name, key_hash, created_at, last_used_at FROM gates WHERE client_key = :tenant AND revoked_at IS NULL ORDER BY created_at, id',
      { tenant },
    );
    return rows.map(gateOf);
  }

  async revoke(tenant: string, id: string, at: Date): Promise<boolean> {
    return (await this.sql.changed('UPDATE gates SET revoked_at = :at WHERE client_key = :tenant AND id = :id AND revoked_at IS NULL', { tenant, id, at })) > 0;
  }

  async findByKeyHash(keyHash: string): Promise<(GateRecord & { keyHash: string }) | null> {
    const [row] = await this.sql.select<GateRow>(
      'SELECT id, client_key, name, key_hash, created_at, last_used_at FROM gates WHERE key_hash = :keyHash AND revoked_at IS NULL',
      { keyHash },
    );
    return row ? { ...gateOf(row), keyHash: row.key_hash } : null;
  }

  async touch(id: string, at: Date): Promise<void> {
    await this.sql.changed('UPDATE gates SET last_used_at = :at WHERE id = :id', { id, at });
  }
}

interface ApprovalRow {
  id: string;
  client_key: string;
  account_id: string;
  username: string;
  client_address: string;
  user_agent: string;
  method: string;
  path: string;
  state: string;
  created_at: Date | string;
  decided_at: Date | string | null;
}

const COLUMNS = 'id, client_key, account_id, username, client_address, user_agent, method, path, state, created_at, decided_at';

const approvalOf = (row: ApprovalRow): ApprovalRequest => ({
  id: row.id,
  tenant: row.client_key,
  accountId: row.account_id,
  username: row.username,
  clientAddress: row.client_address,
  userAgent: row.user_agent,
  method: row.method,
  path: row.path,
  state: row.state as ApprovalRequest['state'],
  createdAt: toDate(row.created_at) as Date,
  decidedAt: toDate(row.decided_at),
});

/** Basic-auth clients' approval requests (migration 0400). */
export class SequelizeApprovalRepository implements ApprovalRepository {
  private readonly sql: Sql;

  constructor(sequelize: Sequelize) {
    this.sql = Sql.for(sequelize);
  }

  create(request: ApprovalRequest): Promise<void> {
    return this.sql.insert(
      `INSERT INTO gate_approvals (${COLUMNS}) VALUES (:id, :tenant, :accountId, :username, :clientAddress, :userAgent, :method, :path, :state, :createdAt, NULL)`,
      {
        id: request.id,
        tenant: request.tenant,
        accountId: request.accountId,
        username: request.username,
        clientAddress: request.clientAddress,
        userAgent: request.userAgent,
        method: request.method,
        path: request.path,
        state: request.state,
        createdAt: request.createdAt,
      },
    );
  }

  async recent(tenant: string, accountId: string, clientAddress: string): Promise<ApprovalRequest[]> {
    const rows = await this.sql.select<ApprovalRow>(
      `SELECT ${COLUMNS} FROM gate_approvals WHERE client_key = :tenant AND account_id = :accountId AND client_address = :clientAddress ORDER BY created_at DESC LIMIT 5`,
      { tenant, accountId, clientAddress },
    );
    return rows.map(approvalOf);
  }

  async find(tenant: string, id: string): Promise<ApprovalRequest | null> {
    const [row] = await this.sql.select<ApprovalRow>(`SELECT ${COLUMNS} FROM gate_approvals WHERE id = :id AND client_key = :tenant`, { id, tenant });
    return row ? approvalOf(row) : null;
  }

  async pending(tenant: string, accountId: string, since: Date): Promise<ApprovalRequest[]> {
    const rows = await this.sql.select<ApprovalRow>(
      `SELECT ${COLUMNS} FROM gate_approvals WHERE client_key = :tenant AND account_id = :accountId AND state = 'pending' AND created_at > :since ORDER BY created_at DESC LIMIT 20`,
      { tenant, accountId, since },
    );
    return rows.map(approvalOf);
  }

  async decide(tenant: string, accountId: string, id: string, state: 'approved' | 'denied', at: Date): Promise<boolean> {
    const changed = await this.sql.changed(
      "UPDATE gate_approvals SET state = :state, decided_at = :at WHERE id = :id AND client_key = :tenant AND account_id = :accountId AND state = 'pending'",
      { state, at, id, tenant, accountId },
    );
    return changed > 0;
  }
}
