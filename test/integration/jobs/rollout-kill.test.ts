import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Sequelize, QueryTypes } from 'sequelize';
import { installIntoSandbox } from '../../support/sandbox-install';

const ROOT = resolve(__dirname, '..', '..', '..');
const STAFF = 3000;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

/**
 * A rollout survives `kill -9`: the app runs as a child process (`src/server.ts`, as `npm start` runs it)
 * on a SQLite file, rolls out to 3,000 members of the sandbox's `staff` group, is killed with SIGKILL in the
 * middle, and is started again on the same database. The job resumes and ends with every member done
 * exactly once: one ID and one `user.id_assigned` audit entry each, no item lost or done twice.
 */
describe('Rollout after kill -9 (a child process on SQLite)', function () {
  this.timeout(300_000);
  const file = join(tmpdir(), `twofold-kill-${randomBytes(6).toString('hex')}`);
  let port: number;
  let child: ChildProcess | undefined;
  let base: string;
  // Without CONNECT_KEYS_CDN_URL: in-process test apps set it to their own sandbox's keys; the child's
  // sandbox serves its own.
  const env = () => ({
    ...Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'CONNECT_KEYS_CDN_URL')),
    NODE_ENV: 'test',
    PORT: String(port),
    HOST: '127.0.0.1',
    AC_LOCAL_BASE_URL: base,
    DATABASE_URL: `sqlite:${file}.sqlite`,
    TWOFOLD_MASTER_KEY: masterKey,
    TWOFOLD_SANDBOX: 'true',
    TWOFOLD_SANDBOX_STATE_FILE: `${file}.sandbox.json`,
    TWOFOLD_SANDBOX_STAFF: String(STAFF),
    TWOFOLD_JOB_POLL_MS: '100',
    LOG_LEVEL: 'warn',
  });
  const masterKey = randomBytes(32).toString('base64');

  async function startApp(): Promise<void> {
    child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], { cwd: ROOT, env: env(), stdio: ['ignore', 'inherit', 'inherit'] });
    // Up to 90 s: tsx compiles the app on start, slow on a busy machine.
    for (let attempt = 0; attempt < 900; attempt += 1) {
      if (child.exitCode !== null) throw new Error(`the app exited with ${child.exitCode}`);
      const healthy = await fetch(`${base}/healthz`).then(
        (response) => response.status === 200,
        () => false,
      );
      if (healthy) return;
      await new Promise((done) => setTimeout(done, 100));
    }
    throw new Error('the app did not start');
  }
  async function token(): Promise<string> {
    const response = await fetch(`${base}/sandbox/api/context-token`, { method: 'POST' });
    assert.equal(response.status, 200);
    return ((await response.json()) as { token: string }).token;
  }
  async function api(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { Authorization: `JWT ${await token()}`, 'Content-Type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, json: await response.json() };
  }

  before(async () => {
    port = await freePort();
    base = `http://127.0.0.1:${port}`;
  });
  after(() => {
    child?.kill('SIGKILL');
    for (const suffix of ['.sqlite', '.sqlite-wal', '.sqlite-shm', '.sandbox.json']) rmSync(`${file}${suffix}`, { force: true });
  });

  it('resumes after SIGKILL with every item done exactly once', async () => {
    await startApp();
    await installIntoSandbox(base);

    const started = await api('POST', '/api/v1/admin/rollouts', { group: 'staff', idPattern: '%emailLocalPart%' });
    assert.equal(started.status, 202, JSON.stringify(started.json));
    const jobId = started.json.jobId as string;
    let before: any;
    for (;;) {
      before = (await api('GET', `/api/v1/admin/jobs/${jobId}`)).json;
      if (before.done >= 200) break;
      assert.equal(before.state === 'succeeded', false, 'the rollout ended before it could be killed');
      await new Promise((done) => setTimeout(done, 20));
    }
    child!.kill('SIGKILL');
    await new Promise((done) => child!.once('exit', done));

    await startApp();
    const resumed = (await api('GET', `/api/v1/admin/jobs/${jobId}`)).json;
    assert.equal(resumed.state, 'running', 'the job was cut off in the middle');
    assert.ok(resumed.done + resumed.failed < STAFF, `the job was cut off in the middle (${resumed.done} done)`);
    let job: any;
    for (let attempt = 0; attempt < 1200; attempt += 1) {
      job = (await api('GET', `/api/v1/admin/jobs/${jobId}`)).json;
      if (!['queued', 'running'].includes(job.state)) break;
      await new Promise((done) => setTimeout(done, 100));
    }
    assert.equal(job.state, 'succeeded', JSON.stringify(job));
    assert.deepEqual([job.total, job.done, job.failed], [STAFF, STAFF, 0]);
    child!.kill('SIGTERM');
    await new Promise((done) => child!.once('exit', done));
    child = undefined;

    const sequelize = new Sequelize({ dialect: 'sqlite', storage: `${file}.sqlite`, logging: false });
    try {
      const [audit] = await sequelize.query<{ n: number; subjects: number }>(
        `SELECT COUNT(*) AS n, COUNT(DISTINCT subject_account_id) AS subjects FROM audit_events WHERE action = 'user.id_assigned' AND detail LIKE :pattern`,
        { type: QueryTypes.SELECT, replacements: { pattern: `%${jobId}%` } },
      );
      assert.deepEqual([Number(audit!.n), Number(audit!.subjects)], [STAFF, STAFF], 'one audit entry per member: none twice, none lost');
      const [ids] = await sequelize.query<{ n: number }>("SELECT COUNT(*) AS n FROM two_factor_ids WHERE two_factor_id LIKE 'staff%'", {
        type: QueryTypes.SELECT,
      });
      assert.equal(Number(ids!.n), STAFF);
      const [items] = await sequelize.query<{ n: number; retried: number }>(
        "SELECT COUNT(*) AS n, SUM(CASE WHEN attempts > 1 THEN 1 ELSE 0 END) AS retried FROM job_items WHERE job_id = :jobId AND state = 'done'",
        { type: QueryTypes.SELECT, replacements: { jobId } },
      );
      assert.equal(Number(items!.n), STAFF);
      process.stdout.write(
        `      killed at ${before.done}/${before.total} done; after the restart ${resumed.done} were done; ${Number(items!.retried)} items were claimed again\n`,
      );
    } finally {
      await sequelize.close();
    }
  });
});
