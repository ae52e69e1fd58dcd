import assert from 'node:assert/strict';
import { ConnectorUserPropertyGateway } from '../../../../src/adapters/jira-server/connector-user-property-gateway';
import { JobStop, RetryItemLater } from '../../../../src/domain/jobs/job-kind';
import { FakeJiraFixture } from './fake-jira-fixture';

const SERVICE = { type: 'basic', username: 'svc-twofold', secret: 'correct horse' } as const;
const VALUE = { twoFactorId: 'bob', enrolled: true, updatedAt: '2026-12-01T10:00:00.000Z' };

async function rejectsWithSignal<T extends Error>(promise: Promise<unknown>, kind: new (...args: never[]) => T): Promise<T> {
  let caught: unknown;
  await promise.catch((error: unknown) => (caught = error));
  assert.ok(caught instanceof kind, `expected ${kind.name}, got ${String(caught)}`);
  return caught;
}

describe('Connector user property gateway (twofold-id on Jira Server/DC), against the fake Jira Server', () => {
  const f = new FakeJiraFixture();
  beforeEach(() => f.start());
  afterEach(() => f.stop());

  it('reads, writes and removes the property of a dc: account by user key', async () => {
    const gateway = new ConnectorUserPropertyGateway(f.client(SERVICE));
    assert.deepEqual(await gateway.read('dc:JIRAUSER10001'), { userExists: true, raw: null });
    assert.equal(await gateway.write('dc:JIRAUSER10001', VALUE), 'written');
    assert.deepEqual(await gateway.read('dc:JIRAUSER10001'), { userExists: true, raw: VALUE });
    assert.deepEqual(f.jira.properties.get('JIRAUSER10001\u0000twofold-id'), VALUE);
    assert.equal(await gateway.remove('dc:JIRAUSER10001'), 'removed');
    assert.deepEqual(await gateway.read('dc:JIRAUSER10001'), { userExists: true, raw: null });
  });

  it('tells an unknown user from a missing property, and refuses a Cloud account', async () => {
    const gateway = new ConnectorUserPropertyGateway(f.client(SERVICE));
    assert.deepEqual(await gateway.read('dc:JIRAUSER99999'), { userExists: false });
    assert.equal(await gateway.write('dc:JIRAUSER99999', VALUE), 'unknown_user');
    assert.deepEqual(await gateway.read('557058:cloud-account'), { userExists: false });
  });

  it('a 429 that outlasts the client retries puts the item back after Retry-After', async () => {
    const gateway = new ConnectorUserPropertyGateway(f.client(SERVICE));
    const busy = { status: 429, headers: { 'Retry-After': '7' } };
    f.jira.enqueue('/rest/api/2/user/properties/twofold-id', busy, busy, busy);
    const signal = await rejectsWithSignal(gateway.write('dc:JIRAUSER10001', VALUE), RetryItemLater);
    assert.equal(signal.afterMs, 7000);
  });

  it('a 5xx that outlasts the client retries is retried later with a backoff', async () => {
    const gateway = new ConnectorUserPropertyGateway(f.client(SERVICE));
    f.jira.enqueue('/rest/api/2/user/properties/twofold-id', { status: 502 }, { status: 503 }, { status: 504 });
    const signal = await rejectsWithSignal(gateway.read('dc:JIRAUSER10001'), RetryItemLater);
    assert.ok(signal.afterMs > 0);
  });

  it('refused credentials stop the job: the connector needs reauthorization', async () => {
    const gateway = new ConnectorUserPropertyGateway(f.client({ ...SERVICE, secret: 'wrong' }));
    const stop = await rejectsWithSignal(gateway.read('dc:JIRAUSER10001'), JobStop);
    assert.equal(stop.code, 'connector_needs_reauthorization');
  });

  it("a user who may not touch others' properties (403) stops the job with what to fix", async () => {
    await f.stop();
    await f.start({
      users: [
        { key: 'JIRAUSER10001', name: 'bob', displayName: 'Bob', password: 'pw' },
        { key: 'JIRAUSER10003', name: 'dave', displayName: 'Dave' },
      ],
    });
    const gateway = new ConnectorUserPropertyGateway(f.client({ type: 'basic', username: 'bob', secret: 'pw' }));
    const stop = await rejectsWithSignal(gateway.write('dc:JIRAUSER10003', VALUE), JobStop);
    assert.equal(stop.code, 'connector_forbidden');
  });
});
