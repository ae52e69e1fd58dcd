import type { ModelStatic, Sequelize } from 'sequelize';
import type { Clock } from '../../domain/ports/clock';
import type { SecretBox } from '../../domain/ports/secret-box';
import type { InstallationPayload, TenantRepository } from '../../domain/tenancy/tenant';
import { defineTenantModels, type TenantSettingRow } from '../db/models/tenant-model';
import { tenantSettingContext } from '../db/sealed-columns';

const CLIENT_INFO = 'clientInfo';

/**
 * ACE's tenant store, registered with `ace.store.register` (ACE itself is not forked or patched).
 * The install payload goes to our `tenants` table with the sharedSecret sealed; every other value ACE
 * keeps (e.g. its OAuth token cache) goes to `tenant_settings`, sealed too. What is handed back to ACE
 * after a save carries no secret, so ACE's development logging of "saved tenant details" shows none.
 */
export class EncryptedTenantStore {
  private readonly settings: ModelStatic<TenantSettingRow>;

  constructor(
    sequelize: Sequelize,
    private readonly tenants: TenantRepository,
    private readonly secretBox: SecretBox,
    private readonly clock: Clock,
    private readonly onTenantChanged: (clientKey: string) => void,
  ) {
    this.settings = defineTenantModels(sequelize).settings;
  }

  isMemoryStore(): boolean {
    return false; // ACE would otherwise try to auto-register with a host on start
  }

  async get(key: string, clientKey: string): Promise<unknown> {
    if (key === CLIENT_INFO) {
      const tenant = await this.tenants.findInstalled(clientKey);
      if (!tenant) return null;
      const info = await this.tenants.installationInfo(clientKey);
      return { ...info, clientKey, baseUrl: tenant.baseUrl, sharedSecret: tenant.sharedSecret };
    }
    const row = await this.settings.findOne({ where: { client_key: clientKey, key } });
    return row ? JSON.parse(this.secretBox.open(row.value, tenantSettingContext(clientKey, key))) : null;
  }

  async set(key: string, value: unknown, clientKey: string): Promise<unknown> {
    if (key === CLIENT_INFO) return this.saveInstallation(value as InstallationPayload, clientKey);
    const sealed = this.secretBox.seal(JSON.stringify(value), tenantSettingContext(clientKey, key));
    await this.settings.upsert({ client_key: clientKey, key, value: sealed });
    return value;
  }

  async saveInstallation(value: InstallationPayload, clientKey: string): Promise<Record<string, unknown>> {
    const tenant = await this.tenants.saveInstallation({ ...value, clientKey }, this.clock.now());
    this.onTenantChanged(clientKey);
    return { clientKey: tenant.clientKey, baseUrl: tenant.baseUrl, productType: tenant.productType };
  }

  /** `del(clientKey)` or `del(key, clientKey)`. Removing a tenant starts its grace period instead. */
  async del(keyOrClientKey: string, clientKey?: string): Promise<void> {
    if (clientKey === undefined || keyOrClientKey === CLIENT_INFO) {
      const tenantKey = clientKey ?? keyOrClientKey;
      if (await this.tenants.markUninstalled(tenantKey, this.clock.now())) this.onTenantChanged(tenantKey);
      return;
    }
    await this.settings.destroy({ where: { client_key: clientKey, key: keyOrClientKey } });
  }

  async getAllClientInfos(): Promise<unknown[]> {
    throw new Error('Twofold does not list tenants through ACE; use the tenant repository');
  }

  async getClientSettingsForForgeInstallation(): Promise<null> {
    return null; // Twofold is not a Forge app
  }

  async associateInstallations(): Promise<void> {
    // Forge installations are not used.
  }

  async deleteAssociation(): Promise<void> {
    // Forge installations are not used.
  }

  forForgeInstallation(): never {
    throw new Error('Twofold is not a Forge app');
  }
}
