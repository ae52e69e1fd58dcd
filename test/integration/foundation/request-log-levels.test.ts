import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger } from '../../../src/adapters/logging/logger';
import type { FixedClock } from '../../../src/domain/ports/clock';
import { databaseLanes } from '../../support/database-lanes';
import { startInstalledApp, type InstalledApp } from '../../support/installed-app';
import { steppedClock } from '../../support/stepped-clock';
import { USERS } from '../mfa/support';

/**
 * Request logging: a successful read (GET /api/v1/me, on every page view) is logged at debug, so
 * that at the default info level it costs no log line (bench:me); a refusal and a write still are
 * logged at info.
 */
describe('Request log levels', () => {
  const lane = databaseLanes().find((candidate) => candidate.name === 'sqlite')!;
  let installed: InstalledApp<FixedClock>;
  const lines: Array<{ level: number; req?: { method: string; url: string }; res?: { statusCode: number } }> = [];
  const captured = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });

  before(async () => {
    installed = await startInstalledApp(lane, { clock: steppedClock(), overrides: { logger: createLogger('debug', captured) } });
  });
  after(() => installed?.stop());

  const requestLines = (method: string, url: string) => lines.filter((line) => line.req?.method === method && line.req.url === url && line.res);

  it('logs a successful GET at debug, a refused one and a write at info', async () => {
    const { app } = installed;
    assert.equal((await app.request('GET', '/api/v1/me', { token: app.contextToken(USERS.bob) })).status, 200);
    assert.equal((await app.request('GET', '/api/v1/admin/audit', { token: app.contextToken(USERS.bob) })).status, 403);
    assert.equal((await app.request('POST', '/api/v1/me/totp', { token: app.contextToken(USERS.bob), body: {} })).status, 201);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(
      requestLines('GET', '/api/v1/me').map((line) => line.level),
      [20],
    );
    assert.deepEqual(
      requestLines('GET', '/api/v1/admin/audit').map((line) => line.level),
      [30],
    );
    assert.deepEqual(
      requestLines('POST', '/api/v1/me/totp').map((line) => line.level),
      [30],
    );
  });
});
