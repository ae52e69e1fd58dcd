import assert from 'node:assert/strict';
import { QueryTypes } from 'sequelize';
import type { FixedClock } from '../../../src/domain/ports/clock';
import { databaseLanes, printLaneNotice } from '../../support/database-lanes';
import { startInstalledApp, type InstalledApp } from '../../support/installed-app';
import { steppedClock } from '../../support/stepped-clock';
import type { TestApp } from '../../support/test-app';
import { USERS, codeNow, enroll, me, session, verify } from './support';

/**
 * A 2FA session belongs to the browser that earned it (issue 9): through the API, a second "browser"
 * of the same user (no credential, a forged one, another user's) is not verified, the verified one is,
 * only hashes are stored, and an admin reset ends every session of the user.
 */
for (const lane of databaseLanes()) {
  describe(`2FA sessions bound to the browser (${lane.name})`, () => {
    let installed: InstalledApp<FixedClock>;
    let app: TestApp;
    let clock: FixedClock;

    before(async () => {
      printLaneNotice();
      installed = await startInstalledApp(lane, { clock: steppedClock() });
      ({ app, clock } = installed);
    });
    after(() => installed?.stop());

    it('verifying in one browser verifies that browser only; only the hash is stored; a reset ends them all', async () => {
      const bob = await enroll(app, clock, USERS.bob);
      clock.advance(30_000);
      const second = await verify(app, USERS.bob, { code: codeNow(bob, clock) });
      assert.equal(second.status, 200);
      const secondToken: string = second.json().sessionToken;
      assert.notEqual(secondToken, bob.sessionToken);

      assert.equal((await me(app, USERS.bob, bob.sessionToken)).verifiedUntil !== null, true, 'the browser that confirmed');
      assert.equal((await me(app, USERS.bob, secondToken)).verifiedAt, clock.now().toISOString(), 'the browser that verified');
      const elsewhere = await me(app, USERS.bob);
      assert.equal(elsewhere.verifiedUntil, null, 'a browser without a credential');
      assert.equal(elsewhere.lastVerifiedAt, clock.now().toISOString(), 'the account-level time, a display only');
      assert.equal((await me(app, USERS.bob, 'x'.repeat(43))).verifiedUntil, null, 'a forged credential');
      assert.equal((await me(app, USERS.carol, secondToken)).verifiedUntil, null, "Bob's credential presented for Carol");

      const rows = await app.twofold.database.sequelize.query<{ token_hash: string }>('SELECT token_hash FROM browser_sessions', { type: QueryTypes.SELECT });
      assert.equal(rows.length, 2);
      for (const row of rows) {
        assert.match(row.token_hash, /^[0-9a-f]{64}$/);
        assert.ok(![bob.sessionToken, secondToken].includes(row.token_hash), 'never the credential itself');
      }

      // Alice (a Jira admin without a second factor: nothing to step up) resets Bob's lost phone.
      const reset = await app.request('POST', `/api/v1/admin/users/${USERS.bob}/reset`, { token: app.contextToken(USERS.alice) });
      assert.equal(reset.status, 204, reset.text);
      assert.equal((await me(app, USERS.bob, secondToken)).verifiedUntil, null, 'the reset ended the session');
      assert.equal((await me(app, USERS.bob, bob.sessionToken)).verifiedUntil, null);
      const [left] = await app.twofold.database.sequelize.query<{ n: number | string }>('SELECT COUNT(*) AS n FROM browser_sessions', {
        type: QueryTypes.SELECT,
      });
      assert.equal(Number(left!.n), 0);
      // Enrolled again, the old browser stays unverified.
      await enroll(app, clock, USERS.bob);
      assert.equal((await me(app, USERS.bob, secondToken)).verifiedUntil, null);
    });

    it('an admin write passes with a recent session of this browser only', async () => {
      const alice = await enroll(app, clock, USERS.alice);
      const put = (sessionToken?: string) =>
        app.request('PUT', '/api/v1/admin/policy', { token: app.contextToken(USERS.alice), headers: session(sessionToken), body: { stepUpMinutes: 5 } });
      assert.equal((await put(alice.sessionToken)).status, 200, 'this browser, verified just now');
      assert.equal((await put()).status, 403, 'another browser');
      clock.advance(30_000);
      const other = await verify(app, USERS.alice, { code: codeNow(alice, clock) });
      assert.equal((await put(other.json().sessionToken)).status, 200, 'the other browser once it verified itself');
    });
  });
}
