import assert from 'node:assert/strict';
import { HOST_BACKOFF_MS, HostUserPropertyGateway } from '../../../../src/adapters/connect/host-user-property-gateway';
import { JiraCloudHostClient } from '../../../../src/adapters/connect/jira-cloud-host-client';
import { JobStop, RetryItemLater } from '../../../../src/domain/jobs/job-kind';
import { UnreachableError, type HttpRequest, type HttpResponse, type HttpTransport } from '../../../../src/domain/ports/http-transport';
import type { Tenant } from '../../../../src/domain/tenancy/tenant';

const NOW = new Date('2026-12-04T12:00:00Z');
const TENANT: Tenant = {
  clientKey: 'ck',
  baseUrl: 'https://acme.atlassian.net',
  productType: 'jira',
  sharedSecret: 'a-shared-secret-of-enough-length-000000',
  installedAt: NOW,
  updatedAt: NOW,
  uninstalledAt: null,
};
const VALUE = { twoFactorId: 'alice@example.com', enrolled: true, updatedAt: '2026-12-01T10:00:00.000Z' };

class ScriptedTransport implements HttpTransport {
  readonly sent: HttpRequest[] = [];
  constructor(private readonly script: Array<HttpResponse | Error>) {}
  async send(request: HttpRequest): Promise<HttpResponse> {
    this.sent.push(request);
    const next = this.script.shift();
    if (next === undefined) throw new Error('script exhausted');
    if (next instanceof Error) throw next;
    return next;
  }
}

const answer = (status: number, body: unknown = '', headers: Record<string, string> = {}): HttpResponse => ({
  status,
  headers,
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

function gateway(script: Array<HttpResponse | Error>): { gateway: HostUserPropertyGateway; transport: ScriptedTransport } {
  const transport = new ScriptedTransport(script);
  const host = new JiraCloudHostClient(transport, { now: () => NOW }, 'twofold');
  return { gateway: new HostUserPropertyGateway(host, TENANT, { now: () => NOW }), transport };
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => assert.fail('expected a rejection'),
    (error: unknown) => error,
  );
}

describe('Host user property gateway (twofold-id on Jira Cloud, as the app)', () => {
  it('reads the property with a JWT-signed GET by accountId', async () => {
    const { gateway: g, transport } = gateway([answer(200, { key: 'twofold-id', value: VALUE })]);
    assert.deepEqual(await g.read('acc-1'), { userExists: true, raw: VALUE });
    assert.equal(transport.sent[0]!.method, 'GET');
    assert.equal(transport.sent[0]!.url, 'https://acme.atlassian.net/rest/api/3/user/properties/twofold-id?accountId=acc-1');
    assert.match(transport.sent[0]!.headers.Authorization ?? '', /^JWT /);
  });

  it('a 404 is "no property" when the user exists, "unknown user" when not', async () => {
    assert.deepEqual(await gateway([answer(404), answer(200, { accountId: 'acc-1' })]).gateway.read('acc-1'), { userExists: true, raw: null });
    assert.deepEqual(await gateway([answer(404), answer(404)]).gateway.read('acc-x'), { userExists: false });
  });

  it('writes with a PUT of the JSON value; 404 is an unknown user', async () => {
    const { gateway: g, transport } = gateway([answer(201), answer(404)]);
    assert.equal(await g.write('acc-1', VALUE), 'written');
    assert.deepEqual(JSON.parse(transport.sent[0]!.body ?? ''), VALUE);
    assert.equal(transport.sent[0]!.method, 'PUT');
    assert.equal(await g.write('acc-x', VALUE), 'unknown_user');
  });

  it('429 with Retry-After (seconds or a date) puts the item back for that long', async () => {
    const seconds = await caught(gateway([answer(429, '', { 'retry-after': '12' })]).gateway.write('acc-1', VALUE));
    assert.ok(seconds instanceof RetryItemLater);
    assert.equal(seconds.afterMs, 12_000);
    const date = await caught(gateway([answer(429, '', { 'retry-after': 'Fri, 04 Dec 2026 12:00:30 GMT' })]).gateway.read('acc-1'));
    assert.ok(date instanceof RetryItemLater);
    assert.equal(date.afterMs, 30_000);
  });

  it('a 5xx or no answer backs off', async () => {
    const fiveHundred = await caught(gateway([answer(503)]).gateway.write('acc-1', VALUE));
    assert.ok(fiveHundred instanceof RetryItemLater);
    assert.equal(fiveHundred.afterMs, HOST_BACKOFF_MS);
    const down = await caught(gateway([new UnreachableError('connection_refused', 'acme.atlassian.net', 'refused')]).gateway.read('acc-1'));
    assert.ok(down instanceof RetryItemLater);
  });

  it('401 and 403 stop the job with a reason the admin can act on', async () => {
    const unauthorized = await caught(gateway([answer(401)]).gateway.read('acc-1'));
    assert.ok(unauthorized instanceof JobStop);
    assert.equal(unauthorized.code, 'host_unauthorized');
    const forbidden = await caught(gateway([answer(403)]).gateway.write('acc-1', VALUE));
    assert.ok(forbidden instanceof JobStop);
    assert.equal(forbidden.code, 'host_forbidden');
  });

  it('another refusal fails the one item as upstream_error', async () => {
    const error = await caught(gateway([answer(400, { errorMessages: ['too large'] })]).gateway.write('acc-1', VALUE));
    assert.equal((error as { code?: string }).code, 'upstream_error');
  });
});
