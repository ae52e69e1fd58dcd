import type { Sequelize } from 'sequelize';
import type { ItemOutcome, JobTransaction, JsonValue, PlannedItem } from '../../domain/jobs/job-kind';
import {
  ERRORS_SHOWN,
  type ActiveJob,
  type ClaimedItem,
  type CreateOutcome,
  type JobError,
  type JobState,
  type JobStore,
  type JobView,
  type Lease,
} from '../../jobs/job-store';
import { auditLogIn } from './audit-log-repository';
import { JobUnitOfWork, unitOfJob } from './job-transaction';
import { toDate } from './models/mfa-models';
import { Sql, type Statements } from './sql';
import { isUniqueViolation } from './unique-violation';

interface JobRow {
  id: string;
  client_key: string;
  kind: string;
  state: string;
  params: string;
  actor_account_id: string | null;
  plan_cursor: string | null;
  planned: boolean | number;
  stop_code: string | null;
  stop_message: string | null;
  created_at: Date | string;
  started_at: Date | string | null;
  finished_at: Date | string | null;
}

const JOB_COLUMNS = 'id, client_key, kind, state, params, actor_account_id, plan_cursor, planned, stop_code, stop_message, created_at, started_at, finished_at';
const ACTIVE = "('queued', 'running')";

/**
 * Jobs and their items in `jobs` and `job_items` (migration 0300). Claims are compare-and-set updates
 * on the lease columns; on Postgres the items are picked with `FOR UPDATE SKIP LOCKED`, so that two
 * instances claiming at the same moment take different items instead of waiting for each other.
 */
export class SequelizeJobStore implements JobStore {
  private readonly sql: Sql;
  private readonly postgres: boolean;

  constructor(sequelize: Sequelize) {
    this.sql = Sql.for(sequelize);
    this.postgres = sequelize.getDialect() === 'postgres';
  }

  async create(job: { id: string; tenant: string; kind: string; params: unknown; actorAccountId: string | null; at: Date }): Promise<CreateOutcome> {
    const activeKey = `${job.tenant}/${job.kind}`;
    try {
      await this.transaction(async (transaction) => {
        const unit = unitOfJob(transaction);
        await unit.statements.insert(
          `INSERT INTO jobs (id, client_key, kind, state, active_key, params, actor_account_id, planned, created_at)
           VALUES (:id, :tenant, :kind, 'queued', :activeKey, :params, :actor, :planned, :at)`,
          {
            id: job.id,
            tenant: job.tenant,
            kind: job.kind,
            activeKey,
            params: JSON.stringify(job.params),
            actor: job.actorAccountId,
            planned: false,
            at: job.at,
          },
        );
        await auditLogIn(unit).record(job.tenant, {
          at: job.at,
          actorAccountId: job.actorAccountId,
          action: 'job.started',
          subjectAccountId: null,
          detail: { jobId: job.id, kind: job.kind },
        });
      });
      return { created: true, id: job.id };
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      const [running] = await this.sql.select<{ id: string }>('SELECT id FROM jobs WHERE active_key = :activeKey', { activeKey });
      // The other job ended between the insert and this read: the caller may simply try again.
      if (!running) return this.create(job);
      return { created: false, runningJobId: running.id };
    }
  }

  async get(tenant: string, id: string): Promise<JobView | null> {
    const [row] = await this.sql.select<JobRow>(`SELECT ${JOB_COLUMNS} FROM jobs WHERE id = :id AND client_key = :tenant`, { id, tenant });
    return row ? this.view(row) : null;
  }

  async list(tenant: string, limit: number): Promise<JobView[]> {
    const rows = await this.sql.select<JobRow>(`SELECT ${JOB_COLUMNS} FROM jobs WHERE client_key = :tenant ORDER BY created_at DESC, id DESC LIMIT :limit`, {
      tenant,
      limit,
    });
    return Promise.all(rows.map((row) => this.view(row)));
  }

  async cancel(tenant: string, id: string, actorAccountId: string | null, at: Date): Promise<boolean> {
    return this.transaction(async (transaction) => {
      const unit = unitOfJob(transaction);
      const [row] = await unit.statements.select<{ kind: string }>(`SELECT kind FROM jobs WHERE id = :id AND client_key = :tenant AND state IN ${ACTIVE}`, {
        id,
        tenant,
      });
      if (!row) return false;
      await unit.statements.changed(
        `UPDATE jobs SET state = 'cancelled', active_key = NULL, lease_owner = NULL, lease_until = NULL, finished_at = :at WHERE id = :id AND state IN ${ACTIVE}`,
        { id, at },
      );
      await auditLogIn(unit).record(tenant, { at, actorAccountId, action: 'job.cancelled', subjectAccountId: null, detail: { jobId: id, kind: row.kind } });
      return true;
    });
  }

