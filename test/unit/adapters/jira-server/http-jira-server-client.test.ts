import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import nock from 'nock';
import { AxiosHttpTransport } from '../../../../src/adapters/http-transport/axios-transport';
import { HttpJiraServerClient, type CredentialsRejection, type JiraServerCredentials } from '../../../../src/adapters/jira-server';
import { isTwofoldError } from '../../../../src/domain/errors';
import { parseOAuthParams } from '../../../../src/domain/oauth1';
import { UnreachableError, type HttpRequest, type HttpResponse, type HttpTransport } from '../../../../src/domain/ports/http-transport';
import { consumerKeys } from './keys';

const BASE = 'https://jira.example.com/jira';
const OAUTH: JiraServerCredentials = {
  type: 'oauth1',
  consumerKey: 'twofold',
  privateKeyPem: consumerKeys.privateKeyPem,
  accessToken: 'at',
  tokenSecret: 'ts',
};
const BASIC: JiraServerCredentials = { type: 'basic', username: 'svc', secret: 'pw' };
const MYSELF = JSON.stringify({ key: 'k', name: 'svc', displayName: 'Service', active: true });

/** A transport that plays a script: each step answers one request, or throws. */
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

const ok = (body = MYSELF): HttpResponse => ({ status: 200, headers: { 'content-type': 'application/json' }, body });

