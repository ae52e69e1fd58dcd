/**
 * Every table that holds a tenant's data, with its tenant column. Purging an uninstalled tenant after
 * its grace period deletes from each of them; a migration that adds such a table adds it here too
 * (children before parents, since the purge runs in this order).
 */
export const TENANT_OWNED_TABLES: { table: string; tenantColumn: string }[] = [
  { table: 'directory_user_groups', tenantColumn: 'client_key' },
  { table: 'directory_users', tenantColumn: 'client_key' },
  { table: 'directory_mirrors', tenantColumn: 'client_key' },
  { table: 'job_items', tenantColumn: 'client_key' },
  { table: 'jobs', tenantColumn: 'client_key' },
  { table: 'sync_write_back', tenantColumn: 'client_key' },
  { table: 'hardware_tokens', tenantColumn: 'client_key' },
  { table: 'gate_approvals', tenantColumn: 'client_key' },
  { table: 'gates', tenantColumn: 'client_key' },
  { table: 'access_pass_challenges', tenantColumn: 'client_key' },
  { table: 'paired_devices', tenantColumn: 'client_key' },
  { table: 'device_pairings', tenantColumn: 'client_key' },
  { table: 'totp_credentials', tenantColumn: 'client_key' },
  { table: 'backup_codes', tenantColumn: 'client_key' },
  { table: 'failure_counters', tenantColumn: 'client_key' },
  { table: 'verification_sessions', tenantColumn: 'client_key' },
  { table: 'browser_sessions', tenantColumn: 'client_key' },
  { table: 'email_codes', tenantColumn: 'client_key' },
  { table: 'email_confirmations', tenantColumn: 'client_key' },
  { table: 'two_factor_ids', tenantColumn: 'client_key' },
  { table: 'tenant_policies', tenantColumn: 'client_key' },
  { table: 'audit_events', tenantColumn: 'client_key' },
  { table: 'connector_authorizations', tenantColumn: 'client_key' },
  { table: 'connectors', tenantColumn: 'client_key' },
  { table: 'tenant_settings', tenantColumn: 'client_key' },
  { table: 'tenants', tenantColumn: 'client_key' },
];
