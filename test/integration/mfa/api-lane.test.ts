import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import * as jwt from 'atlassian-jwt';
import type { AddressInfo } from 'node:net';
import type { FixedClock } from '../../../src/domain/ports/clock';
import { databaseLanes, printLaneNotice } from '../../support/database-lanes';
import { startInstalledApp, type InstalledApp } from '../../support/installed-app';
import { steppedClock } from '../../support/stepped-clock';
import type { TestApp } from '../../support/test-app';
import { USERS, codeNow, enroll, session, wrongCode, type Enrolled } from './support';

/**
 * `GET /api/v1/me` and `POST /api/v1/me/verify` are answered before Express (src/http/api-lane.ts). What
 * a page gets must not depend on that: the same status, body and headers as the Express routes give
 * (served here from the app's Express `app` alone, on a second port), for successes and refusals alike,
 * and whatever the lane does not take (another body type, an encoding, a large body) left to Express.
 */
for (const lane of databaseLanes()) {
  describe(`The API routes answered before Express (${lane.name})`, () => {
    let installed: InstalledApp<FixedClock>;
    let app: TestApp;
    let expressOnly: Server;
    let expressUrl: string;
    let bob: Enrolled;

    before(async () => {
      printLaneNotice();
      installed = await startInstalledApp(lane, { clock: steppedClock() });
      ({ app } = installed);
      bob = await enroll(app, installed.clock, USERS.bob);
      expressOnly = createServer(app.twofold.app);
      await new Promise<void>((resolve) => expressOnly.listen(0, '127.0.0.1', resolve));
      expressUrl = `http://127.0.0.1:${(expressOnly.address() as AddressInfo).port}`;
    });
    after(async () => {
      await new Promise((resolve) => expressOnly?.close(resolve));
      await installed?.stop();
    });

    const unknownTenantToken = () => {
      const now = Math.floor(Date.now() / 1000);
      return jwt.encodeSymmetric({ iss: 'not-installed', sub: USERS.bob, iat: now, exp: now + 60, qsh: 'context-qsh' }, 'a'.repeat(32));
    };
    const both = async (path: string, headers: Record<string, string>) =>
      Promise.all([fetch(`${app.baseUrl}${path}`, { headers }), fetch(`${expressUrl}${path}`, { headers })]);
    /** The headers that differ by nature from answer to answer, and the ETag Express adds to a `no-store` answer. */
    const comparable = (headers: Headers) =>
      [...headers].filter(([name]) => !['date', 'x-request-id', 'etag', 'keep-alive', 'connection'].includes(name)).sort(([a], [b]) => a.localeCompare(b));

    it("answers a verified browser's status with Express's body and headers, and an id of its own", async () => {
      const headers = { Authorization: `JWT ${app.contextToken(USERS.bob)}`, ...session(bob.sessionToken) };
      const [lane, express] = await both('/api/v1/me', headers);
      assert.equal(lane.status, 200);
      assert.equal(express.status, 200);
      const body = (await lane.json()) as Record<string, any>;
      assert.deepEqual(body, await express.json());
      assert.equal(body.enrolled, true);
      assert.ok(body.verifiedUntil, 'the session this browser presented');
      assert.deepEqual(comparable(lane.headers), comparable(express.headers));
      assert.match(lane.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
      assert.equal(lane.headers.get('cache-control'), 'no-store');
    });

    it('answers a browser that never verified, and a query string (the token covers it), as Express does', async () => {
      const headers = { Authorization: `JWT ${app.contextToken(USERS.carol)}` };
      const [lane, express] = await both('/api/v1/me?view=status', headers);
      assert.equal(lane.status, 200);
      assert.deepEqual(await lane.json(), await express.json());
    });

    it('leaves every refusal to Express: no token, a bad signature, an unknown tenant, a body that is not JSON', async () => {
      const token = app.contextToken(USERS.bob);
      const cases: Array<[RequestInit & { headers: Record<string, string> }, number, string]> = [
        [{ headers: {} }, 401, 'unauthenticated'],
        [{ headers: { Authorization: `JWT ${token.slice(0, -2)}xx` } }, 401, 'unauthenticated'],
        [{ headers: { Authorization: 'JWT not.a.token' } }, 401, 'unauthenticated'],
        [{ headers: { Authorization: `JWT ${unknownTenantToken()}` } }, 401, 'unknown_tenant'],
      ];
      for (const [init, status, code] of cases) {
        const [lane, express] = await both('/api/v1/me', init.headers);
        assert.equal(lane.status, status);
        assert.equal(express.status, status);
        const [laneBody, expressBody] = [(await lane.json()) as { error: { code: string } }, await express.json()];
        assert.equal(laneBody.error.code, code);
        assert.deepEqual(laneBody, expressBody);
        assert.ok(lane.headers.get('x-request-id'));
      }
      // A GET with a body (fetch will not send one): Express's check of the body's type answers it.
      const withBody = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const sent = request(
          `${app.baseUrl}/api/v1/me`,
          { method: 'GET', headers: { Authorization: `JWT ${token}`, 'Content-Type': 'text/plain', 'Content-Length': '1' } },
          (res) => {
            let body = '';
            res.on('data', (chunk: Buffer) => (body += chunk.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          },
        );
        sent.on('error', reject);
        sent.end('x');
      });
      assert.equal(withBody.status, 415, withBody.body);
      assert.equal(JSON.parse(withBody.body).error.code, 'unsupported_media_type');
    });

    /** The same POST to the app (the lane) and to Express alone; `body` as sent, bytes and all. */
    const post = (base: string, body: string | Buffer, headers: Record<string, string>) =>
      new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }>((resolve, reject) => {
        const sent = request(
          `${base}/api/v1/me/verify`,
          { method: 'POST', headers: { 'Content-Length': String(Buffer.byteLength(body)), ...headers } },
          (res) => {
            let text = '';
            res.on('data', (chunk: Buffer) => (text += chunk.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
          },
        );
        sent.on('error', reject);
        sent.end(body);
      });
    const comparablePosted = (headers: Record<string, string | string[] | undefined>) =>
      Object.entries(headers)
        .filter(([name]) => !['date', 'x-request-id', 'etag', 'keep-alive', 'connection', 'content-length'].includes(name))
        .sort(([a], [b]) => a.localeCompare(b));

    it('verifies a code through the lane: the answer of the Express route, and the session it starts works', async () => {
      const dave = await enroll(app, installed.clock, USERS.dave);
      installed.clock.advance(30_000);
      const token = app.contextToken(USERS.dave);
      const answered = await post(app.baseUrl, JSON.stringify({ code: codeNow(dave, installed.clock) }), {
        Authorization: `JWT ${token}`,
        'Content-Type': 'application/json; charset=UTF-8',
      });
      assert.equal(answered.status, 200, answered.text);
      const body = JSON.parse(answered.text) as Record<string, unknown>;
      assert.deepEqual(Object.keys(body).sort(), ['method', 'sessionToken', 'verifiedAt', 'verifiedUntil']);
      assert.equal(body.method, 'totp');
      assert.match(String(answered.headers['x-request-id']), /^[0-9a-f-]{36}$/);
      assert.equal(answered.headers['cache-control'], 'no-store');
      assert.ok(answered.headers['content-security-policy']);
      const status = await fetch(`${app.baseUrl}/api/v1/me`, { headers: { Authorization: `JWT ${token}`, ...session(String(body.sessionToken)) } });
      assert.ok(((await status.json()) as { verifiedUntil: string | null }).verifiedUntil, 'the session the lane started is the browser’s');
      // The same code again, now through Express alone: used once.
      const again = await post(expressUrl, JSON.stringify({ code: codeNow(dave, installed.clock) }), {
        Authorization: `JWT ${token}`,
        'Content-Type': 'application/json',
      });
      assert.equal(again.status, 401);
      assert.equal((JSON.parse(again.text) as { error: { code: string } }).error.code, 'code_reused');
    });

    it('refuses what Express refuses, with the same status, body and headers', async () => {
      const token = app.contextToken(USERS.bob);
      const json = { Authorization: `JWT ${token}`, 'Content-Type': 'application/json' };
      const cases: Array<[string, string | Buffer, Record<string, string>]> = [
        ['not JSON', '{"code":', json],
        ['JSON but not an object', '"123456"', json],
        ['a number', '123456', json],
        ['a byte-order mark, then an empty object', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{}')]), json],
        ['whitespace, then an array', ' \n[1]', json],
        ['a field too many', JSON.stringify({ code: '123456', extra: 1 }), json],
        ['a code of the wrong length (no attempt is spent)', JSON.stringify({ code: '12' }), json],
        ['a bad token, with a body that would fail too', '{"code":', { ...json, Authorization: 'JWT not.a.token' }],
        ['a bad token', JSON.stringify({ code: '123456' }), { ...json, Authorization: `JWT ${token.slice(0, -2)}xx` }],
        ['no token (Express)', JSON.stringify({ code: '123456' }), { 'Content-Type': 'application/json' }],
        ['a text body (Express)', 'code=123456', { ...json, 'Content-Type': 'text/plain' }],
        ['another charset (Express)', JSON.stringify({ code: '123456' }), { ...json, 'Content-Type': 'application/json; charset=latin1' }],
        ['a content encoding (Express)', JSON.stringify({ code: '123456' }), { ...json, 'Content-Encoding': 'gzip' }],
        ['a body over 64 kB (Express)', JSON.stringify({ code: 'x'.repeat(70_000) }), json],
      ];
      for (const [what, body, headers] of cases) {
        const [viaLane, viaExpress] = [await post(app.baseUrl, body, headers), await post(expressUrl, body, headers)];
        assert.equal(viaLane.status, viaExpress.status, what);
        assert.ok(viaLane.status >= 400, `${what}: ${viaLane.status}`);
        assert.deepEqual(JSON.parse(viaLane.text), JSON.parse(viaExpress.text), what);
        assert.deepEqual(comparablePosted(viaLane.headers), comparablePosted(viaExpress.headers), what);
      }
    });

    it('answers a wrong code and then a locked-out user as Express does, Retry-After included', async () => {
      const erin = await enroll(app, installed.clock, USERS.erin);
      const headers = { Authorization: `JWT ${app.contextToken(USERS.erin)}`, 'Content-Type': 'application/json' };
      const wrong = JSON.stringify({ code: wrongCode(erin, installed.clock) });
      const first = await post(app.baseUrl, wrong, headers);
      assert.equal(first.status, 401);
      assert.deepEqual(JSON.parse(first.text), {
        error: { code: 'invalid_code', message: (JSON.parse(first.text) as { error: { message: string } }).error.message, details: { attemptsLeft: 4 } },
      });
      const second = await post(expressUrl, wrong, headers);
      assert.deepEqual((JSON.parse(second.text) as { error: { details: unknown } }).error.details, { attemptsLeft: 3 }, 'one budget, whichever path');
      for (let i = 0; i < 3; i += 1) await post(app.baseUrl, wrong, headers);
      const [viaLane, viaExpress] = [await post(app.baseUrl, wrong, headers), await post(expressUrl, wrong, headers)];
      assert.equal(viaLane.status, 429);
      assert.deepEqual(JSON.parse(viaLane.text), JSON.parse(viaExpress.text));
      assert.ok(Number(viaLane.headers['retry-after']) > 0);
      assert.equal(viaLane.headers['retry-after'], viaExpress.headers['retry-after']);
    });

    it('leaves a failed status read to Express (its 500, without the cause), and answers again once the table is back', async () => {
      const headers = { Authorization: `JWT ${app.contextToken(USERS.bob)}` };
      const { sequelize } = app.twofold.database;
      await sequelize.query('ALTER TABLE totp_credentials RENAME TO totp_credentials_away');
      try {
        const refused = await fetch(`${app.baseUrl}/api/v1/me`, { headers });
        assert.equal(refused.status, 500);
        assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'internal_error');
      } finally {
        await sequelize.query('ALTER TABLE totp_credentials_away RENAME TO totp_credentials');
      }
      assert.equal((await fetch(`${app.baseUrl}/api/v1/me`, { headers })).status, 200);
    });
  });
}
