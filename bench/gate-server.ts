/**
 * The server side of bench/gate.ts, in a child process pinned to one core: the whole app (sandbox Jira
 * host, installed), a fake Data Center (test/support/fake-data-center.ts) its connector points at, a
 * gate, and one Data Center user who must use 2FA, set up and verified through the gate's own pages,
 * so that `GET /gate/v1/check` answers `204 verified` for the cookies it hands to the parent. Beside
 * it, a bare Node `http` server that answers every request `204`: the baseline.
 */
import { createServer } from 'node:http';
import { rmSync } from 'node:fs';
import { decodeBase32 } from '../src/domain/mfa/secret-encoding';
import { timeStepAt, totpAtStep } from '../src/domain/mfa/totp';
import { FakeDataCenter } from '../test/support/fake-data-center';
import { listenOnLoopback as listen, startSandboxApp } from './support/sandbox-app';
import { ALICE_ADMIN_ID } from './verify-users';

const USERS = [
  { key: 'JIRAUSER10000', name: 'svc-twofold', displayName: 'Twofold Service', password: 'service secret', admin: true },
  { key: 'JIRAUSER10100', name: 'alice', displayName: 'Alice', password: 'alice pw', emailAddress: 'alice@dc.example' },
];

async function start(databaseUrl: string | undefined) {
  const { twofold, server: appServer, port, baseUrl, folder } = await startSandboxApp('twofold-bench-gate-', databaseUrl);
  appServer.on('request', twofold.handler);
  const host = twofold.sandbox!.host;
  await host.install(`${baseUrl}/atlassian-connect.json`);
  const dc = await FakeDataCenter.start({ users: USERS, groups: { 'jira-developers': ['alice'] } });

  const asAdmin = async (method: string, path: string, body: unknown) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { Authorization: `JWT ${host.contextToken(ALICE_ADMIN_ID)}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as Record<string, any>;
  };
  await asAdmin('PUT', '/api/v1/admin/connector', { baseUrl: dc.baseUrl, authType: 'basic', username: 'svc-twofold', secret: 'service secret' });
  // A safe zone and trusted proxies as a real site has them: the check reads them on every request.
  await asAdmin('PUT', '/api/v1/admin/policy', { enforcedGroups: ['jira-developers'], ipSafeZones: ['10.0.0.0/8', '2001:db8::/32'] });
  const { key } = await asAdmin('POST', '/api/v1/admin/gates', { name: 'bench' });

  // Alice logs in to Data Center, sets up TOTP on the gate's page, and is verified.
  const session = dc.login('alice');
  const gatePost = async (path: string, body: unknown) => {
    const response = await fetch(`${baseUrl}/gate/v1${path}`, {
      method: 'POST',
      headers: { 'X-Twofold-Gate-Key': key, Cookie: session, Origin: dc.baseUrl, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (response.status >= 300) throw new Error(`POST ${path}: ${response.status} ${await response.text()}`);
    return response;
  };
  const pending = (await (await gatePost('/enroll', {})).json()) as { secretBase32: string; digits: 6 | 8; period: 30 | 60 };
  const decoded = decodeBase32(pending.secretBase32);
  if (!decoded.ok) throw new Error('the set-up key does not decode');
  const params = { algorithm: 'SHA1' as const, digits: pending.digits, period: pending.period };
  const confirmed = await gatePost('/enroll/confirm', { code: totpAtStep(decoded.bytes, timeStepAt(new Date(), params.period), params) });
  const gateCookie = /twofold_gate=[^;]+/.exec(confirmed.headers.get('set-cookie') ?? '')?.[0];
  if (!gateCookie) throw new Error('no twofold_gate cookie');

  const bare = createServer((_req, res) => void res.writeHead(204).end());
  const barePort = await listen(bare);

  return {
    info: {
      appPort: port,
      barePort,
      dialect: twofold.database.dialect,
      headers: {
        'X-Twofold-Gate-Key': key,
        'X-Original-URI': '/browse/ABC-1',
        'X-Original-Method': 'GET',
        'X-Forwarded-For': '198.51.100.7',
        Cookie: `atlassian.xsrf.token=BWP3; ${session}; ${gateCookie}`,
        'User-Agent': 'Mozilla/5.0 (bench)',
      },
    },
    async close() {
      for (const server of [bare, appServer]) server.closeAllConnections();
      await Promise.all([bare, appServer].map((server) => new Promise((resolve) => server.close(resolve))));
      await dc.close();
      await twofold.close();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

let running: Awaited<ReturnType<typeof start>> | undefined;
process.on('message', (message: { type: string; databaseUrl?: string }) => {
  if (message.type === 'start') {
    start(message.databaseUrl).then(
      (started) => {
        running = started;
        process.send!({ type: 'ready', ...started.info });
      },
      (error: unknown) => process.send!({ type: 'error', message: error instanceof Error ? error.stack : String(error) }),
    );
  }
  if (message.type === 'stop') void (running?.close() ?? Promise.resolve()).finally(() => process.exit(0));
});
process.on('disconnect', () => process.exit(0));
