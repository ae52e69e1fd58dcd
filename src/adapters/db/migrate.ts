import { Umzug } from 'umzug';
import type { Database } from './database';
import type { Logger } from '../logging/logger';
import { SqlMigrationStorage } from './migration-storage';
import { MIGRATIONS } from './migrations';
import type { MigrationContext } from './migrations/migration';
import type { SecretBox } from '../../domain/ports/secret-box';

/**
 * Runs pending migrations (umzug, recorded in the `schema_migrations` table). On Postgres an advisory
 * lock makes several app instances starting together migrate once.
 */
export async function migrate(database: Database, logger: Logger, secretBox?: SecretBox): Promise<string[]> {
  const umzug = createUmzug(database, logger, secretBox);
  if (database.dialect !== 'postgres') return (await umzug.up()).map((m) => m.name);
  return database.sequelize.transaction(async (transaction) => {
    await database.sequelize.query("SELECT pg_advisory_xact_lock(hashtext('twofold-migrations'))", { transaction });
    return (await umzug.up()).map((m) => m.name);
  });
}

/** `secretBox` is needed by the migrations that re-seal stored secrets (0200) when there are any. */
export function createUmzug(database: Database, logger: Logger, secretBox?: SecretBox): Umzug<object> {
  const queryInterface = database.sequelize.getQueryInterface();
  const context: MigrationContext = { database, logger, ...(secretBox === undefined ? {} : { secretBox }) };
  return new Umzug({
    migrations: MIGRATIONS.map((migration) => ({
      name: migration.name,
      up: () => migration.up(queryInterface, context),
      down: () => migration.down(queryInterface, context),
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
