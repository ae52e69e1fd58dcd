import type { UmzugStorage } from 'umzug';
import type { Sequelize } from 'sequelize';

/**
 * Where umzug records which migrations ran: the `schema_migrations` table, in plain SQL.
 * (umzug's SequelizeStorage syncs a model, and Sequelize's Postgres existence checks look in the
 * `public` schema whatever the connection's search_path: with the app in a schema of its own beside a
 * `public.schema_migrations`, it would read the wrong table.)
 */
export class SqlMigrationStorage implements UmzugStorage {
  constructor(private readonly sequelize: Sequelize) {}

  async executed(): Promise<string[]> {
    await this.ensureTable();
    const [rows] = await this.sequelize.query('SELECT name FROM schema_migrations ORDER BY name');
    return (rows as { name: string }[]).map((row) => row.name);
  }

  async logMigration({ name }: { name: string }): Promise<void> {
    await this.ensureTable();
    await this.sequelize.query('INSERT INTO schema_migrations (name) VALUES (:name)', { replacements: { name } });
  }

  async unlogMigration({ name }: { name: string }): Promise<void> {
    await this.ensureTable();
    await this.sequelize.query('DELETE FROM schema_migrations WHERE name = :name', { replacements: { name } });
  }

  private async ensureTable(): Promise<void> {
    await this.sequelize.query('CREATE TABLE IF NOT EXISTS schema_migrations (name VARCHAR(255) NOT NULL PRIMARY KEY)');
  }
}