  async active(limit: number): Promise<ActiveJob[]> {
    const rows = await this.sql.select<JobRow>(`SELECT ${JOB_COLUMNS} FROM jobs WHERE state IN ${ACTIVE} ORDER BY created_at, id LIMIT :limit`, { limit });
    return rows.map((row) => ({
      id: row.id,
      tenant: row.client_key,
      kind: row.kind,
      state: row.state as 'queued' | 'running',
      params: JSON.parse(row.params) as unknown,
      actorAccountId: row.actor_account_id,
      planCursor: row.plan_cursor,
      planned: Boolean(row.planned),
    }));
  }

  async stateOf(id: string): Promise<JobState | null> {
    const [row] = await this.sql.select<{ state: JobState }>('SELECT state FROM jobs WHERE id = :id', { id });
    return row?.state ?? null;
  }

  async claimJob(id: string, lease: Lease): Promise<boolean> {
    const changed = await this.sql.changed(
      `UPDATE jobs SET lease_owner = :owner, lease_until = :until, state = 'running', started_at = COALESCE(started_at, :now)
       WHERE id = :id AND state IN ${ACTIVE} AND (lease_owner IS NULL OR lease_owner = :owner OR lease_until < :now)`,
      { id, owner: lease.owner, until: lease.until, now: lease.now },
    );
    return changed === 1;
  }

  async savePage(id: string, lease: Lease, items: readonly PlannedItem[], nextCursor: string | null): Promise<boolean> {
    return this.transaction(async (transaction) => {
      const { statements } = unitOfJob(transaction);
      const [job] = await statements.select<{ client_key: string; next_seq: number | string | null }>(
        `SELECT client_key, (SELECT MAX(seq) FROM job_items WHERE job_id = :id) AS next_seq FROM jobs
         WHERE id = :id AND state IN ${ACTIVE} AND lease_owner = :owner AND planned = :planned`,
        { id, owner: lease.owner, planned: false },
      );
      if (!job) return false;
      let seq = Number(job.next_seq ?? 0);
      for (const item of items) {
        seq += 1;
        await statements.insert(
          `INSERT INTO job_items (job_id, item_key, client_key, seq, payload, state, attempts) VALUES (:id, :key, :tenant, :seq, :payload, 'pending', 0)
           ON CONFLICT (job_id, item_key) DO NOTHING`,
          { id, key: item.key, tenant: job.client_key, seq, payload: JSON.stringify(item.payload) },
        );
      }
      const done = nextCursor === null;
      await statements.changed(
        `UPDATE jobs SET plan_cursor = :cursor, planned = :planned, lease_owner = ${done ? 'NULL' : 'lease_owner'}, lease_until = ${done ? 'NULL' : 'lease_until'}
         WHERE id = :id`,
        { id, cursor: nextCursor, planned: done },
      );
      return true;
    });
  }

  async claimItems(id: string, lease: Lease, limit: number): Promise<ClaimedItem[]> {
    const pick = `SELECT item_key FROM job_items WHERE job_id = :id AND state = 'pending'
        AND (lease_owner IS NULL OR lease_until < :now) AND (not_before IS NULL OR not_before <= :now)
        ORDER BY seq LIMIT :limit`;
    // Postgres: the pick is a materialized CTE, evaluated once. In `item_key IN (subquery LIMIT n)` the
    // planner may run the subquery again and claim more than n items.
    const sql = this.postgres
      ? `WITH picked AS MATERIALIZED (${pick} FOR UPDATE SKIP LOCKED)
         UPDATE job_items AS item SET lease_owner = :owner, lease_until = :until, attempts = item.attempts + 1
         FROM picked WHERE item.job_id = :id AND item.item_key = picked.item_key RETURNING item.item_key, item.payload, item.attempts`
      : `UPDATE job_items SET lease_owner = :owner, lease_until = :until, attempts = attempts + 1
         WHERE job_id = :id AND item_key IN (${pick}) RETURNING item_key, payload, attempts`;
    const rows = await this.sql.select<{ item_key: string; payload: string; attempts: number | string }>(sql, {
      id,
      owner: lease.owner,
      until: lease.until,
      now: lease.now,
      limit,
    });
    return rows.map((row) => ({ key: row.item_key, payload: JSON.parse(row.payload) as JsonValue, attempts: Number(row.attempts) }));
  }

  async renew(owner: string, until: Date, now: Date): Promise<void> {
    await this.sql.changed('UPDATE jobs SET lease_until = :until WHERE lease_owner = :owner AND lease_until >= :now', { owner, until, now });
    await this.sql.changed("UPDATE job_items SET lease_until = :until WHERE lease_owner = :owner AND state = 'pending' AND lease_until >= :now", {
      owner,
      until,
      now,
    });
  }

