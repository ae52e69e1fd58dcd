import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import * as jwt from 'atlassian-jwt';
import type { AddressInfo } from 'node:net';
import type { FixedClock } from '../../../src/domain/ports/clock';
import { databaseLanes, printLaneNotice } from '../../support/database-lanes';
import { startInstalledApp, type InstalledApp } from '../../support/installed-app';
import { steppedClock } from '../../support/stepped-clock';
import type { TestApp } from '../../support/test-app';
import { USERS, enroll, session, type Enrolled } from './support';

/**
 * `GET /api/v1/me` is answered before Express when it succeeds (routes/me-status-lane.ts). What a page
 * gets must not depend on that: the same body and headers as the Express route gives (served here
 * from the app's Express `app` alone, on a second port), and every failure answered by Express itself.
 */
for (const lane of databaseLanes()) {
  describe(`GET /api/v1/me before Express (${lane.name})`, () => {
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
