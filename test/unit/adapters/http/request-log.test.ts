import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { requestLog, requestLogLevel } from '../../../../src/adapters/http/request-log';
import { createLogger } from '../../../../src/adapters/logging/logger';

const JWT = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJqaXJhLTEiLCJzdWIiOiJhY2MtMSJ9.c2lnbmF0dXJlLWJ5dGVz';

describe('request log', () => {
  let server: Server | undefined;
  let base: string;
  let lines: Array<Record<string, unknown>>;

  async function start(level: string): Promise<void> {
    lines = [];
    const logger = createLogger(level, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
    const app = express();
    app.use(requestLog(logger, { ignore: (url) => url === '/healthz' }));
    app.get('/page', (_req, res) => void res.send('ok'));
    app.get('/healthz', (_req, res) => void res.send('ok'));
    app.post('/write', (_req, res) => void res.status(204).end());
    app.get('/broken', (_req, res) => void res.status(500).end());
    const listening = createServer(app);
    server = listening;
    await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(listening.address() as AddressInfo).port}`;
  }

  /** Lines are written when the response closes, just after the client has it. */
  async function settle(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }

  afterEach(async () => {
    const running = server;
    server = undefined;
    if (running) await new Promise((resolve) => running.close(resolve));
  });

  it('levels: successful reads at debug, writes and refusals at info, server errors at error', () => {
    assert.equal(requestLogLevel('GET', 200), 'debug');
    assert.equal(requestLogLevel('GET', 404), 'info');
    assert.equal(requestLogLevel('POST', 200), 'info');
    assert.equal(requestLogLevel('POST', 503), 'error');
  });

  it('gives every answer a request id and logs it with the scrubbed URL, the status and no header', async () => {
    await start('debug');
    const response = await fetch(`${base}/page?jwt=${JWT}&x=1`, { headers: { authorization: `JWT ${JWT}` } });
    const requestId = response.headers.get('x-request-id');
    assert.match(requestId ?? '', /^[0-9a-f-]{36}$/);
    await settle();
    assert.equal(lines.length, 1);
    const [line] = lines as [Record<string, unknown>];
    assert.equal(line.level, 20);
    assert.equal(line.reqId, requestId);
    assert.deepEqual(line.res, { statusCode: 200 });
    const req = line.req as Record<string, unknown>;
    assert.equal(req.method, 'GET');
    assert.ok(!JSON.stringify(line).includes(JWT), 'the JWT is scrubbed');
    assert.ok(!('headers' in req));
    assert.equal(typeof line.responseTime, 'number');
  });

  it('writes nothing for a level that is off, and nothing for /healthz, which still gets an id', async () => {
    await start('info');
    await fetch(`${base}/page`);
    const health = await fetch(`${base}/healthz`);
    assert.ok(health.headers.get('x-request-id'));
    await fetch(`${base}/write`, { method: 'POST' });
    await fetch(`${base}/broken`);
    await settle();
    assert.deepEqual(
      lines.map((line) => [line.level, (line.req as { url: string }).url]),
      [
        [30, '/write'],
        [50, '/broken'],
      ],
    );
  });
});