  async recordOutcome(id: string, key: string, owner: string, outcome: ItemOutcome, at: Date, transaction?: JobTransaction): Promise<boolean> {
    // `lease_owner` stays on a finished item: which instance did it (claims look at pending items only).
    const sql = `UPDATE job_items SET state = :state, code = :code, message = :message, detail = :detail, finished_at = :at, lease_until = NULL
       WHERE job_id = :id AND item_key = :key AND state = 'pending' AND lease_owner = :owner`;
    const params = {
      id,
      key,
      owner,
      at,
      state: outcome.ok ? 'done' : 'failed',
      code: outcome.ok ? null : outcome.code,
      message: outcome.ok ? null : outcome.message.slice(0, 2000),
      detail: outcome.ok && outcome.detail !== undefined ? JSON.stringify(outcome.detail) : null,
    };
    const statements: Pick<Statements, 'changed'> = transaction ? unitOfJob(transaction).statements : this.sql;
    return (await statements.changed(sql, params)) === 1;
  }

  async deferItem(id: string, key: string, owner: string, notBefore: Date): Promise<void> {
    await this.sql.changed(
      `UPDATE job_items SET lease_owner = NULL, lease_until = NULL, not_before = :notBefore
       WHERE job_id = :id AND item_key = :key AND state = 'pending' AND lease_owner = :owner`,
      { id, key, owner, notBefore },
    );
  }

  transaction<T>(work: (transaction: JobTransaction) => Promise<T>): Promise<T> {
    return this.sql.transaction((statements) => work(new JobUnitOfWork(statements, this.postgres)));
  }

  async pendingCount(id: string): Promise<number> {
    const [row] = await this.sql.select<{ n: number | string }>("SELECT COUNT(*) AS n FROM job_items WHERE job_id = :id AND state = 'pending'", { id });
    return Number(row?.n ?? 0);
  }

  async finish(id: string, outcome: { state: 'succeeded' } | { state: 'failed'; code: string; message: string }, at: Date): Promise<boolean> {
    return this.transaction(async (transaction) => {
      const unit = unitOfJob(transaction);
      const [row] = await unit.statements.select<JobRow>(`SELECT ${JOB_COLUMNS} FROM jobs WHERE id = :id AND state IN ${ACTIVE}`, { id });
      if (!row) return false;
      const stop = outcome.state === 'failed' ? outcome : null;
      await unit.statements.changed(
        `UPDATE jobs SET state = :state, active_key = NULL, lease_owner = NULL, lease_until = NULL, finished_at = :at, stop_code = :code, stop_message = :message
         WHERE id = :id`,
        { id, at, state: outcome.state, code: stop?.code ?? null, message: stop?.message ?? null },
      );
      const counts = await countItems(unit.statements, id);
      await auditLogIn(unit).record(row.client_key, {
        at,
        actorAccountId: row.actor_account_id,
        action: 'job.finished',
        subjectAccountId: null,
        detail: { jobId: id, kind: row.kind, state: outcome.state, total: counts.total, done: counts.done, failed: counts.failed, reason: stop?.code ?? null },
      });
      return true;
    });
  }

  async releaseAllLeases(): Promise<void> {
    await this.sql.changed('UPDATE jobs SET lease_owner = NULL, lease_until = NULL WHERE lease_owner IS NOT NULL', {});
    await this.sql.changed("UPDATE job_items SET lease_owner = NULL, lease_until = NULL WHERE state = 'pending' AND lease_owner IS NOT NULL", {});
  }

  private async view(row: JobRow): Promise<JobView> {
    const counts = await countItems(this.sql, row.id);
    const failures = await this.sql.select<{ item_key: string; code: string | null; message: string | null }>(
      "SELECT item_key, code, message FROM job_items WHERE job_id = :id AND state = 'failed' ORDER BY seq LIMIT :limit",
      { id: row.id, limit: ERRORS_SHOWN },
    );
    const stopReason = row.stop_code ? { code: row.stop_code, message: row.stop_message ?? '' } : null;
    const errors: JobError[] = [
      ...(stopReason ? [{ item: null, ...stopReason }] : []),
      ...failures.map((failure) => ({ item: failure.item_key, code: failure.code ?? 'internal_error', message: failure.message ?? '' })),
    ];
    return {
      id: row.id,
      kind: row.kind,
      state: row.state as JobState,
      total: counts.total,
      done: counts.done,
      failed: counts.failed,
      createdAt: toDate(row.created_at) ?? new Date(Number.NaN), // NOT NULL in the schema
      startedAt: toDate(row.started_at),
      finishedAt: toDate(row.finished_at),
      actorAccountId: row.actor_account_id,
      stopReason,
      errors,
    };
  }
}

/** Progress from the items themselves (index `job_items_job_state_seq`), so no counter row is contended. */
async function countItems(statements: Pick<Statements, 'select'>, id: string): Promise<{ total: number; done: number; failed: number }> {
  const rows = await statements.select<{ state: string; n: number | string }>('SELECT state, COUNT(*) AS n FROM job_items WHERE job_id = :id GROUP BY state', {
    id,
  });
  const of = (state: string) => Number(rows.find((row) => row.state === state)?.n ?? 0);
  return { total: rows.reduce((sum, row) => sum + Number(row.n), 0), done: of('done'), failed: of('failed') };
}
