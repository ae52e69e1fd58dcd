import { Umzug } from 'umzug';
import type { Database } from './database';
import type { Logger } from '../logging/logger';
import { SqlMigrationStorage } from './migration-storage';
import { MIGRATIONS } from './migrations';

/**
 * Runs pending migrations (umzug, recorded in the `schema_migrations` table). On Postgres an advisory
 * lock makes several app instances starting together migrate once.
 */
export async function migrate(database: Database, logger: Logger): Promise<string[]> {
  const umzug = createUmzug(database, logger);
  if (database.dialect !== 'postgres') return (await umzug.up()).map((m) => m.name);
  return database.sequelize.transaction(async (transaction) => {
    await database.sequelize.query("SELECT pg_advisory_xact_lock(hashtext('twofold-migrations'))", { transaction });
    return (await umzug.up()).map((m) => m.name);
  });
}

export function createUmzug(database: Database, logger: Logger): Umzug<object> {
  const queryInterface = database.sequelize.getQueryInterface();
  return new Umzug({
    migrations: MIGRATIONS.map((migration) => ({
      name: migration.name,
      up: () => migration.up(queryInterface),
      down: () => migration.down(queryInterface),
    })),
    storage: new SqlMigrationStorage(database.sequelize),
    logger: {
      info: (event) => logger.info({ migration: event }, 'migration'),
      warn: (event) => logger.warn({ migration: event }, 'migration'),
      error: (event) => logger.error({ migration: event }, 'migration'),
      debug: (event) => logger.debug({ migration: event }, 'migration'),
    },
  });
}
