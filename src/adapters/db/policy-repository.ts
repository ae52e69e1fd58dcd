import { UniqueConstraintError, type ModelStatic, type Sequelize } from 'sequelize';
import type { TenantPolicy } from '../../domain/policy/policy';
import type { PolicyRepository } from '../../domain/policy/policy-service';
import { mfaModels, type TenantPolicyRow } from './models/mfa-models';

/** A tenant's policy as one JSON document with a version for compare-and-set. Not secret. */
export class SequelizePolicyRepository implements PolicyRepository {
  private readonly rows: ModelStatic<TenantPolicyRow>;

  constructor(sequelize: Sequelize) {
    this.rows = mfaModels(sequelize).policies;
  }

  async find(tenant: string): Promise<{ document: unknown; version: number } | null> {
    const row = await this.rows.findOne({ where: { client_key: tenant }, raw: true });
    if (!row) return null;
    let document: unknown;
    try {
      document = JSON.parse(row.document);
    } catch {
      document = null; // unreadable: the defaults apply (policy-update.ts readStoredPolicy)
    }
    return { document, version: Number(row.version) };
  }

  async save(tenant: string, document: TenantPolicy, expectedVersion: number, at: Date, by: string): Promise<boolean> {
    const values = { document: JSON.stringify(document), version: expectedVersion + 1, updated_at: at, updated_by: by };
    if (expectedVersion === 0) {
      try {
        await this.rows.create({ client_key: tenant, ...values });
        return true;
      } catch (error) {
        if (error instanceof UniqueConstraintError) return false;
        throw error;
      }
    }
    const [changed] = await this.rows.update(values, { where: { client_key: tenant, version: expectedVersion } });
    return changed === 1;
  }
}
