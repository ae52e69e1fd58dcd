import type { Migration } from './migration';

/** Whether the user has an active credential: the value `directory_users.enrolled` keeps. */
const HAS_ACTIVE = (tenant: string, account: string) =>
  `EXISTS (SELECT 1 FROM totp_credentials c WHERE c.client_key = ${tenant} AND c.account_id = ${account} AND c.status = 'active')`;

/** Sets every mirrored user's `enrolled` from the credentials (the migration's backfill; the bench's seeding). */
export const BACKFILL_ENROLLED_SQL = `UPDATE directory_users SET enrolled = ${HAS_ACTIVE('directory_users.client_key', 'directory_users.account_id')}`;

/** SQLite: one trigger an event (Postgres: the first name, for all three). */
const TRIGGERS: ReadonlyArray<readonly [name: string, event: string, row: 'NEW' | 'OLD']> = [
  ['directory_users_enrolled_insert', 'INSERT', 'NEW'],
  ['directory_users_enrolled_update', 'UPDATE OF status', 'NEW'],
  ['directory_users_enrolled_delete', 'DELETE', 'OLD'],
];
const POSTGRES_TRIGGER = 'directory_users_enrolled';

/**
 * The users page's "enrolled only" filter as an index range scan: `directory_users.enrolled`, with the
 * index `directory_users_enrolled_page` (tenant, enrolled, page order). Before, a page of enrolled users
 * walked the users in page order and probed each one's credential: with 1,000 of 20,000 enrolled, a page
 * of 50 looked at about 1,000 users (p99 50 ms on SQLite, 59 ms on Postgres in bench:admin-users, against
 * 19-28 ms for the other pages).
 *
 * Kept by triggers on `totp_credentials`, in the same transaction as the change of credential, whatever
 * wrote it (set-up, removal, token import, an admin's reset, a tenant's purge): no code path can forget it.
 * They fire on INSERT, DELETE and an UPDATE that sets `status`; the verify path's UPDATE of
 * `last_used_step` does not fire them. A user mirrored later gets the value when the mirror inserts them.
 */
export const directoryEnrolled: Migration = {
  name: '0520-directory-enrolled',
  async up(qi) {
    const run = (sql: string) => qi.sequelize.query(sql);
    // Plain SQL, not addColumn: the table is the one on the search_path (a schema of its own in tests).
    await run('ALTER TABLE directory_users ADD COLUMN enrolled BOOLEAN NOT NULL DEFAULT false');
    await run(BACKFILL_ENROLLED_SQL);
    await run('CREATE INDEX directory_users_enrolled_page ON directory_users (client_key, enrolled, sort_name, account_id)');
    if (qi.sequelize.getDialect() === 'postgres') {
      await run(`CREATE OR REPLACE FUNCTION twofold_directory_enrolled() RETURNS trigger LANGUAGE plpgsql AS $body$
        DECLARE
          tenant text;
          account text;
        BEGIN
          IF TG_OP = 'DELETE' THEN tenant := OLD.client_key; account := OLD.account_id;
          ELSE tenant := NEW.client_key; account := NEW.account_id;
          END IF;
          UPDATE directory_users SET enrolled = ${HAS_ACTIVE('tenant', 'account')} WHERE client_key = tenant AND account_id = account;
          RETURN NULL;
        END $body$`);
      await run(
        `CREATE TRIGGER ${POSTGRES_TRIGGER} AFTER INSERT OR DELETE OR UPDATE OF status ON totp_credentials FOR EACH ROW EXECUTE FUNCTION twofold_directory_enrolled()`,
      );
      return;
    }
    for (const [name, event, row] of TRIGGERS) {
      await run(
        `CREATE TRIGGER ${name} AFTER ${event} ON totp_credentials BEGIN
           UPDATE directory_users SET enrolled = ${HAS_ACTIVE(`${row}.client_key`, `${row}.account_id`)}
           WHERE client_key = ${row}.client_key AND account_id = ${row}.account_id;
         END`,
      );
    }
  },
  async down(qi) {
    const run = (sql: string) => qi.sequelize.query(sql);
    if (qi.sequelize.getDialect() === 'postgres') {
      await run(`DROP TRIGGER IF EXISTS ${POSTGRES_TRIGGER} ON totp_credentials`);
      await run('DROP FUNCTION IF EXISTS twofold_directory_enrolled()');
    } else {
      for (const [name] of TRIGGERS) await run(`DROP TRIGGER IF EXISTS ${name}`);
    }
    await run('DROP INDEX IF EXISTS directory_users_enrolled_page');
    await run('ALTER TABLE directory_users DROP COLUMN enrolled');
  },
};
