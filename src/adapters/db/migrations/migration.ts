import type { QueryInterface } from 'sequelize';
import type { SecretBox } from '../../../domain/ports/secret-box';
import type { Logger } from '../../logging/logger';
import type { Database } from '../database';

/** What a data migration may need beside the schema: the database itself, the sealing key, the log. */
export interface MigrationContext {
  database: Database;
  /** The app's SecretBox; a migration that re-seals values refuses to run over sealed rows without it. */
  secretBox?: SecretBox;
  logger: Logger;
}

/** A versioned schema change. Names sort in the order they run: `0001-tenants`, `0002-…`. */
export interface Migration {
  name: string;
  up(queryInterface: QueryInterface, context: MigrationContext): Promise<void>;
  down(queryInterface: QueryInterface, context: MigrationContext): Promise<void>;
}
