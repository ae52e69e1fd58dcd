import { Op, type ModelStatic, type Sequelize } from 'sequelize';
import type { SecretBox } from '../../domain/ports/secret-box';
import type { InstallationPayload, Tenant, TenantRepository } from '../../domain/tenancy/tenant';
import { defineTenantModels, type TenantRow } from './models/tenant-model';
import { tenantSharedSecretContext } from './sealed-columns';
import { TENANT_OWNED_TABLES } from './tenant-owned-tables';

export class SequelizeTenantRepository implements TenantRepository {
  private readonly rows: ModelStatic<TenantRow>;

  constructor(
    private readonly sequelize: Sequelize,
    private readonly secretBox: SecretBox,
  ) {
    this.rows = defineTenantModels(sequelize).tenants;
  }

  async findInstalled(clientKey: string): Promise<Tenant | null> {
    const row = await this.rows.findOne({ where: { client_key: clientKey, uninstalled_at: null } });
    return row ? this.toTenant(row) : null;
  }

  async saveInstallation(payload: InstallationPayload, at: Date): Promise<Tenant> {
    const { sharedSecret, ...info } = payload;
    return this.sequelize.transaction(async (transaction) => {
      const existing = await this.rows.findByPk(payload.clientKey, { transaction, lock: transaction.LOCK.UPDATE });
      const values = {
        base_url: payload.baseUrl,
        product_type: payload.productType,
        shared_secret_sealed: this.secretBox.seal(sharedSecret, tenantSharedSecretContext(payload.clientKey)),
        client_info: JSON.stringify(info),
        updated_at: at,
        uninstalled_at: null,
      };
      const row = existing
        ? await existing.update(values, { transaction })
        : await this.rows.create({ client_key: payload.clientKey, installed_at: at, ...values }, { transaction });
      return this.toTenant(row);
    });
  }

  async installationInfo(clientKey: string): Promise<Record<string, unknown> | null> {
    const row = await this.rows.findOne({ where: { client_key: clientKey, uninstalled_at: null } });
    return row ? (JSON.parse(row.client_info) as Record<string, unknown>) : null;
  }

  async markUninstalled(clientKey: string, at: Date): Promise<boolean> {
    const [changed] = await this.rows.update({ uninstalled_at: at, updated_at: at }, { where: { client_key: clientKey, uninstalled_at: null } });
    return changed > 0;
  }

  async purgeUninstalledBefore(cutoff: Date): Promise<string[]> {
    const expired = await this.rows.findAll({ attributes: ['client_key'], where: { uninstalled_at: { [Op.lt]: cutoff } } });
    const purged: string[] = [];
    for (const { client_key: clientKey } of expired) {
      // One transaction a tenant: a failure leaves that tenant whole, to be purged on the next run.
      await this.sequelize.transaction(async (transaction) => {
        // Locked (Postgres: FOR UPDATE, as saveInstallation does): a reinstall either commits before this
        // read, which then finds nothing, or waits until the purge is done and installs afresh. On SQLite
        // a reinstall committed after this read makes the deletes fail (the snapshot is stale) instead.
        const stillUninstalled = await this.rows.findOne({
          where: { client_key: clientKey, uninstalled_at: { [Op.lt]: cutoff } },
          transaction,
          lock: transaction.LOCK.UPDATE,
        });
        if (!stillUninstalled) return; // reinstalled meanwhile
        const qi = this.sequelize.getQueryInterface();
        for (const { table, tenantColumn } of TENANT_OWNED_TABLES) {
          await qi.bulkDelete(table, { [tenantColumn]: clientKey }, { transaction });
        }
        purged.push(clientKey);
      });
    }
    return purged;
  }

  private toTenant(row: TenantRow): Tenant {
    return {
      clientKey: row.client_key,
      baseUrl: row.base_url,
      productType: row.product_type,
      sharedSecret: this.secretBox.open(row.shared_secret_sealed, tenantSharedSecretContext(row.client_key)),
      installedAt: new Date(row.installed_at),
      updatedAt: new Date(row.updated_at),
      uninstalledAt: row.uninstalled_at === null ? null : new Date(row.uninstalled_at),
    };
  }
}
