import { DataTypes, type InferAttributes, type InferCreationAttributes, type Model, type ModelStatic, type Sequelize } from 'sequelize';

export interface TotpCredentialRow extends Model<InferAttributes<TotpCredentialRow>, InferCreationAttributes<TotpCredentialRow>> {
  id: string;
  client_key: string;
  account_id: string;
  status: string;
  secret_sealed: string;
  algorithm: string;
  digits: number;
  period: number;
  last_used_step: number | null;
  created_at: Date;
  confirmed_at: Date | null;
}

export interface BackupCodeRow extends Model<InferAttributes<BackupCodeRow>, InferCreationAttributes<BackupCodeRow>> {
  id: string;
  client_key: string;
  account_id: string;
  hash: string;
  used_at: Date | null;
  created_at: Date;
}

export interface FailureCounterRow extends Model<InferAttributes<FailureCounterRow>, InferCreationAttributes<FailureCounterRow>> {
  client_key: string;
  account_id: string;
  failures: number;
  /** BIGINT: Postgres hands it back as a string. */
  window_started_ms: number | string | null;
  locked_until_ms: number | string | null;
  version: number;
}

export interface VerificationSessionRow extends Model<InferAttributes<VerificationSessionRow>, InferCreationAttributes<VerificationSessionRow>> {
  client_key: string;
  account_id: string;
  verified_at: Date;
  verified_until: Date;
}

export interface TenantPolicyRow extends Model<InferAttributes<TenantPolicyRow>, InferCreationAttributes<TenantPolicyRow>> {
  client_key: string;
  document: string;
  version: number;
  updated_at: Date;
  updated_by: string;
}

export interface TwoFactorIdRow extends Model<InferAttributes<TwoFactorIdRow>, InferCreationAttributes<TwoFactorIdRow>> {
  client_key: string;
  account_id: string;
  two_factor_id: string;
  id_key: string;
  source: string;
  created_at: Date;
  updated_at: Date;
}

export interface AuditEventRow extends Model<InferAttributes<AuditEventRow>, InferCreationAttributes<AuditEventRow>> {
  id?: number | string;
  client_key: string;
  at: Date;
  actor_account_id: string | null;
  action: string;
  subject_account_id: string | null;
  detail: string;
}

export interface MfaModels {
  totpCredentials: ModelStatic<TotpCredentialRow>;
  backupCodes: ModelStatic<BackupCodeRow>;
  failureCounters: ModelStatic<FailureCounterRow>;
  sessions: ModelStatic<VerificationSessionRow>;
  policies: ModelStatic<TenantPolicyRow>;
  twoFactorIds: ModelStatic<TwoFactorIdRow>;
  auditEvents: ModelStatic<AuditEventRow>;
}

const byInstance = new WeakMap<Sequelize, MfaModels>();

/**
 * The models of the second-factor tables, defined once per Sequelize instance (two app instances in
 * one process each have their own), mirroring migrations 0010 to 0012.
 */
export function mfaModels(sequelize: Sequelize): MfaModels {
  const known = byInstance.get(sequelize);
  if (known) return known;
  const options = { timestamps: false } as const;
  const tenant = { type: DataTypes.STRING(255), allowNull: false };
  const account = { type: DataTypes.STRING(128), allowNull: false };
  const models: MfaModels = {
    totpCredentials: sequelize.define<TotpCredentialRow>(
      'TotpCredential',
      {
        id: { type: DataTypes.STRING(36), primaryKey: true },
        client_key: tenant,
        account_id: account,
        status: { type: DataTypes.STRING(16), allowNull: false },
        secret_sealed: { type: DataTypes.TEXT, allowNull: false },
        algorithm: { type: DataTypes.STRING(8), allowNull: false },
        digits: { type: DataTypes.INTEGER, allowNull: false },
        period: { type: DataTypes.INTEGER, allowNull: false },
        last_used_step: { type: DataTypes.INTEGER, allowNull: true },
        created_at: { type: DataTypes.DATE, allowNull: false },
        confirmed_at: { type: DataTypes.DATE, allowNull: true },
      },
      { ...options, tableName: 'totp_credentials' },
    ),
    backupCodes: sequelize.define<BackupCodeRow>(
      'BackupCode',
      {
        id: { type: DataTypes.STRING(36), primaryKey: true },
        client_key: tenant,
        account_id: account,
        hash: { type: DataTypes.STRING(160), allowNull: false },
        used_at: { type: DataTypes.DATE, allowNull: true },
        created_at: { type: DataTypes.DATE, allowNull: false },
      },
      { ...options, tableName: 'backup_codes' },
    ),
    failureCounters: sequelize.define<FailureCounterRow>(
      'FailureCounter',
      {
        client_key: { ...tenant, primaryKey: true },
        account_id: { ...account, primaryKey: true },
        failures: { type: DataTypes.INTEGER, allowNull: false },
        window_started_ms: { type: DataTypes.BIGINT, allowNull: true },
        locked_until_ms: { type: DataTypes.BIGINT, allowNull: true },
        version: { type: DataTypes.INTEGER, allowNull: false },
      },
      { ...options, tableName: 'failure_counters' },
    ),
    sessions: sequelize.define<VerificationSessionRow>(
      'VerificationSession',
      {
        client_key: { ...tenant, primaryKey: true },
        account_id: { ...account, primaryKey: true },
        verified_at: { type: DataTypes.DATE, allowNull: false },
        verified_until: { type: DataTypes.DATE, allowNull: false },
      },
      { ...options, tableName: 'verification_sessions' },
    ),
    policies: sequelize.define<TenantPolicyRow>(
      'TenantPolicy',
      {
        client_key: { ...tenant, primaryKey: true },
        document: { type: DataTypes.TEXT, allowNull: false },
        version: { type: DataTypes.INTEGER, allowNull: false },
        updated_at: { type: DataTypes.DATE, allowNull: false },
        updated_by: { type: DataTypes.STRING(128), allowNull: false },
      },
      { ...options, tableName: 'tenant_policies' },
    ),
    twoFactorIds: sequelize.define<TwoFactorIdRow>(
      'TwoFactorId',
      {
        client_key: { ...tenant, primaryKey: true },
        account_id: { ...account, primaryKey: true },
        two_factor_id: { type: DataTypes.STRING(128), allowNull: false },
        id_key: { type: DataTypes.STRING(128), allowNull: false },
        source: { type: DataTypes.STRING(16), allowNull: false },
        created_at: { type: DataTypes.DATE, allowNull: false },
        updated_at: { type: DataTypes.DATE, allowNull: false },
      },
      { ...options, tableName: 'two_factor_ids' },
    ),
    auditEvents: sequelize.define<AuditEventRow>(
      'AuditEvent',
      {
        id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
        client_key: tenant,
        at: { type: DataTypes.DATE, allowNull: false },
        actor_account_id: { type: DataTypes.STRING(128), allowNull: true },
        action: { type: DataTypes.STRING(64), allowNull: false },
        subject_account_id: { type: DataTypes.STRING(128), allowNull: true },
        detail: { type: DataTypes.TEXT, allowNull: false },
      },
      { ...options, tableName: 'audit_events' },
    ),
  };
  byInstance.set(sequelize, models);
  return models;
}

/** A DATE column's value as a Date (SQLite may hand back text). */
export function toDate(value: Date | string | null | undefined): Date | null {
  if (value === null || value === undefined) return null;
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) throw new Error('a stored date does not parse');
  return date;
}

/** A BIGINT column's value as a number (Postgres hands back text). */
export function toNumber(value: number | string | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  const number = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(number)) throw new Error('a stored number does not parse');
  return number;
}
