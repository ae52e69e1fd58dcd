import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { errorMiddleware, notFound } from '../../../../src/adapters/http/error-middleware';
import { createLogger } from '../../../../src/adapters/logging/logger';
import { InvariantError, TwofoldError } from '../../../../src/domain/errors';
import { UnreachableError } from '../../../../src/domain/ports/http-transport';

interface LogLine {
  level: number;
  msg: string;
  err?: { message: string; stack: string; type: string };
  errorCode?: string;
  [field: string]: unknown;
}

/** What the fake view engine was asked to render, sent back as JSON so that the test can read it. */
interface Rendered {
  view: string;
  model: Record<string, unknown>;
}

const SECRET_MESSAGE = 'connection to postgres://twofold:hunter2@db failed';

describe('error middleware', () => {
  let server: Server;
  let baseUrl: string;
  let viewsDir: string;
  const logs: LogLine[] = [];

  before(async () => {
    viewsDir = mkdtempSync(join(tmpdir(), 'twofold-views-'));
    mkdirSync(join(viewsDir, 'pages'));
    writeFileSync(join(viewsDir, 'pages', 'error.fake'), '');

    const logger = createLogger('trace', { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) });
    const app = express();
    app.engine('fake', (file: string, options: object, callback: (error: unknown, html?: string) => void) => {
      const { settings: _settings, _locals, cache: _cache, ...model } = options as Record<string, unknown>;
      const view = file.slice(viewsDir.length + 1).replace(/\.fake$/, '');
      callback(null, `<!doctype html><pre>${JSON.stringify({ view, model } satisfies Rendered)}</pre>`);
    });
    app.set('view engine', 'fake');
    app.set('views', viewsDir);
    app.use((_req, res, next) => {
      res.setHeader('X-Request-Id', 'req-42');
      next();
    });
    app.use(express.json({ limit: '1kb' }));

    const fail =
      (error: unknown): express.RequestHandler =>
      (_req, _res, next) =>
        next(error);
    for (const prefix of ['/api/v1', '/pages']) {
      app.get(`${prefix}/not-admin`, fail(new TwofoldError('not_admin', 'Only Jira administrators can change the policy.')));
      app.get(`${prefix}/locked`, fail(new TwofoldError('locked_out', 'Too many wrong codes.', { retryAfterSeconds: 12.2 })));
      app.get(
        `${prefix}/invalid-policy`,
        fail(
          new TwofoldError('invalid_policy', 'The policy has mistakes.', { details: { fields: [{ field: 'sessionTimeoutMinutes', problem: '0 to 1440' }] } }),
        ),
      );
      app.get(`${prefix}/invariant`, fail(new InvariantError('lastUsedStep must be a non-negative integer or null.', { lastUsedStep: -1 })));
      app.get(`${prefix}/unreachable`, fail(new UnreachableError('timeout', 'jira.example.com', 'Jira did not answer within 10 s.', 'ETIMEDOUT')));
      app.get(`${prefix}/boom`, fail(new Error(SECRET_MESSAGE)));
      app.get(`${prefix}/throws`, () => {
        throw new TypeError(SECRET_MESSAGE);
      });
    }
    app.post('/api/v1/echo', (req, res) => res.json(req.body));
    app.get('/api/v1/users/:id', (_req, res) => res.json({}));
    app.use(notFound);
    app.use(errorMiddleware(logger));

    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(viewsDir, { recursive: true, force: true });
  });

  beforeEach(() => {
    logs.length = 0;
  });

  const get = (path: string, accept = 'text/html,application/xhtml+xml') => fetch(`${baseUrl}${path}`, { headers: { accept } });
  const renderedPage = async (response: Response): Promise<Rendered> => {
    const html = await response.text();
    const match = /<pre>(.*)<\/pre>/s.exec(html);
    assert.ok(match, html);
    return JSON.parse(match[1]!) as Rendered;
  };

  describe('API paths (JSON)', () => {
    it('renders a TwofoldError as {"error":{"code","message"}} with its status, whatever the Accept header', async () => {
      const response = await get('/api/v1/not-admin');
      assert.equal(response.status, 403);
      assert.match(response.headers.get('content-type') ?? '', /application\/json/);
      assert.deepEqual(await response.json(), { error: { code: 'not_admin', message: 'Only Jira administrators can change the policy.' } });
      assert.ok(
        logs.some((l) => l.level === 30 && l.errorCode === 'not_admin'),
        'a refusal is logged at info with its code',
      );
      assert.ok(!logs.some((l) => l.level >= 50), 'a refusal is not logged as an error');
    });

    it('sets Retry-After (whole seconds, rounded up) when the error says when to retry', async () => {
      const response = await get('/api/v1/locked');
      assert.equal(response.status, 429);
      assert.equal(response.headers.get('retry-after'), '13');
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'locked_out');
    });

    it('sets no Retry-After otherwise', async () => {
      const response = await get('/api/v1/not-admin');
      assert.equal(response.headers.get('retry-after'), null);
    });

    it('includes safe details', async () => {
      const response = await get('/api/v1/invalid-policy');
      assert.equal(response.status, 400);
      assert.deepEqual(await response.json(), {
        error: { code: 'invalid_policy', message: 'The policy has mistakes.', details: { fields: [{ field: 'sessionTimeoutMinutes', problem: '0 to 1440' }] } },
      });
    });

    it('answers malformed JSON with 400 invalid_request', async () => {
      const response = await fetch(`${baseUrl}/api/v1/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"code": "12' });
      assert.equal(response.status, 400);
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'invalid_request');
    });

    it('answers a body over the limit with 413 payload_too_large', async () => {
      const response = await fetch(`${baseUrl}/api/v1/echo`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ x: 'y'.repeat(4000) }),
      });
      assert.equal(response.status, 413);
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'payload_too_large');
    });

    for (const path of ['/api/v1/boom', '/api/v1/throws']) {
      it(`turns an unknown error into 500 internal_error with no stack and no original message (${path})`, async () => {
        const response = await get(path, 'application/json');
        assert.equal(response.status, 500);
        const text = await response.text();
        const body = JSON.parse(text) as { error: { code: string; message: string } };
        assert.deepEqual(Object.keys(body), ['error']);
        assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message']);
        assert.equal(body.error.code, 'internal_error');
        assert.ok(!text.includes('hunter2') && !text.includes('postgres://'), 'no original message');
        assert.ok(!/\bat .*\.ts:\d+/.test(text) && !text.includes('stack'), 'no stack');

        const logged = logs.find((l) => l.level === 50);
        assert.ok(logged?.err, 'the original error is logged');
        assert.equal(logged.err.message, SECRET_MESSAGE);
        assert.match(logged.err.stack, /error-middleware\.test\.ts/);
        assert.equal(logged.requestId, 'req-42');
      });
    }

    it('answers a programming or data error (InvariantError) with 500 internal_error, logged at error with the request id', async () => {
      const response = await get('/api/v1/invariant', 'application/json');
      assert.equal(response.status, 500);
      const body = (await response.json()) as { error: { code: string; message: string; details?: unknown } };
      assert.equal(body.error.code, 'internal_error');
      assert.equal(body.error.details, undefined, 'no details of our insides');
      assert.ok(!body.error.message.includes('lastUsedStep'), 'not the developer message');
      const logged = logs.find((l) => l.level === 50);
      assert.ok(logged, 'logged at error level');
      assert.equal(logged.requestId, 'req-42');
      assert.equal(logged.err?.type, 'InvariantError');
      assert.deepEqual(logged.facts, { lastUsedStep: -1 });
      assert.ok(!logs.some((l) => l.level === 30 && l.errorCode !== undefined), 'not logged as a refusal at info');
    });

    it('logs an expected upstream failure (Jira unreachable) as a warning with its reason and no stack', async () => {
      const response = await get('/api/v1/unreachable', 'application/json');
      assert.equal(response.status, 502);
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'unreachable');
      assert.ok(!logs.some((l) => l.level >= 50), 'not logged as an error');
      const warning = logs.find((l) => l.level === 40);
      assert.ok(warning, 'logged as a warning');
      assert.deepEqual([warning.errorCode, warning.reason, warning.host, warning.requestId], ['unreachable', 'timeout', 'jira.example.com', 'req-42']);
      assert.equal(warning.err, undefined, 'no error object, so no stack');
      assert.ok(!JSON.stringify(warning).includes('stack'));
    });

    it('answers an unknown /api path with 404 not_found', async () => {
      const response = await get('/api/v1/nothing-here');
      assert.equal(response.status, 404);
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'not_found');
    });

    it('answers a JSON body in a charset other than UTF-8 with 415 unsupported_media_type, not a 500', async () => {
      const response = await fetch(`${baseUrl}/api/v1/echo`, { method: 'POST', headers: { 'Content-Type': 'application/json; charset=latin1' }, body: '{}' });
      assert.equal(response.status, 415);
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'unsupported_media_type');
      assert.ok(!logs.some((line) => line.level >= 50), 'not logged as an unexpected failure');
    });

    it('answers a compressed body it cannot read with 415 unsupported_media_type', async () => {
      const response = await fetch(`${baseUrl}/api/v1/echo`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'br' },
        body: '{}',
      });
      assert.equal(response.status, 415);
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'unsupported_media_type');
    });

    it('answers a URL parameter that does not decode with 400 invalid_request, not a 500', async () => {
      const response = await get('/api/v1/users/%E0%A4%A');
      assert.equal(response.status, 400);
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'invalid_request');
      assert.ok(!logs.some((line) => line.level >= 50), 'not logged as an unexpected failure');
    });
  });

  describe('pages (HTML)', () => {
    it('renders the error page with the status, code and message of a TwofoldError', async () => {
      const response = await get('/pages/not-admin');
      assert.equal(response.status, 403);
      assert.match(response.headers.get('content-type') ?? '', /text\/html/);
      const { view, model } = await renderedPage(response);
      assert.equal(view, 'pages/error');
      assert.equal(model.layout, 'standalone');
      assert.equal(model.status, 403);
      assert.equal(model.code, 'not_admin');
      assert.equal(model.message, 'Only Jira administrators can change the policy.');
      assert.equal(model.title, 'Not allowed');
      assert.equal(model.requestId, 'req-42');
    });

    it('renders an unknown error as a 500 page with neither the original message nor a stack', async () => {
      const response = await get('/pages/boom');
      assert.equal(response.status, 500);
      const html = await response.clone().text();
      assert.ok(!html.includes('hunter2') && !html.includes('postgres://'));
      assert.ok(!html.includes('.ts:'));
      const { model } = await renderedPage(response);
      assert.equal(model.code, 'internal_error');
      assert.equal(model.title, 'Something went wrong');
      assert.ok(!('stack' in model) && !('cause' in model) && !('error' in model));
      assert.equal(logs.find((l) => l.level === 50)?.err?.message, SECRET_MESSAGE);
    });

    it('sets Retry-After on pages too', async () => {
      const response = await get('/pages/locked');
      assert.equal(response.status, 429);
      assert.equal(response.headers.get('retry-after'), '13');
      assert.equal((await renderedPage(response)).model.title, 'Too many attempts');
    });

    it('answers a page request that asks for JSON in JSON', async () => {
      const response = await get('/pages/not-admin', 'application/json');
      assert.equal(response.status, 403);
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'not_admin');
    });

    it('renders an unknown page as 404', async () => {
      const response = await get('/pages/nothing-here');
      assert.equal(response.status, 404);
      const { model } = await renderedPage(response);
      assert.equal(model.code, 'not_found');
      assert.equal(model.title, 'Page not found');
    });
  });
});
