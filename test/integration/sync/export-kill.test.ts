import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { QueryTypes, Sequelize } from 'sequelize';
import { installIntoSandbox } from '../../support/sandbox-install';

const ROOT = resolve(__dirname, '..', '..', '..');
const STAFF = 1000;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

/**
 * An export survives `kill -9`: the app runs as a child process (`src/server.ts`) on a SQLite file with the
 * sandbox's `staff` group of 1,000 users, rolls them out (so that each has a 2FA ID), exports the IDs to the
 * sandbox's user properties, is killed with SIGKILL in the middle of the export and started again on the same
 * database. The export resumes and ends with every item done once, every user's property written, and no
 * user's write audited twice.
 */
function withoutKeysUrl(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { CONNECT_KEYS_CDN_URL: _ignored, ...rest } = env;
  return rest;
}

describe('Directory sync export after kill -9 (a child process on SQLite)', function () {
  this.timeout(360_000);
  const file = join(tmpdir(), `twofold-export-kill-${randomBytes(6).toString('hex')}`);
  const masterKey = randomBytes(32).toString('base64');
  let port: number;
  let base: string;
  let child: ChildProcess | undefined;

  // The parent's CONNECT_KEYS_CDN_URL points at whichever test app set it last (test-app.ts): the child
  // must fetch install keys from its own sandbox, as an app started on its own does.
  const env = () => ({
    ...withoutKeysUrl(process.env),
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

  async function startApp(): Promise<void> {
    child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], { cwd: ROOT, env: env(), stdio: ['ignore', 'inherit', 'inherit'] });
    // Up to 90 s: on a busy machine tsx compiles the app slowly; a child that exits fails at once.
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
  async function api(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
    const minted = await fetch(`${base}/sandbox/api/context-token`, { method: 'POST' });
    const answer = (await minted.json()) as { token?: string };
    // Say what the sandbox answered if it gave no token: a missing token would read as a bad JWT below.
    if (minted.status !== 200 || typeof answer.token !== 'string') throw new Error(`no context token: ${minted.status} ${JSON.stringify(answer)}`);
    const { token } = answer;
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { Authorization: `JWT ${token}`, 'Content-Type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, json: await response.json() };
  }
  async function finished(jobId: string): Promise<any> {
    for (let attempt = 0; attempt < 2400; attempt += 1) {
      const job = (await api('GET', `/api/v1/admin/jobs/${jobId}`)).json;
      if (!['queued', 'running'].includes(job.state)) return job;
      await new Promise((done) => setTimeout(done, 100));
    }
    throw new Error(`job ${jobId} did not end`);
  }

  before(async () => {
    port = await freePort();
    base = `http://127.0.0.1:${port}`;
  });
  after(() => {
    child?.kill('SIGKILL');
    for (const suffix of ['.sqlite', '.sqlite-wal', '.sqlite-shm', '.sandbox.json']) rmSync(`${file}${suffix}`, { force: true });
  });

  it('resumes after SIGKILL: every item done once, every property written, no write audited twice', async () => {
    await startApp();
    await installIntoSandbox(base);
    const rollout = await api('POST', '/api/v1/admin/rollouts', { group: 'staff', idPattern: '%emailLocalPart%' });
    assert.equal(rollout.status, 202, JSON.stringify(rollout.json));
    assert.equal((await finished(rollout.json.jobId)).state, 'succeeded');
    // The rollout starts a directory refresh; the export is killed on its own.
    for (let attempt = 0; attempt < 1200; attempt += 1) {
      const { jobs } = (await api('GET', '/api/v1/admin/jobs?limit=20')).json as { jobs: Array<{ state: string }> };
      if (jobs.every((job) => !['queued', 'running'].includes(job.state))) break;
      await new Promise((done) => setTimeout(done, 100));
    }

    const started = await api('POST', '/api/v1/admin/sync', { direction: 'export', target: 'host' });
    assert.equal(started.status, 202, JSON.stringify(started.json));
    const jobId = started.json.jobId as string;
    let before: any;
    for (;;) {
      before = (await api('GET', `/api/v1/admin/jobs/${jobId}`)).json;
      if (before.done >= 100) break;
      assert.notEqual(before.state, 'succeeded', 'the export ended before it could be killed');
      await new Promise((done) => setTimeout(done, 10));
    }
    child!.kill('SIGKILL');
    await new Promise((done) => child!.once('exit', done));

    await startApp();
    const resumed = (await api('GET', `/api/v1/admin/jobs/${jobId}`)).json;
    assert.ok(resumed.done + resumed.failed < STAFF, `the export was cut off in the middle (${resumed.done} done)`);
    const job = await finished(jobId);
    assert.equal(job.state, 'succeeded', JSON.stringify(job));
    assert.deepEqual([job.total, job.done, job.failed], [STAFF, STAFF, 0]);
    child!.kill('SIGTERM');
    await new Promise((done) => child!.once('exit', done));
    child = undefined;

    const sandbox = JSON.parse(readFileSync(`${file}.sandbox.json`, 'utf8')) as { userProperties: Record<string, Record<string, any>> };
    const written = Object.values(sandbox.userProperties)
      .map((properties) => properties['twofold-id'])
      .filter((value) => value !== undefined);
    assert.equal(written.length, STAFF, 'every staff member has the property');
    assert.ok(written.every((value) => /^staff\d+$/.test(value.twoFactorId) && value.enrolled === false));

    const sequelize = new Sequelize({ dialect: 'sqlite', storage: `${file}.sqlite`, logging: false });
    try {
      const [audit] = await sequelize.query<{ n: number; subjects: number }>(
        `SELECT COUNT(*) AS n, COUNT(DISTINCT subject_account_id) AS subjects FROM audit_events WHERE action = 'sync.property_written' AND detail LIKE :pattern`,
        { type: QueryTypes.SELECT, replacements: { pattern: `%${jobId}%` } },
      );
      assert.equal(Number(audit!.n), Number(audit!.subjects), 'no write audited twice');
      const [items] = await sequelize.query<{ n: number; retried: number }>(
        "SELECT COUNT(*) AS n, SUM(CASE WHEN attempts > 1 THEN 1 ELSE 0 END) AS retried FROM job_items WHERE job_id = :jobId AND state = 'done'",
        { type: QueryTypes.SELECT, replacements: { jobId } },
      );
      assert.equal(Number(items!.n), STAFF);
      process.stdout.write(
        `      killed at ${before.done}/${before.total} done; after the restart ${resumed.done} were done; ${Number(items!.retried)} items claimed again; ${Number(audit!.n)} writes audited\n`,
      );
    } finally {
      await sequelize.close();
    }
  });
});
