import type { QueryInterface } from 'sequelize';

/** A versioned schema change. Names sort in the order they run: `0001-tenants`, `0002-…`. */
export interface Migration {
  name: string;
  up(queryInterface: QueryInterface): Promise<void>;
  down(queryInterface: QueryInterface): Promise<void>;
}
