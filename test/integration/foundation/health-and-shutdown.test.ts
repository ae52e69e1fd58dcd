import assert from 'node:assert/strict';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { shutDownGracefully } from '../../../src/shutdown';
import { databaseLanes, type TestDatabase } from '../../support/database-lanes';
import { startTestApp, type TestApp } from '../../support/test-app';

describe('Health', () => {
  let database: TestDatabase;
  let app: TestApp;

  before(async () => {
    database = await databaseLanes()[0]!.create();
    app = await startTestApp({ databaseUrl: database.url });
  });
  after(async () => {
    // The test closes the database itself; closing the rest may then complain about it.
    await app?.close().catch(() => undefined);
    await database?.drop();
  });

  it('answers 200 while the database answers, and 503 naming the failing check when it does not', async () => {
    const healthy = await app.request('GET', '/healthz');
    assert.equal(healthy.status, 200);
    assert.equal(healthy.json().status, 'ok');
    await app.twofold.database.close();
    const sick = await app.request('GET', '/healthz');
    assert.equal(sick.status, 503);
    assert.deepEqual(sick.json(), { status: 'unavailable', checks: { database: 'unreachable' } });
  });
});

describe('Graceful shutdown', () => {
  const silent = pino({ level: 'silent' });

  /** A server whose handler is given; resolves once a request has reached it. */
  async function serverWith(handler: RequestListener): Promise<{ server: Server; url: string; arrived: Promise<void> }> {
    let signal!: () => void;
    const arrived = new Promise<void>((resolve) => (signal = resolve));
    const server = createServer((req, res) => {
      signal();
      handler(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, arrived };
  }

  it('finishes a request in flight before closing resources, and accepts no new connections', async () => {
    let closedResources = false;
    let answeredBeforeClose = false;
    const { server, url, arrived } = await serverWith((_req, res) => {
      setTimeout(() => {
        answeredBeforeClose = !closedResources;
        res.end('done');
      }, 300);
    });
    const inFlight = fetch(`${url}/slow`).then((r) => r.text());
    await arrived;
    await shutDownGracefully(
      server,
      async () => {
        closedResources = true;
      },
      { timeoutMs: 5000, logger: silent },
    );
    assert.equal(await inFlight, 'done');
    assert.ok(answeredBeforeClose, 'the request was answered before resources were closed');
    assert.ok(closedResources);
    await assert.rejects(fetch(`${url}/again`), 'no new connections are accepted');
  });

  it('waits for the deadline, then cuts requests that outlive it and closes resources', async () => {
    const { server, url, arrived } = await serverWith(() => {
      /* never answers */
    });
    const hanging = fetch(`${url}/hang`).catch((error: Error) => error);
    await arrived;
    let closed = false;
    const started = Date.now();
    await shutDownGracefully(
      server,
      async () => {
        closed = true;
      },
      { timeoutMs: 200, logger: silent },
    );
    assert.ok(Date.now() - started >= 190, 'it waited for the deadline before cutting');
    assert.ok(closed);
    assert.ok((await hanging) instanceof Error, 'the hanging request was cut');
  });
});
