import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { HttpJiraServerClient, JiraServerOAuthDance } from '../../../../src/adapters/jira-server';
import { isTwofoldError } from '../../../../src/domain/errors';
import { FakeJiraFixture, random, rejectsWith, systemClock, transport } from './fake-jira-fixture';
import { consumerKeys } from './keys';

const SERVICE = { type: 'basic', username: 'svc-twofold', secret: 'correct horse' } as const;

describe('Jira Server connector, retries and Basic auth, against the fake Jira Server', () => {
  const f = new FakeJiraFixture();
  beforeEach(() => f.start());
  afterEach(() => f.stop());

  describe('retries', () => {
    it('retries a 503 and succeeds, waiting with backoff', async () => {
      const connector = f.client(await f.authorize());
      f.jira.enqueue('/rest/api/2/myself', { status: 503 });
      assert.equal((await connector.myself()).name, 'svc-twofold');
      assert.equal(f.sleeps.length, 1);
      assert.ok(f.sleeps[0]! >= 125 && f.sleeps[0]! <= 250, `backoff ${f.sleeps[0]}`);
    });

    it('honours Retry-After on a 429', async () => {
      const connector = f.client(await f.authorize());
      f.jira.enqueue('/rest/api/2/myself', { status: 429, headers: { 'Retry-After': '1' } });
      await connector.myself();
      assert.deepEqual(f.sleeps, [1000]);
    });

    it('gives up after the bounded number of attempts', async () => {
      f.jira.enqueue('/rest/api/2/myself', { status: 502 }, { status: 503 }, { status: 504 }, { status: 500 });
      const error = await rejectsWith(f.client(SERVICE).myself(), 'upstream_error');
      assert.deepEqual((error as { details?: unknown }).details, { status: 504 });
      assert.equal(f.sleeps.length, 2);
      assert.equal(f.jira.requests.length, 3);
    });

    it('does not wait for a Retry-After beyond the limit, and reports it', async () => {
      f.jira.enqueue('/rest/api/2/myself', { status: 503, headers: { 'Retry-After': '3600' } });
      const error = await rejectsWith(f.client(SERVICE).myself(), 'upstream_error');
      assert.equal(error.retryAfterSeconds, 3600);
      assert.deepEqual(f.sleeps, []);
    });
  });

  describe('Basic auth', () => {
    it("looks users up, pages through group members, and names an unknown group as Jira's answer (upstream_error, not a 404 of Twofold's)", async () => {
      const connector = f.client(SERVICE, systemClock, { pageSize: 2 });
      assert.equal((await connector.myself()).displayName, 'Twofold Service');
      assert.equal((await connector.findUser({ username: 'alice' }))?.displayName, 'Alice Ünicode');
      assert.equal((await connector.findUser({ key: 'JIRAUSER10001' }))?.name, 'bob');
      assert.equal(await connector.findUser({ username: 'nobody' }), null);

      const names: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await connector.groupMembers('jira-users', cursor);
        names.push(...page.items.map((u) => `${u.name}${u.active ? '' : ' (inactive)'}`));
        cursor = page.next;
      } while (cursor !== null);
      assert.deepEqual(names, ['svc-twofold', 'bob', 'carol (inactive)', 'alice']);
      assert.deepEqual(await connector.groupMembers('empty'), { items: [], next: null, total: 0 });
      const unknown = await rejectsWith(connector.groupMembers('no-such-group'), 'upstream_error');
      assert.deepEqual((unknown as { details?: unknown }).details, { status: 404, group: 'no-such-group' });
    });

    it('a wrong password: one failed login in Jira, the callback once, then no more requests', async () => {
      const connector = f.client({ ...SERVICE, secret: 'wrong' });
      await rejectsWith(connector.myself(), 'unauthorized');
      await rejectsWith(connector.myself(), 'connector_needs_reauthorization');
      assert.equal(f.jira.failedLogins('svc-twofold'), 1);
      assert.equal(f.jira.requests.length, 1);
      assert.deepEqual(
        f.rejections.map((r) => [r.code, r.status]),
        [['unauthorized', 401]],
      );
    });

    it("reports Jira's CAPTCHA demand as a rejection of the credentials", async () => {
      for (let i = 0; i < 3; i++)
        await f
          .client({ ...SERVICE, secret: 'wrong' })
          .myself()
          .catch(() => undefined);
      f.rejections = [];
      const error = await rejectsWith(f.client(SERVICE).myself(), 'unauthorized');
      assert.deepEqual((error as { details?: unknown }).details, { status: 403, problem: 'captcha_required' });
      assert.deepEqual(
        f.rejections.map((r) => r.problem),
        ['captcha_required'],
      );
    });

    it('refuses plain http to a host other than this machine, before any request', () => {
      const isInsecure = (error: unknown): boolean => isTwofoldError(error) && error.code === 'insecure_url';
      for (const baseUrl of ['http://jira.example.com', 'http://10.0.0.5:8080/jira', 'ftp://jira.example.com']) {
        const options = { baseUrl, credentials: SERVICE, transport, clock: systemClock, random, onCredentialsRejected: () => undefined };
        assert.throws(() => new HttpJiraServerClient(options), isInsecure);
      }
      const dance = { baseUrl: 'http://jira.example.com', consumerKey: 'k', privateKeyPem: consumerKeys.privateKeyPem, transport, clock: systemClock, random };
      assert.throws(() => new JiraServerOAuthDance(dance), isInsecure);
    });

    it('keeps credentials out of inspect() and JSON', () => {
      const basic = f.client(SERVICE);
      const oauth = f.client({
        type: 'oauth1',
        consumerKey: 'twofold',
        privateKeyPem: consumerKeys.privateKeyPem,
        accessToken: 'at-123',
        tokenSecret: 'ts-456',
      });
      const dance = f.dance();
      for (const shown of [basic, oauth, dance].flatMap((o) => [inspect(o, { depth: 5, showHidden: true }), JSON.stringify(o)])) {
        assert.ok(!/correct horse|PRIVATE KEY|ts-456|at-123/.test(shown), shown);
      }
    });
  });
});
