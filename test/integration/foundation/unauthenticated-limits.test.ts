import assert from 'node:assert/strict';
import { databaseLanes } from '../../support/database-lanes';
import { startInstalledApp, type InstalledApp } from '../../support/installed-app';
import { BOB_MEMBER } from '../../support/test-app';

/**
 * The endpoints that answer without a Jira token are limited per client address: a flood from one
 * address gets 429 rate_limited with Retry-After, while other addresses and authenticated traffic are
 * served. (The app trusts X-Forwarded-For from loopback proxies, which is how this test plays several
 * client addresses.)
 */
describe('Rate limits of unauthenticated endpoints', () => {
  const lane = databaseLanes().find((candidate) => candidate.name === 'sqlite')!;
  let installed: InstalledApp;

  before(async () => {
    installed = await startInstalledApp(lane);
  });
  after(() => installed?.stop());

  it('answers a flood of install hooks from one address with 429, and keeps serving everyone else', async () => {
    const { app } = installed;
    const flood = { 'X-Forwarded-For': '203.0.113.66', 'Content-Type': 'application/json' };
    const statuses: number[] = [];
    for (let i = 0; i < 70; i += 1) statuses.push((await app.request('POST', '/installed', { headers: flood, body: {} })).status);
    assert.ok(
      statuses.slice(0, 60).every((status) => status === 401),
      'refused as unsigned hooks while within the limit',
    );
    assert.ok(
      statuses.slice(60).every((status) => status === 429),
      'then limited',
    );
    const limited = await app.request('POST', '/installed', { headers: flood, body: {} });
    assert.equal(limited.json<{ error: { code: string } }>().error.code, 'rate_limited');
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);

    const other = await app.request('POST', '/installed', { headers: { 'X-Forwarded-For': '198.51.100.7' }, body: {} });
    assert.equal(other.status, 401, 'another address is not limited');
    assert.equal((await app.request('GET', '/api/v1/me', { token: app.contextToken(BOB_MEMBER.accountId) })).status, 200);
  });

  it('limits the OAuth callback the same way', async () => {
    const { app } = installed;
    const headers = { 'X-Forwarded-For': '203.0.113.77' };
    const statuses: number[] = [];
    for (let i = 0; i < 31; i += 1) statuses.push((await app.request('GET', '/connector/oauth/callback?oauth_token=x&oauth_verifier=y', { headers })).status);
    assert.notEqual(statuses[0], 429);
    assert.equal(statuses[30], 429);
  });
});
