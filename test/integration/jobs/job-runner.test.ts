import assert from 'node:assert/strict';
import { openDatabase, type Database } from '../../../src/adapters/db/database';
import { SequelizeJobStore } from '../../../src/adapters/db/job-repository';
import { auditLogIn } from '../../../src/adapters/db/audit-log-repository';
import { unitOfJob } from '../../../src/adapters/db/job-transaction';
import { migrate } from '../../../src/adapters/db/migrate';
import { createLogger } from '../../../src/adapters/logging/logger';
import { isTwofoldError } from '../../../src/domain/errors';
import { JobStop, RetryItemLater, type ItemOutcome, type JobKind } from '../../../src/domain/jobs/job-kind';
import { JobRunner } from '../../../src/jobs/job-runner';
import { databaseLanes, printLaneNotice, type TestDatabase } from '../../support/database-lanes';

let TENANT = 'tenant-jobs-0';
let tenantSeq = 0;
const logger = createLogger('silent');

interface CountParams {
  items: number;
  pageSize: number;
  /** Item keys whose run answers a failure result. */
  failKeys?: string[];
  /** Item keys whose first run asks to be retried. */
  retryKeys?: string[];
  /** The item key whose run stops the whole job. */
  stopKey?: string;
  /** Hold every item until released (cancellation, leases). */
  hold?: boolean;
  /** The first listing of the second page answers "try later" (a 429 while planning). */
  planRetry?: boolean;
}

/**
 * A job kind for the runner's own tests: each item writes one audit entry (`detail.item`) in the item's
 * transaction, so that "done exactly once" is counted in a real table.
 */
function countingKind(state: { runs: Map<string, number>; release?: () => void; gate?: Promise<void>; finished: number }): JobKind<CountParams> {
  return {
    kind: 'test_count',
    concurrency: 3,
    parseParams: (raw) => raw as CountParams,
    async plan(_context, params, cursor) {
      const from = cursor === null ? 0 : Number(cursor);
      if (params.planRetry && from > 0 && !state.runs.has(`plan-${from}`)) {
        state.runs.set(`plan-${from}`, 1);
        throw new RetryItemLater(30, 'rate limited while listing');
      }
      const to = Math.min(params.items, from + params.pageSize);
      const items = [];
      for (let index = from; index < to; index += 1) items.push({ key: `item-${index}`, payload: { index } });
      return { items, nextCursor: to >= params.items ? null : String(to) };
    },
    async runItem(context, params, item): Promise<ItemOutcome> {
      const runs = (state.runs.get(item.key) ?? 0) + 1;
      state.runs.set(item.key, runs);
      if (params.hold && state.gate) await state.gate;
      if (params.stopKey === item.key) throw new JobStop('connector_needs_reauthorization', 'Reauthorize the connector, then start again.');
      if (params.retryKeys?.includes(item.key) && runs === 1) throw new RetryItemLater(20, 'rate limited');
      if (params.failKeys?.includes(item.key)) return { ok: false, code: 'id_conflict', message: `${item.key} collides` };
      return context.transaction!(async (transaction) => {
        await auditLogIn(unitOfJob(transaction)).record(context.tenant, {
          at: new Date(),
          actorAccountId: null,
          action: 'user.id_assigned',
          subjectAccountId: item.key,
          detail: { item: item.key, jobId: context.jobId },
        });
        return { ok: true };
      });
    },
    async finish() {
      state.finished += 1;
    },
  };
}

