import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { installIntoSandbox } from './sandbox-install';

const ROOT = resolve(__dirname, '..', '..');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

export interface ApiAnswer {
  status: number;
  json: any;
}

/**
 * The app as a separate process (`src/server.ts`, as `npm start` runs it) on a SQLite file and its own
 * sandbox Jira site, for tests that kill it with SIGKILL and start it again on the same files. Calls go
 * through the API with context tokens the sandbox mints, as Alice (its admin).
 */
export class ChildApp {
  readonly file = join(tmpdir(), `twofold-child-${randomBytes(6).toString('hex')}`);
  private readonly masterKey = randomBytes(32).toString('base64');
  private child: ChildProcess | undefined;
  base = '';

  private constructor(private readonly extraEnv: Record<string, string>) {}

  static async create(extraEnv: Record<string, string> = {}): Promise<ChildApp> {
    const app = new ChildApp(extraEnv);
    app.base = `http://127.0.0.1:${await freePort()}`;
    return app;
  }

  get sqliteFile(): string {
    return `${this.file}.sqlite`;
  }

  get sandboxStateFile(): string {
    return `${this.file}.sandbox.json`;
  }

  /** Starts the process and waits until it is healthy (up to 90 s: tsx compiles the app on a busy machine). */
  async start(): Promise<void> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], { cwd: ROOT, env: this.env(), stdio: ['ignore', 'inherit', 'inherit'] });
    this.child = child;
    for (let attempt = 0; attempt < 900; attempt += 1) {
      if (child.exitCode !== null) throw new Error(`the app exited with ${child.exitCode}`);
      const healthy = await fetch(`${this.base}/healthz`).then(
        (response) => response.status === 200,
        () => false,
      );
      if (healthy) return;
      await new Promise((done) => setTimeout(done, 100));
    }
    throw new Error('the app did not start');
  }

  install(): Promise<void> {
    return installIntoSandbox(this.base);
  }

  /** Ends the process with `signal` (SIGKILL: no shutdown of any kind) and waits for it to exit. */
  async stop(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((done) => child.once('exit', done));
    child.kill(signal);
    await exited;
  }

  async api(method: string, path: string, body?: unknown): Promise<ApiAnswer> {
    const minted = await fetch(`${this.base}/sandbox/api/context-token`, { method: 'POST' });
    const answer = (await minted.json()) as { token?: string };
    // Say what the sandbox answered if it gave no token: a missing token would read as a bad JWT below.
    if (minted.status !== 200 || typeof answer.token !== 'string') throw new Error(`no context token: ${minted.status} ${JSON.stringify(answer)}`);
    const response = await fetch(`${this.base}${path}`, {
      method,
      headers: { Authorization: `JWT ${answer.token}`, 'Content-Type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, json: await response.json() };
  }

  /** The job once it is no longer queued or running (up to four minutes). */
  async finished(jobId: string): Promise<any> {
    for (let attempt = 0; attempt < 2400; attempt += 1) {
      const job = (await this.api('GET', `/api/v1/admin/jobs/${jobId}`)).json;
      if (!['queued', 'running'].includes(job.state)) return job;
      await new Promise((done) => setTimeout(done, 100));
    }
    throw new Error(`job ${jobId} did not end`);
  }

  async remove(): Promise<void> {
    await this.stop('SIGKILL');
    for (const suffix of ['.sqlite', '.sqlite-wal', '.sqlite-shm', '.sandbox.json', '.sandbox.json.journal']) rmSync(`${this.file}${suffix}`, { force: true });
  }

  private env(): NodeJS.ProcessEnv {
    // Without CONNECT_KEYS_CDN_URL: in-process test apps leave it pointing at their own sandbox's keys;
    // the child fetches install keys from its own sandbox, as an app started on its own does.
    const { CONNECT_KEYS_CDN_URL: _inherited, ...inherited } = process.env;
    return {
      ...inherited,
      NODE_ENV: 'test',
      PORT: new URL(this.base).port,
      HOST: '127.0.0.1',
      AC_LOCAL_BASE_URL: this.base,
      DATABASE_URL: `sqlite:${this.sqliteFile}`,
      TWOFOLD_MASTER_KEY: this.masterKey,
      TWOFOLD_SANDBOX: 'true',
      TWOFOLD_SANDBOX_STATE_FILE: this.sandboxStateFile,
      TWOFOLD_JOB_POLL_MS: '100',
      LOG_LEVEL: 'warn',
      ...this.extraEnv,
    };
  }
}
