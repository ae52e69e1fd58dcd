import assert from 'node:assert/strict';
import { databaseLanes, printLaneNotice } from '../../support/database-lanes';
import { ALICE_ADMIN } from '../../support/test-app';
import { steppedClock } from '../../support/stepped-clock';
import { codeNow, enroll, me, verify } from '../mfa/support';
import { CONNECTOR, ConnectorScenario, errorCode } from './connector-support';

/**
 * Admin step-up on the connector: once the admin has a second factor, every change to the connector
 * needs a current 2FA session (`403 verification_required`), as the policy and user pages do.
 */
for (const lane of databaseLanes()) {
  describe(`Jira connector, admin step-up (${lane.name})`, function () {
    this.timeout(30_000);
    // The clock is made when the scenario starts (in `before`), not at file load.
    const s = new ConnectorScenario(lane, steppedClock);

    before(async () => {
      printLaneNotice();
      await s.start();
    });
    after(() => s.stop());

    it('an admin without a second factor may change the connector', async () => {
      const saved = await s.call('PUT', CONNECTOR, { baseUrl: s.jira.baseUrl, authType: 'oauth1', consumerKey: 'twofold' });
      assert.equal(saved.status, 200, saved.text);
    });

    it('an enrolled admin needs a current 2FA session for every write; reading and testing stay open', async () => {
      const clock = s.clock;
      const alice = await enroll(s.app, clock, ALICE_ADMIN.accountId);
      const verifiedUntil = (await me(s.app, ALICE_ADMIN.accountId)).verifiedUntil as string | null;
      if (verifiedUntil !== null) clock.set(new Date(Date.parse(verifiedUntil) + 60_000));

      const writes: Array<[string, string, unknown]> = [
        ['PUT', CONNECTOR, { baseUrl: s.jira.baseUrl, authType: 'oauth1', consumerKey: 'twofold-2' }],
        ['POST', `${CONNECTOR}/keys`, undefined],
        ['POST', `${CONNECTOR}/authorize`, {}],
        ['POST', `${CONNECTOR}/verifier`, { verifier: 'x' }],
        ['DELETE', `${CONNECTOR}/token`, undefined],
      ];
      for (const [method, path, body] of writes) {
        const refused = await s.call(method, path, body);
        assert.equal(refused.status, 403, `${method} ${path}`);
        assert.equal(errorCode(refused), 'verification_required');
      }
      assert.equal((await s.view()).consumerKey, 'twofold', 'nothing changed');
      assert.equal((await s.call('GET', CONNECTOR)).status, 200);
      assert.equal(errorCode(await s.call('POST', `${CONNECTOR}/test`)), 'connector_not_configured', 'test is not a write');

      clock.advance(30_000);
      const verified = await verify(s.app, ALICE_ADMIN.accountId, { code: codeNow(alice, clock) });
      assert.equal(verified.status, 200);
      s.sessionToken = verified.json().sessionToken;
      const saved = await s.call('PUT', CONNECTOR, { baseUrl: s.jira.baseUrl, authType: 'oauth1', consumerKey: 'twofold-2' });
      assert.equal(saved.status, 200, saved.text);
      assert.equal(saved.json().consumerKey, 'twofold-2');
    });
  });
}
