import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../../src/config/project-root';

/**
 * Production runs compiled JavaScript (`npm run build`, then `npm start` runs dist/src/server.js). This
 * builds into a folder of its own inside the project (as dist/ is) and starts that server: it must find
 * the files it reads at run time (descriptor, views, public, the sandbox's pages) from there too.
 */
describe('The compiled server', function () {
  this.timeout(60_000);
  const outDir = join(PROJECT_ROOT, 'test-output', `build-${randomBytes(4).toString('hex')}`);
  const database = join(tmpdir(), `twofold-built-${randomBytes(6).toString('hex')}.sqlite`);
  let child: ChildProcess | undefined;
  let baseUrl: string;

  before(async () => {
    execFileSync(
      process.execPath,
      [join(PROJECT_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(PROJECT_ROOT, 'tsconfig.build.json'), '--outDir', outDir],
      { cwd: PROJECT_ROOT, stdio: 'inherit' },
    );
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, [join(outDir, 'src', 'server.js')], {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        PORT: String(port),
        AC_LOCAL_BASE_URL: baseUrl,
        DATABASE_URL: `sqlite:${database}`,
        TWOFOLD_MASTER_KEY: randomBytes(32).toString('base64'),
        TWOFOLD_SANDBOX: 'true',
        LOG_LEVEL: 'silent',
      },
    });
    await waitFor(async () => (await fetch(`${baseUrl}/healthz`)).ok, child);
  });

  after(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
    rmSync(outDir, { recursive: true, force: true });
    for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${database}${suffix}`, { force: true });
  });

  it('answers /healthz and serves the descriptor with its baseUrl', async () => {
    const health = await fetch(`${baseUrl}/healthz`);
    assert.equal(((await health.json()) as { status: string }).status, 'ok');
    const descriptor = (await (await fetch(`${baseUrl}/atlassian-connect.json`)).json()) as { baseUrl: string; key: string };
    assert.equal(descriptor.baseUrl, baseUrl);
    assert.equal(descriptor.key, 'io.twofold.jira');
  });

  it('finds the sandbox pages and the public assets from the project folder', async () => {
    const sandbox = await fetch(`${baseUrl}/sandbox/`);
    assert.equal(sandbox.status, 200);
    assert.match(await sandbox.text(), /<html/i);
    const css = await fetch(`${baseUrl}/public/css/twofold.css`);
    assert.equal(css.status, 200);
    assert.ok((await css.text()).length > 0);
  });

  it('stops on SIGTERM', async () => {
    child!.kill('SIGTERM');
    const [code] = (await once(child!, 'exit')) as [number | null];
    assert.equal(code, 0);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function waitFor(ready: () => Promise<boolean>, child: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    if (child.exitCode !== null) throw new Error(`the compiled server exited with ${child.exitCode}`);
    if (await ready().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('the compiled server did not answer /healthz');
}
