import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { QueryTypes } from 'sequelize';
import { openDatabase, type Database } from '../../../../src/adapters/db/database';
import { createLogger } from '../../../../src/adapters/logging/logger';
import { databaseLanes, type TestDatabase } from '../../../support/database-lanes';

/**
 * Sequelize's sqlite dialect opens a connection of its own for each transaction; the pragmas that
 * make concurrent writers wait (busy_timeout) and commits cheap (synchronous = NORMAL) must hold there
 * too, not only on the default connection.
 */
describe('SQLite connection pragmas', () => {
  const lane = databaseLanes().find((candidate) => candidate.name === 'sqlite')!;
  let file: TestDatabase;
  let database: Database;

  before(async () => {
    file = await lane.create();
    database = await openDatabase(file.url, createLogger('silent'));
  });
  after(async () => {
    await database?.close();
    await file?.drop();
  });

  const pragma = async (name: string, transaction?: unknown) => {
    const [row] = await database.sequelize.query<Record<string, number>>(`PRAGMA ${name}`, { type: QueryTypes.SELECT, transaction: transaction as never });
    return Object.values(row!)[0];
  };

  it('sets busy_timeout 5000, synchronous NORMAL (1) and no automatic checkpoint on the default connection', async () => {
    assert.equal(await pragma('busy_timeout'), 5000);
    assert.equal(await pragma('synchronous'), 1);
    assert.equal(await pragma('wal_autocheckpoint'), 0);
  });

  it('copies the WAL back into the database file on a timer instead', async () => {
    const path = file.url.slice('sqlite:'.length);
    await database.sequelize.query('CREATE TABLE IF NOT EXISTS checkpoint_probe (data BLOB)');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const before = statSync(path).size;
    // 256 KB of new pages: they go to the WAL; only a checkpoint writes them into the database file.
    await database.sequelize.query(`INSERT INTO checkpoint_probe (data) VALUES (randomblob(${256 * 1024}))`);
    assert.equal(statSync(path).size, before, 'no commit copied the WAL back');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.ok(statSync(path).size >= before + 256 * 1024, 'the timed checkpoint did');
  });

  it("sets them on a transaction's own connection too", async () => {
    await database.sequelize.transaction(async (transaction) => {
      assert.notEqual((transaction as unknown as { connection: unknown }).connection, undefined);
      assert.equal(await pragma('busy_timeout', transaction), 5000);
      assert.equal(await pragma('synchronous', transaction), 1);
      assert.equal(await pragma('wal_autocheckpoint', transaction), 0);
    });
  });
});
