import assert from 'node:assert/strict';
import { SqliteWriteTurns } from '../../../../src/adapters/db/sqlite-write-turns';

const tick = () => new Promise((resolve) => setImmediate(resolve));

/** A transaction that runs until `end()` is called, logging its start and end. */
function transaction(turns: SqliteWriteTurns, log: string[], name: string): { done: Promise<void>; end: () => void } {
  let end = () => {};
  const ended = new Promise<void>((resolve) => (end = resolve));
  const done = turns.exclusive(async () => {
    log.push(`${name} begins`);
    await ended;
    log.push(`${name} commits`);
  });
  return { done, end };
}

describe('SqliteWriteTurns: the write lock in turns inside the process', () => {
  it('runs writes outside transactions side by side', async () => {
    const turns = new SqliteWriteTurns();
    const first = await turns.shared();
    const second = await turns.shared();
    first();
    second();
  });

  it('runs transactions one at a time, in the order they came', async () => {
    const turns = new SqliteWriteTurns();
    const log: string[] = [];
    const a = transaction(turns, log, 'a');
    const b = transaction(turns, log, 'b');
    await tick();
    assert.deepEqual(log, ['a begins']);
    a.end();
    await tick();
    assert.deepEqual(log, ['a begins', 'a commits', 'b begins']);
    b.end();
    await Promise.all([a.done, b.done]);
  });

  it('holds a write while a transaction runs, and a transaction until the writes before it end', async () => {
    const turns = new SqliteWriteTurns();
    const log: string[] = [];
    const release = await turns.shared();
    const t = transaction(turns, log, 't');
    await tick();
    assert.deepEqual(log, [], 'the transaction waits for the write already running');
    let laterWrite = false;
    const later = turns.shared().then((done) => {
      laterWrite = true;
      return done;
    });
    await tick();
    assert.equal(laterWrite, false, 'a write that came after the waiting transaction waits behind it: no starving it');
    release();
    await tick();
    assert.deepEqual(log, ['t begins']);
    assert.equal(laterWrite, false);
    t.end();
    (await later)();
    assert.equal(laterWrite, true);
    await t.done;
  });

  it('lets a transaction go first again when its work failed', async () => {
    const turns = new SqliteWriteTurns();
    await assert.rejects(
      turns.exclusive(async () => {
        throw new Error('constraint');
      }),
      /constraint/,
    );
    (await turns.shared())();
    assert.equal(await turns.exclusive(async () => 'next'), 'next');
  });

  it('fails a write that waited its time (5 s, as SQLite would) instead of waiting for ever, and lets the others on', async () => {
    const turns = new SqliteWriteTurns(50);
    const log: string[] = [];
    const t = transaction(turns, log, 't');
    await tick();
    await assert.rejects(turns.shared(), (error: Error & { code?: string }) => error.code === 'SQLITE_BUSY');
    t.end();
    await t.done;
    (await turns.shared())();
  });
});
