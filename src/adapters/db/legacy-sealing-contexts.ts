/**
 * The sealing contexts as they were before migration 0200: parts joined with `:`, which is ambiguous
 * because an Atlassian accountId (and a setting key) may contain `:` itself. Kept only so that
 * migration 0200 can open the values sealed with them and re-seal them with the JSON-encoded context
 * (sealed-columns.ts). Nothing else may open a value with these.
 */
export const LEGACY_CONTEXTS = {
  tenantSharedSecret: (clientKey: string) => `tenant.sharedSecret:${clientKey}`,
  tenantSetting: (clientKey: string, key: string) => `tenant.setting:${clientKey}:${key}`,
  totpSecret: (clientKey: string, accountId: string, credentialId: string) => `totp.secret:${clientKey}:${accountId}:${credentialId}`,
  connectorSecret: (clientKey: string, column: string) => `connector.${column}:${clientKey}`,
  connectorRequestTokenSecret: (clientKey: string, stateHash: string) => `connector.request_token_secret:${clientKey}:${stateHash}`,
} as const;