async function waitFor<T>(read: () => Promise<T>, until: (value: T) => boolean, what: string): Promise<T> {
  for (let attempt = 0; attempt < 500; attempt += 1) {
    const value = await read();
    if (until(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

for (const lane of databaseLanes()) {
  describe(`Job runner (${lane.name})`, () => {
    let testDatabase: TestDatabase;
    let database: Database;
    let store: SequelizeJobStore;
    const runners: JobRunner[] = [];

    const newRunner = (kind: JobKind<CountParams>, singleInstance = lane.name === 'sqlite', leaseMs = 5_000) => {
      const runner = new JobRunner({ store, clock: { now: () => new Date() }, logger, leaseMs, concurrency: 4, pollMs: 50, singleInstance });
      runner.register(kind);
      runners.push(runner);
      return runner;
    };
    const auditCount = async (jobId: string) => {
      const [row] = (await database.sequelize.query(
        `SELECT COUNT(*) AS n, COUNT(DISTINCT subject_account_id) AS distinct_items FROM audit_events WHERE action = 'user.id_assigned' AND detail LIKE :pattern`,
        { replacements: { pattern: `%${jobId}%` }, type: 'SELECT' as never },
      )) as unknown as { n: number | string; distinct_items: number | string }[];
      return { n: Number(row!.n), distinct: Number(row!.distinct_items) };
    };

    before(async () => {
      printLaneNotice();
      testDatabase = await lane.create();
      database = await openDatabase(testDatabase.url, logger);
      await migrate(database, logger);
      store = new SequelizeJobStore(database.sequelize);
    });
    beforeEach(() => {
      tenantSeq += 1;
      TENANT = `tenant-jobs-${tenantSeq}`;
    });
    afterEach(async () => {
      for (const runner of runners.splice(0)) await runner.stop();
    });
    after(async () => {
      await database?.close();
      await testDatabase?.drop();
    });

    it('plans page by page, runs every item once, finishes once and audits start and finish', async () => {
      const state = { runs: new Map<string, number>(), finished: 0 };
      const runner = newRunner(countingKind(state));
      await runner.start();
      const id = await runner.enqueue(TENANT, 'test_count', { items: 23, pageSize: 5, failKeys: ['item-4'] }, 'admin-1');
      const job = await waitFor(
        () => runner.get(TENANT, id),
        (view) => view?.state === 'succeeded',
        'the job to succeed',
      );
      assert.equal(job!.total, 23);
      assert.equal(job!.done, 22);
      assert.equal(job!.failed, 1);
      assert.deepEqual(job!.errors, [{ item: 'item-4', code: 'id_conflict', message: 'item-4 collides' }]);
      assert.ok(job!.startedAt && job!.finishedAt);
      assert.equal(state.finished, 1);
      assert.deepEqual(await auditCount(id), { n: 22, distinct: 22 });
      const [actions] = await database.sequelize.query(`SELECT action FROM audit_events WHERE action LIKE 'job.%' AND detail LIKE '%${id}%' ORDER BY id`);
      assert.deepEqual(
        (actions as { action: string }[]).map((row) => row.action),
        ['job.started', 'job.finished'],
      );
      assert.equal((await runner.list(TENANT, 10))[0]!.id, id);
    });

    it('refuses a second job of the same kind for the tenant with job_running and the running job id', async () => {
      const state = { runs: new Map<string, number>(), finished: 0 } as {
        runs: Map<string, number>;
        finished: number;
        gate?: Promise<void>;
        release?: () => void;
      };
      state.gate = new Promise<void>((resolve) => (state.release = resolve));
      const runner = newRunner(countingKind(state));
      await runner.start();
      const first = await runner.enqueue(TENANT, 'test_count', { items: 3, pageSize: 3, hold: true }, 'admin-1');
      await assert.rejects(runner.enqueue(TENANT, 'test_count', { items: 3, pageSize: 3 }, 'admin-1'), (error: unknown) => {
        assert.ok(isTwofoldError(error));
        assert.equal(error.code, 'job_running');
        assert.deepEqual(error.details, { jobId: first, kind: 'test_count' });
        return true;
      });
      // another tenant is not held up
      const other = await runner.enqueue('tenant-other', 'test_count', { items: 1, pageSize: 1 }, null);
      state.release!();
      await waitFor(
        () => runner.get('tenant-other', other),
        (view) => view?.state === 'succeeded',
        'the other tenant',
      );
      await waitFor(
        () => runner.get(TENANT, first),
        (view) => view?.state === 'succeeded',
        'the first job',
      );
      assert.equal(await runner.get('tenant-other', first), null, 'a tenant never sees another tenant’s job');
    });

    it('puts an item back on RetryItemLater, and stops the job on JobStop with the reason', async () => {
      const state = { runs: new Map<string, number>(), finished: 0 };
      const runner = newRunner(countingKind(state));
      await runner.start();
      const retried = await runner.enqueue(TENANT, 'test_count', { items: 4, pageSize: 2, retryKeys: ['item-2'], planRetry: true }, null);
      const job = await waitFor(
        () => runner.get(TENANT, retried),
        (view) => view?.state === 'succeeded',
        'the retried job',
      );
      assert.equal(job!.total, 4, 'the page whose listing was refused once was listed again');
      assert.equal(job!.done, 4);
      assert.equal(state.runs.get('plan-2'), 1);
      assert.equal(state.runs.get('item-2'), 2);

      const stopped = await runner.enqueue(TENANT, 'test_count', { items: 40, pageSize: 40, stopKey: 'item-0' }, null);
      const failed = await waitFor(
        () => runner.get(TENANT, stopped),
        (view) => view?.state === 'failed',
        'the stopped job',
      );
      assert.deepEqual(failed!.stopReason?.code, 'connector_needs_reauthorization');
      assert.equal(failed!.errors[0]!.item, null);
      assert.ok(failed!.done < 40, 'no further items started after the stop');
    });

    it('cancels a running job: no new item starts, and a new job of the kind may start', async () => {
      const state = { runs: new Map<string, number>(), finished: 0 } as {
        runs: Map<string, number>;
        finished: number;
        gate?: Promise<void>;
        release?: () => void;
      };
      state.gate = new Promise<void>((resolve) => (state.release = resolve));
      const runner = newRunner(countingKind(state));
      await runner.start();
      const id = await runner.enqueue(TENANT, 'test_count', { items: 50, pageSize: 50, hold: true }, 'admin-1');
      await waitFor(
        async () => state.runs.size,
        (n) => n >= 3,
        'items to start',
      );
      const cancelled = await runner.cancel(TENANT, id, 'admin-1');
      assert.equal(cancelled.state, 'cancelled');
      state.release!();
      await runner.idle();
      const after = await runner.get(TENANT, id);
      assert.equal(after!.state, 'cancelled');
      assert.ok(after!.done <= 4, `only the items already running finished (${after!.done})`);
      assert.equal(state.finished, 0);
      const next = await runner.enqueue(TENANT, 'test_count', { items: 1, pageSize: 1 }, null);
      assert.notEqual(next, id);
    });

    it('resumes after an instance dies mid-job: every item done exactly once, none lost', async () => {
      const state = { runs: new Map<string, number>(), finished: 0 } as {
        runs: Map<string, number>;
        finished: number;
        gate?: Promise<void>;
        release?: () => void;
      };
      state.gate = new Promise<void>(() => {}); // the first instance never finishes what it holds
      const dying = newRunner(countingKind(state), false, 600);
      await dying.start();
      const id = await dying.enqueue(TENANT, 'test_count', { items: 30, pageSize: 7, hold: true }, null);
      await waitFor(
        async () => state.runs.size,
        (n) => n >= 3,
        'the first instance to claim items',
      );
      // The instance "dies": its loop and heartbeat stop, its claims stay in the database until they expire.
      runners.splice(runners.indexOf(dying), 1);
      (dying as unknown as { stopped: boolean }).stopped = true;
      clearInterval((dying as unknown as { timer: NodeJS.Timeout }).timer);
      clearInterval((dying as unknown as { heartbeat: NodeJS.Timeout }).heartbeat);

      const survivorState = { runs: new Map<string, number>(), finished: 0 };
      const survivor = newRunner(countingKind(survivorState), lane.name === 'sqlite', 600);
      await survivor.start();
      const job = await waitFor(
        () => survivor.get(TENANT, id),
        (view) => view?.state === 'succeeded',
        'the survivor to finish the job',
      );
      assert.equal(job!.total, 30);
      assert.equal(job!.done, 30);
      assert.deepEqual(await auditCount(id), { n: 30, distinct: 30 });
    });
  });
}
