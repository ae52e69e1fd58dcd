import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import nock from 'nock';
import { AxiosHttpTransport } from '../../../../src/adapters/http-transport/axios-transport';
import { UnreachableError } from '../../../../src/domain/ports/http-transport';

async function unreachable(promise: Promise<unknown>): Promise<UnreachableError> {
  let caught: unknown;
  await promise.catch((error: unknown) => (caught = error));
  assert.ok(caught instanceof UnreachableError, `expected UnreachableError, got ${String(caught)}`);
  assert.equal(caught.code, 'unreachable');
  return caught;
}

describe('AxiosHttpTransport', () => {
  const transport = new AxiosHttpTransport();
  const base = 'https://jira.example.com';

  afterEach(() => nock.cleanAll());

  it('resolves any status with lower-case headers and the raw body', async () => {
    nock(base)
      .get('/rest/api/2/myself')
      .reply(401, '{"not":"parsed"}', { 'WWW-Authenticate': 'OAuth realm="x", oauth_problem="token_rejected"', 'Content-Type': 'application/json' });
    const response = await transport.send({ method: 'GET', url: `${base}/rest/api/2/myself`, headers: {}, timeoutMs: 1000 });
    assert.equal(response.status, 401);
    assert.equal(response.body, '{"not":"parsed"}');
    assert.equal(response.headers['www-authenticate'], 'OAuth realm="x", oauth_problem="token_rejected"');
  });

  it('sends method, headers and body as given', async () => {
    const scope = nock(base, { reqheaders: { authorization: 'OAuth a="b"', 'content-type': 'application/json' } })
      .put('/rest/api/2/user/properties/k?userKey=x', '{"v":1}')
      .reply(201);
    const response = await transport.send({
      method: 'PUT',
      url: `${base}/rest/api/2/user/properties/k?userKey=x`,
      headers: { Authorization: 'OAuth a="b"', 'Content-Type': 'application/json' },
      body: '{"v":1}',
      timeoutMs: 1000,
    });
    assert.equal(response.status, 201);
    scope.done();
  });

  it('never follows a redirect, so credentials cannot travel to another host', async () => {
    nock(base).get('/rest/api/2/myself').reply(302, '', { Location: 'https://evil.example.net/steal' });
    const evil = nock('https://evil.example.net').get('/steal').reply(200, 'got it');
    const response = await transport.send({ method: 'GET', url: `${base}/rest/api/2/myself`, headers: { Authorization: 'Basic c2VjcmV0' }, timeoutMs: 1000 });
    assert.equal(response.status, 302);
    assert.equal(response.headers['location'], 'https://evil.example.net/steal');
    assert.ok(!evil.isDone());
  });

  it('times out a slow answer as unreachable/timeout', async () => {
    nock(base).get('/slow').delay(500).reply(200, 'late');
    const error = await unreachable(transport.send({ method: 'GET', url: `${base}/slow`, headers: {}, timeoutMs: 50 }));
    assert.equal(error.reason, 'timeout');
  });

  it('times out a server that sends headers and then stalls the body', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write('a');
      // never ends: a socket idle timer alone would be reset by each dripped byte
      const drip = setInterval(() => res.write('.'), 10);
      res.on('close', () => clearInterval(drip));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      // Without the overall deadline this would wait for ever (mocha's timeout would end it, not the transport).
      const error = await unreachable(transport.send({ method: 'GET', url: `http://127.0.0.1:${port}/`, headers: {}, timeoutMs: 150 }));
      assert.equal(error.reason, 'timeout');
      assert.deepEqual([error.code, error.details], ['unreachable', { reason: 'timeout', host: `127.0.0.1:${port}` }]);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('names a connection dropped before any answer, and keeps the Authorization header out of the error', async () => {
    // A server of our own that accepts and drops every connection (a freed port could be taken by anyone meanwhile).
    const server = createServer();
    server.on('connection', (socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const error = await unreachable(
        transport.send({ method: 'GET', url: `http://127.0.0.1:${port}/`, headers: { Authorization: 'Basic dG9wc2VjcmV0' }, timeoutMs: 5000 }),
      );
      assert.equal(error.reason, 'connection_reset');
      assert.deepEqual(error.details, { reason: 'connection_reset', host: `127.0.0.1:${port}` });
      const everything = JSON.stringify({ error, cause: String(error.cause), message: error.message, stack: error.stack });
      assert.ok(!everything.includes('dG9wc2VjcmV0'));
    } finally {
      server.close();
    }
  });

  it('ignores HTTP_PROXY: plain http to loopback goes straight to Jira, never in clear to a proxy', async () => {
    const seen: string[] = [];
    const jira = createServer((req, res) => {
      seen.push(`jira ${req.url}`);
      res.end('direct');
    });
    const proxy = createServer((req, res) => {
      seen.push(`proxy ${req.url} ${req.headers.authorization ?? ''}`);
      res.end('proxied');
    });
    await Promise.all([jira, proxy].map((server) => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))));
    const saved = { HTTP_PROXY: process.env.HTTP_PROXY, http_proxy: process.env.http_proxy, NO_PROXY: process.env.NO_PROXY, no_proxy: process.env.no_proxy };
    try {
      process.env.HTTP_PROXY = process.env.http_proxy = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
      delete process.env.NO_PROXY;
      delete process.env.no_proxy;
      const url = `http://127.0.0.1:${(jira.address() as AddressInfo).port}/rest/api/2/myself`;
      const response = await new AxiosHttpTransport().send({ method: 'GET', url, headers: { Authorization: 'Basic c2VjcmV0' }, timeoutMs: 2000 });
      assert.equal(response.body, 'direct');
      assert.deepEqual(seen, ['jira /rest/api/2/myself']);
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      for (const server of [jira, proxy]) {
        server.closeAllConnections();
        server.close();
      }
    }
  });

  it("names DNS and TLS failures (real ones: nock's replyWithError makes axios 1.21 wait for its timeout)", async () => {
    // .invalid never resolves (RFC 6761 §6.4)
    const dns = await unreachable(transport.send({ method: 'GET', url: 'https://twofold-test.invalid/', headers: {}, timeoutMs: 5000 }));
    assert.equal(dns.reason, 'dns');
    const plain = createServer((_req, res) => res.end('not TLS'));
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = plain.address() as AddressInfo;
      const tls = await unreachable(transport.send({ method: 'GET', url: `https://127.0.0.1:${port}/`, headers: {}, timeoutMs: 2000 }));
      assert.equal(tls.reason, 'tls');
    } finally {
      plain.closeAllConnections();
      plain.close();
    }
  });

  it('refuses an answer larger than allowed', async () => {
    nock(base).get('/big').reply(200, 'x'.repeat(2048));
    const small = new AxiosHttpTransport({ maxResponseBytes: 1024 });
    assert.equal((await unreachable(small.send({ method: 'GET', url: `${base}/big`, headers: {}, timeoutMs: 1000 }))).reason, 'too_large');
  });

  it('refuses a request without a timeout or with another scheme as misuse', async () => {
    await assert.rejects(transport.send({ method: 'GET', url: `${base}/`, headers: {}, timeoutMs: 0 }), TypeError);
    await assert.rejects(transport.send({ method: 'GET', url: 'file:///etc/passwd', headers: {}, timeoutMs: 100 }), TypeError);
  });
});
