import type { Migration } from './migration';

/**
 * The audit page is read newest first by time, then id (`ORDER BY at DESC, id DESC`, the cursor the
 * last row's pair): indexes whose order matches, so that a page is an index range scan of 51 rows
 * however many entries the tenant has, instead of a sort. They replace the id-ordered ones of 0012-audit-events,
 * which no query uses any more (and which every audit insert on the verify path had to maintain).
 * `IF NOT EXISTS`: a database where an operator added them by hand migrates too.
 */
export const auditKeysetIndex: Migration = {
  name: '0101-audit-keyset-index',
  async up(qi) {
    const run = (sql: string) => qi.sequelize.query(sql);
    await run('CREATE INDEX IF NOT EXISTS audit_events_tenant_at ON audit_events (client_key, at DESC, id DESC)');
    await run('CREATE INDEX IF NOT EXISTS audit_events_subject_at ON audit_events (client_key, subject_account_id, at DESC, id DESC)');
    await run('DROP INDEX IF EXISTS audit_events_tenant');
    await run('DROP INDEX IF EXISTS audit_events_subject');
  },
  async down(qi) {
    const run = (sql: string) => qi.sequelize.query(sql);
    await run('CREATE INDEX IF NOT EXISTS audit_events_tenant ON audit_events (client_key, id)');
    await run('CREATE INDEX IF NOT EXISTS audit_events_subject ON audit_events (client_key, subject_account_id, id)');
    await run('DROP INDEX IF EXISTS audit_events_tenant_at');
    await run('DROP INDEX IF EXISTS audit_events_subject_at');
  },
};