function make(
  transport: HttpTransport,
  credentials: JiraServerCredentials = OAUTH,
  onCredentialsRejected: (r: CredentialsRejection) => void | Promise<void> = () => undefined,
) {
  const sleeps: number[] = [];
  const client = new HttpJiraServerClient({
    baseUrl: `${BASE}/`,
    credentials,
    transport,
    clock: { now: () => new Date('2026-05-01T10:00:00Z') },
    random: { bytes: (n) => randomBytes(n) },
    onCredentialsRejected,
    sleep: async (ms) => void sleeps.push(ms),
    timeoutMs: 4321,
  });
  return { client, sleeps };
}

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<Error & { cause?: unknown }> {
  let caught: unknown;
  await promise.catch((error: unknown) => (caught = error));
  assert.ok(isTwofoldError(caught), `expected ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  return caught;
}

describe('HttpJiraServerClient', () => {
  afterEach(() => nock.cleanAll());

  it('calls the context path with a timeout and signs every attempt anew (fresh nonce)', async () => {
    const transport = new ScriptedTransport([new UnreachableError('connection_reset', 'jira.example.com', 'reset'), ok()]);
    const { client, sleeps } = make(transport);
    assert.equal((await client.myself()).name, 'svc');
    assert.equal(sleeps.length, 1);
    assert.deepEqual(
      transport.sent.map((r) => [r.method, r.url, r.timeoutMs]),
      [
        ['GET', `${BASE}/rest/api/2/myself`, 4321],
        ['GET', `${BASE}/rest/api/2/myself`, 4321],
      ],
    );
    const nonces = transport.sent.map((r) => parseOAuthParams(r.headers['Authorization']!)!.get('oauth_nonce'));
    assert.notEqual(nonces[0], nonces[1]);
  });

  it('does not retry a TLS failure, and stops after maxAttempts network failures', async () => {
    const tls = new ScriptedTransport([new UnreachableError('tls', 'jira.example.com', 'bad cert')]);
    await rejectsWith(make(tls).client.myself(), 'unreachable');
    assert.equal(tls.sent.length, 1);
    const down = new ScriptedTransport([1, 2, 3, 4].map(() => new UnreachableError('connection_refused', 'jira.example.com', 'refused')));
    await rejectsWith(make(down).client.myself(), 'unreachable');
    assert.equal(down.sent.length, 3);
  });

  it('never retries a 401, even without an OAuth problem, and does not call it a dead token', async () => {
    const transport = new ScriptedTransport([{ status: 401, headers: { 'www-authenticate': 'OAuth realm="x"' }, body: '' }]);
    const rejections: CredentialsRejection[] = [];
    const error = await rejectsWith(make(transport, OAUTH, (r) => void rejections.push(r)).client.myself(), 'unauthorized');
    assert.deepEqual([(error as { status?: number }).status, (error as { problem?: string }).problem], [401, undefined]);
    assert.equal(transport.sent.length, 1);
    assert.deepEqual(rejections, []);
  });

  it('still throws token_rejected when the rejection callback itself fails, with its error as cause', async () => {
    const transport = new ScriptedTransport([{ status: 401, headers: { 'www-authenticate': 'OAuth oauth_problem="token_revoked"' }, body: '' }]);
    const boom = new Error('database down');
    const error = await rejectsWith(make(transport, OAUTH, () => Promise.reject(boom)).client.myself(), 'token_rejected');
    assert.equal(error.cause, boom);
  });

  it('maps token_expired to its own code and calls the callback', async () => {
    const transport = new ScriptedTransport([{ status: 401, headers: {}, body: 'oauth_problem=token_expired' }]);
    const rejections: CredentialsRejection[] = [];
    await rejectsWith(make(transport, OAUTH, (r) => void rejections.push(r)).client.myself(), 'access_token_expired');
    assert.deepEqual(
      rejections.map((r) => r.code),
      ['access_token_expired'],
    );
  });

  it('sends Basic credentials in UTF-8 and JSON bodies with their content type', async () => {
    const transport = new ScriptedTransport([{ status: 201, headers: {}, body: '' }]);
    const { client } = make(transport, { type: 'basic', username: 'jürgen', secret: 'pä:ss' });
    await client.setUserProperty({ key: 'JIRAUSER1' }, 'twofold.id', { id: 'x' });
    const [request] = transport.sent;
    assert.equal(request!.method, 'PUT');
    assert.equal(request!.url, `${BASE}/rest/api/2/user/properties/twofold.id?userKey=JIRAUSER1`);
    assert.equal(request!.headers['Authorization'], `Basic ${Buffer.from('jürgen:pä:ss', 'utf8').toString('base64')}`);
    assert.equal(request!.headers['Content-Type'], 'application/json');
    assert.equal(request!.body, '{"id":"x"}');
  });

  it('refuses a Basic username with a colon (RFC 7617)', () => {
    assert.throws(() => make(new ScriptedTransport([]), { type: 'basic', username: 'a:b', secret: 'x' }), TypeError);
  });

  describe('over axios and nock', () => {
    const transport = new AxiosHttpTransport();

    it('names a redirect to a login page instead of following it', async () => {
      nock('https://jira.example.com').get('/jira/rest/api/2/myself').reply(302, '', { Location: 'https://sso.example.com/login' });
      const error = await rejectsWith(make(transport, BASIC).client.myself(), 'upstream_error');
      assert.deepEqual((error as { details?: unknown }).details, { status: 302, location: 'https://sso.example.com/login' });
    });

    it('names an HTML page where JSON was expected', async () => {
      nock('https://jira.example.com').get('/jira/rest/api/2/myself').reply(200, '<html>Log in</html>', { 'Content-Type': 'text/html' });
      await rejectsWith(make(transport, BASIC).client.myself(), 'upstream_error');
    });

    it("names Jira's 403 without a CAPTCHA as Jira's answer (upstream_error, a 502, never Twofold's own 403), without calling the rejection callback", async () => {
      nock('https://jira.example.com').get('/jira/rest/api/2/user/properties/p').query({ username: 'bob' }).reply(403, '{}');
      const rejections: CredentialsRejection[] = [];
      const error = await rejectsWith(
        make(transport, BASIC, (r) => void rejections.push(r)).client.getUserProperty({ username: 'bob' }, 'p'),
        'upstream_error',
      );
      assert.deepEqual((error as { details?: unknown }).details, { status: 403 });
      assert.deepEqual(rejections, []);
    });

    it("an OAuth 403 without an oauth_problem is Jira's answer too", async () => {
      nock('https://jira.example.com').get('/jira/rest/api/2/myself').reply(403, '{}');
      const error = await rejectsWith(make(transport, OAUTH).client.myself(), 'upstream_error');
      assert.deepEqual((error as { details?: unknown }).details, { status: 403 });
    });

    it('reads Retry-After as an HTTP-date (the one parser) when it reports a 503 it does not wait for', async () => {
      const later = new Date('2026-05-01T11:00:00Z').toUTCString(); // the client's clock says 10:00
      nock('https://jira.example.com').get('/jira/rest/api/2/myself').times(3).reply(503, '', { 'Retry-After': later });
      const { client, sleeps } = make(transport, BASIC);
      const error = await rejectsWith(client.myself(), 'upstream_error');
      assert.equal((error as { retryAfterSeconds?: number }).retryAfterSeconds, 3600);
      assert.deepEqual(sleeps, [], 'an hour is beyond the limit: not waited for');
    });

    it('reads a group page that forgot isLast as the end when it is empty', async () => {
      nock('https://jira.example.com')
        .get('/jira/rest/api/2/group/member')
        .query({ groupname: 'g', startAt: '50', maxResults: '50', includeInactiveUsers: 'true' })
        .reply(200, { startAt: 50, maxResults: 50, values: [] });
      const page = await make(transport, BASIC).client.groupMembers('g', '50');
      assert.deepEqual(page, { items: [], next: null, total: null });
      await assert.rejects(make(transport, BASIC).client.groupMembers('g', 'not-a-cursor'), TypeError);
    });
  });
});
