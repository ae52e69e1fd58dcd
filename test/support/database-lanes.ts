import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { checkLane, laneOrSkip } from './lanes';

/**
 * The databases integration tests run against: SQLite always, Postgres when TEST_DATABASE_URL is set
 * (CI sets it). Each test database is fresh: a temporary SQLite file, or a Postgres schema of its own
 * selected with `search_path`, dropped afterwards.
 */
export interface DatabaseLane {
  name: 'sqlite' | 'postgres';
  create(): Promise<TestDatabase>;
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

const sqliteLane: DatabaseLane = {
  name: 'sqlite',
  async create() {
    const file = join(tmpdir(), `twofold-test-${randomBytes(6).toString('hex')}.sqlite`);
    return {
      url: `sqlite:${file}`,
      async drop() {
        for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${file}${suffix}`, { force: true });
      },
    };
  },
};

function postgresLane(baseUrl: string): DatabaseLane {
  return {
    name: 'postgres',
    async create() {
      const schema = `tf_test_${randomBytes(6).toString('hex')}`;
      await withClient(baseUrl, (client) => client.query(`CREATE SCHEMA ${schema}`));
      const url = new URL(baseUrl);
      url.searchParams.set('options', `-c search_path=${schema}`);
      return {
        url: url.toString(),
        drop: () => withClient(baseUrl, (client) => client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).then(() => undefined),
      };
    },
  };
}

async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export function databaseLanes(): DatabaseLane[] {
  const postgres = process.env.TEST_DATABASE_URL;
  return postgres ? [sqliteLane, postgresLane(postgres)] : [sqliteLane];
}

/**
 * Call in a `before` hook of a suite that is about Postgres itself (two app instances on one
 * database): the Postgres lane, or the suite skipped with a printed notice that says what is skipped
 * (failed under REQUIRE_LANES=1).
 */
export function postgresLaneOrSkip(context: Mocha.Context, whatIsSkipped: string): DatabaseLane {
  laneOrSkip(context, 'postgres', whatIsSkipped);
  return databaseLanes().find((candidate) => candidate.name === 'postgres')!;
}

/** Says once, visibly, that the Postgres lane was skipped; fails under REQUIRE_LANES=1. */
export function printLaneNotice(): void {
  checkLane('postgres', 'integration tests run on SQLite only (CI runs Postgres too)');
}
