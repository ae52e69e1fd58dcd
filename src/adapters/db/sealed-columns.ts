import { LEGACY_CONTEXTS } from './legacy-sealing-contexts';

/**
 * Every column that holds a value sealed with SecretBox, with how its sealing context is derived
 * from the row. `npm run rotate-master-key` walks this list to re-seal under the current key; a
 * migration that adds a sealed column adds it here too. Contexts must match what the repositories use.
 */
export interface SealedColumn {
  table: string;
  /** Columns that identify a row (used in the UPDATE's WHERE). */
  keyColumns: string[];
  column: string;
  context(row: Record<string, unknown>): string;
  /**
   * The context this column's values were sealed with before contexts were encoded unambiguously
   * (parts joined with `:`). Read only by the migration that re-seals them (0200); the app never opens with it.
   * Absent for a column added after 0200: it never had another context, and 0200 runs before its table exists.
   */
  legacyContext?(row: Record<string, unknown>): string;
}

/**
 * The associated data of a sealed value: its parts as a JSON array of strings. Parts are ids we do not
 * control (an Atlassian accountId contains `:`), so joining them with a separator would let two
 * different tuples share one context; JSON's quoting and escaping keep every tuple distinct.
 */
export const sealingContext = (...parts: string[]): string => JSON.stringify(parts);

export const tenantSharedSecretContext = (clientKey: string) => sealingContext('tenant.sharedSecret', clientKey);
export const tenantSettingContext = (clientKey: string, key: string) => sealingContext('tenant.setting', clientKey, key);
/** A TOTP seed is bound to its tenant, user and credential: copied into another row, it does not open. */
export const totpSecretContext = (clientKey: string, accountId: string, credentialId: string) =>
  sealingContext('totp.secret', clientKey, accountId, credentialId);

/** The connector's secrets, each bound to its tenant and column. */
export const CONNECTOR_SEALED_COLUMNS = {
  privateKeyPem: 'private_key_sealed',
  accessToken: 'access_token_sealed',
  tokenSecret: 'token_secret_sealed',
  basicSecret: 'basic_secret_sealed',
} as const;
export const connectorSecretContext = (clientKey: string, column: string) => sealingContext(`connector.${column}`, clientKey);
/** A request token's secret is bound to its tenant and authorization attempt (the state's hash). */
export const connectorRequestTokenSecretContext = (clientKey: string, stateHash: string) =>
  sealingContext('connector.request_token_secret', clientKey, stateHash);

/** A staged hardware token's seed is bound to its tenant and token id (also its future credential's id). */
export const hardwareTokenSecretContext = (clientKey: string, tokenId: string) => sealingContext('hardware_token.secret', clientKey, tokenId);

/** The columns that existed when contexts changed (migration 0200 re-seals these only). */
export const legacySealedColumns = (): SealedColumn[] => SEALED_COLUMNS.filter((sealed) => sealed.legacyContext !== undefined);

/** A paired phone's Web Push subscription (its keys let one write to the phone), bound to its tenant and device. */
export const devicePushSubscriptionContext = (clientKey: string, deviceId: string) => sealingContext('device.push_subscription', clientKey, deviceId);

export const SEALED_COLUMNS: SealedColumn[] = [
  {
    table: 'tenants',
    keyColumns: ['client_key'],
    column: 'shared_secret_sealed',
    context: (row) => tenantSharedSecretContext(String(row.client_key)),
    legacyContext: (row) => LEGACY_CONTEXTS.tenantSharedSecret(String(row.client_key)),
  },
  {
    table: 'tenant_settings',
    keyColumns: ['client_key', 'key'],
    column: 'value',
    context: (row) => tenantSettingContext(String(row.client_key), String(row.key)),
    legacyContext: (row) => LEGACY_CONTEXTS.tenantSetting(String(row.client_key), String(row.key)),
  },
  {
    table: 'totp_credentials',
    keyColumns: ['client_key', 'account_id', 'id'],
    column: 'secret_sealed',
    context: (row) => totpSecretContext(String(row.client_key), String(row.account_id), String(row.id)),
    legacyContext: (row) => LEGACY_CONTEXTS.totpSecret(String(row.client_key), String(row.account_id), String(row.id)),
  },
  ...Object.values(CONNECTOR_SEALED_COLUMNS).map((column): SealedColumn => ({
    table: 'connectors',
    keyColumns: ['client_key'],
    column,
    context: (row) => connectorSecretContext(String(row.client_key), column),
    legacyContext: (row) => LEGACY_CONTEXTS.connectorSecret(String(row.client_key), column),
  })),
  {
    table: 'connector_authorizations',
    keyColumns: ['client_key', 'state_hash'],
    column: 'request_token_secret_sealed',
    context: (row) => connectorRequestTokenSecretContext(String(row.client_key), String(row.state_hash)),
    legacyContext: (row) => LEGACY_CONTEXTS.connectorRequestTokenSecret(String(row.client_key), String(row.state_hash)),
  },
  {
    table: 'hardware_tokens',
    keyColumns: ['id'],
    column: 'secret_sealed',
    context: (row) => hardwareTokenSecretContext(String(row.client_key), String(row.id)),
  },
  {
    table: 'paired_devices',
    keyColumns: ['id'],
    column: 'push_subscription_sealed',
    context: (row) => devicePushSubscriptionContext(String(row.client_key), String(row.id)),
  },
];
