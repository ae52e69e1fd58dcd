import assert from 'node:assert/strict';
import { postgresLaneOrSkip } from '../../support/database-lanes';
import { FakeDataCenter } from '../../support/fake-data-center';
import type { TestApp } from '../../support/test-app';
import { startTwoAppInstances, type TwoAppInstances } from '../../support/two-app-instances';
import { admin, ALICE_DC, connectAndEnforce, DC_GROUPS, DC_USERS, gateCookieOf } from './gate-support';
import { decodeBase32 } from '../../../src/domain/mfa/secret-encoding';
import { timeStepAt, totpAtStep } from '../../../src/domain/mfa/totp';

/**
 * A gate revoked through one instance stops working on the other at once (tenant-change notification),
 * although the other had its key, and a verified browser's decision, in memory.
 */
describe('Gate revocation across two app instances (postgres)', function () {
  this.timeout(30_000);
  let instances: TwoAppInstances;
  let first: TestApp;
  let second: TestApp;
  let dc: FakeDataCenter;

  before(async function () {
    const lane = postgresLaneOrSkip(this, 'the two-instance gate test needs Postgres and is skipped');
    instances = await startTwoAppInstances(lane);
    ({ first, second } = instances);
    await first.install();
    dc = await FakeDataCenter.start({ users: DC_USERS, groups: DC_GROUPS });
  });
  after(async () => {
    await dc?.close();
    await instances?.stop();
  });

  it('revoking through one instance refuses the key on the other within moments, well inside its 30 s cache', async () => {
    await connectAndEnforce(first, dc.baseUrl);
    const created = await admin(first, 'POST', '/api/v1/admin/gates', { name: 'two instances' });
    assert.equal(created.status, 201, created.text);
    const { key, id } = created.json();

    // Alice sets up her factor through the first instance.
    const session = dc.login(ALICE_DC.name);
    const gate = (path: string, body: unknown) =>
      first.request('POST', `/gate/v1${path}`, { headers: { 'X-Twofold-Gate-Key': key, Cookie: session, Origin: dc.baseUrl }, body });
    const pending = (await gate('/enroll', {})).json();
    const decoded = decodeBase32(pending.secretBase32);
    assert.ok(decoded.ok);
    const params = { algorithm: pending.algorithm, digits: pending.digits, period: pending.period };
    const confirmed = await gate('/enroll/confirm', { code: totpAtStep(decoded.bytes, timeStepAt(new Date(), params.period), params) });
    assert.equal(confirmed.status, 200, confirmed.text);
    const cookie = `${session}; ${gateCookieOf(confirmed)}`;

    const checkOnSecond = async () => {
      const response = await second.request('GET', '/gate/v1/check', {
        headers: { 'X-Twofold-Gate-Key': key, 'X-Original-URI': '/browse/X-1', Cookie: cookie },
      });
      return `${response.status} ${response.headers.get('x-twofold-reason')}`;
    };
    assert.equal(await checkOnSecond(), '204 verified', 'the second instance now holds the key and the decision in memory');
    assert.equal(await checkOnSecond(), '204 verified');

    assert.equal((await admin(first, 'DELETE', `/api/v1/admin/gates/${id}`)).status, 204);
    const deadline = Date.now() + 2000;
    let answer = await checkOnSecond();
    while (answer !== '401 bad_gate_key' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      answer = await checkOnSecond();
    }
    assert.equal(answer, '401 bad_gate_key', 'refused on the other instance within 2 s');
  });
});
