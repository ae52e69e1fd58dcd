import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTwofoldApp, type TwofoldApp } from '../../src/app';
import { loadConfig } from '../../src/config/load-config';

/** Listens on a free loopback port; answers the port. */
export async function listenOnLoopback(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/**
 * The whole app with the sandbox Jira host, on an HTTP server of its own (loopback, a free port), its
 * SQLite file in a new temporary folder unless `databaseUrl` says otherwise: what the bench servers boot
 * before they install, seed and measure. The caller attaches the server's request listener (the app's
 * `handler`, its Express `app`, or a wrapper) and removes `folder` when done.
 */
export async function startSandboxApp(
  prefix: string,
  databaseUrl: string | undefined,
  /** More settings, given the temporary folder (e.g. a sandbox state file in it). */
  env: (folder: string) => Record<string, string> = () => ({}),
): Promise<{ twofold: TwofoldApp; server: Server; port: number; baseUrl: string; folder: string }> {
  const folder = mkdtempSync(join(tmpdir(), prefix));
  const server = createServer();
  const port = await listenOnLoopback(server);
  const baseUrl = `http://127.0.0.1:${port}`;
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: String(port),
    AC_LOCAL_BASE_URL: baseUrl,
    DATABASE_URL: databaseUrl ?? `sqlite:${join(folder, 'bench.sqlite')}`,
    TWOFOLD_MASTER_KEY: randomBytes(32).toString('base64'),
    TWOFOLD_SANDBOX: 'true',
    LOG_LEVEL: 'warn',
    ...env(folder),
  });
  return { twofold: await createTwofoldApp(config), server, port, baseUrl, folder };
}
