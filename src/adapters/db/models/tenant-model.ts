import { DataTypes, type InferAttributes, type InferCreationAttributes, type Model, type ModelStatic, type Sequelize } from 'sequelize';

export interface TenantRow extends Model<InferAttributes<TenantRow>, InferCreationAttributes<TenantRow>> {
  client_key: string;
  base_url: string;
  product_type: string;
  shared_secret_sealed: string;
  client_info: string;
  installed_at: Date;
  updated_at: Date;
  uninstalled_at: Date | null;
}

export interface TenantSettingRow extends Model<InferAttributes<TenantSettingRow>, InferCreationAttributes<TenantSettingRow>> {
  client_key: string;
  key: string;
  value: string;
}

/**
 * Models are defined per Sequelize instance (not with static `Model.init`), so that two app
 * instances in one process (the multi-instance tests) each have their own.
 */
export function defineTenantModels(sequelize: Sequelize): { tenants: ModelStatic<TenantRow>; settings: ModelStatic<TenantSettingRow> } {
  const tenants = sequelize.define<TenantRow>(
    'Tenant',
    {
      client_key: { type: DataTypes.STRING(255), primaryKey: true },
      base_url: { type: DataTypes.STRING(512), allowNull: false },
      product_type: { type: DataTypes.STRING(32), allowNull: false },
      shared_secret_sealed: { type: DataTypes.TEXT, allowNull: false },
      client_info: { type: DataTypes.TEXT, allowNull: false },
      installed_at: { type: DataTypes.DATE, allowNull: false },
      updated_at: { type: DataTypes.DATE, allowNull: false },
      uninstalled_at: { type: DataTypes.DATE, allowNull: true },
    },
    { tableName: 'tenants', timestamps: false },
  );
  const settings = sequelize.define<TenantSettingRow>(
    'TenantSetting',
    {
      client_key: { type: DataTypes.STRING(255), primaryKey: true },
      key: { type: DataTypes.STRING(255), primaryKey: true },
      value: { type: DataTypes.TEXT, allowNull: false },
    },
    { tableName: 'tenant_settings', timestamps: false },
  );
  return { tenants, settings };
}
