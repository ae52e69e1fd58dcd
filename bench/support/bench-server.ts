import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createTwofoldApp, type TwofoldApp } from '../../src/app';
import { authenticateApi } from '../../src/adapters/connect/authenticate';
import { loadConfig } from '../../src/config/load-config';

/**
 * Runs in a child process of a benchmark, so that the server has a core of its own and the load
 * generator the other: boots Twofold with the sandbox host on a fresh SQLite file, installs it, and
 * serves beside it a comparison app whose routes differ only in their authentication. Reports
 * `{ appUrl, compareUrl, clientKey }` to the parent over IPC.
 */
async function main(): Promise<void> {
  const appServer = await listen();
  const appUrl = `http://127.0.0.1:${(appServer.address() as AddressInfo).port}`;
  const config = loadConfig({
    NODE_ENV: 'test',
    AC_LOCAL_BASE_URL: appUrl,
    PORT: String((appServer.address() as AddressInfo).port),
    DATABASE_URL: process.env.BENCH_DATABASE_URL ?? `sqlite:${join(tmpdir(), `twofold-bench-${randomBytes(4).toString('hex')}.sqlite`)}`,
    TWOFOLD_MASTER_KEY: randomBytes(32).toString('base64'),
    TWOFOLD_SANDBOX: 'true',
    LOG_LEVEL: 'silent',
  });
  const twofold = await createTwofoldApp(config);
  appServer.on('request', twofold.app);
  await twofold.sandbox!.host.install(`${appUrl}/atlassian-connect.json`);

  const compare = comparisonApp(twofold);
  const compareServer = await listen();
  compareServer.on('request', compare);
  const compareUrl = `http://127.0.0.1:${(compareServer.address() as AddressInfo).port}`;
  process.send!({ appUrl, compareUrl, clientKey: twofold.sandbox!.host.clientKey });
  process.on('message', (message: { token?: string; accountId?: string }) => {
    if (message.accountId) process.send!({ token: twofold.sandbox!.host.contextToken(message.accountId, 3600) });
  });
}

/** Three routes with the same handler: no authentication, ACE's checkValidToken(), and ours. */
function comparisonApp(twofold: TwofoldApp): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json()); // ACE looks for the token only once a body parser has run
  const answer: express.RequestHandler = (_req, res) => {
    res.json({ ok: true });
  };
  app.get('/bare', answer);
  app.get('/ace', twofold.connect.addon.checkValidToken(), answer);
  app.get('/ours', authenticateApi(twofold.connect.verifier), answer);
  // A refused request must show in the results (as non-2xx) and say why here.
  app.use(((error, _req, res, _next) => {
    const { code, message } = error as { code?: unknown; message?: string };
    res.status(typeof code === 'number' ? code : 500).json({ error: { message } });
  }) as express.ErrorRequestHandler);
  return app;
}

function listen(): Promise<Server> {
  const server = createServer();
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

main().catch((error: unknown) => {
  process.stderr.write(`bench server failed: ${String(error)}\n`);
  process.exit(1);
});
