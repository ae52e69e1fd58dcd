import assert from 'node:assert/strict';
import { AxiosHttpTransport } from '../../../src/adapters/http-transport/axios-transport';
import type { HttpTransport } from '../../../src/domain/ports/http-transport';
import { SANDBOX_USERS } from '../../../src/sandbox/fixtures';
import { databaseLanes, printLaneNotice } from '../../support/database-lanes';
import type { FixedClock } from '../../../src/domain/ports/clock';
import { startInstalledApp, type InstalledApp } from '../../support/installed-app';
import { steppedClock } from '../../support/stepped-clock';
import { USERS, enroll, verify, wrongCode } from '../mfa/support';
import { SequelizeDirectoryMirror } from '../../../src/adapters/db/directory-mirror-repository';
import { startDirectoryRefreshSchedule } from '../../../src/jobs/directory-refresh-schedule';
import { ALICE_ADMIN, type TestApp } from '../../support/test-app';

const byName = (name: string) => SANDBOX_USERS.find((user) => user.displayName.startsWith(name))!;

/** Every request the app sends to the host, by path (the admin check aside). */
class CountingTransport implements HttpTransport {
  readonly paths: string[] = [];
  private readonly inner = new AxiosHttpTransport();
  send(request: Parameters<HttpTransport['send']>[0]) {
    const path = new URL(request.url).pathname;
    if (!path.endsWith('/permissions/check')) this.paths.push(path);
    return this.inner.send(request);
  }
}

for (const lane of databaseLanes()) {
  describe(`Directory mirror and the users page's reads (${lane.name})`, function () {
    this.timeout(60_000);
    let installed: InstalledApp<FixedClock>;
    let app: TestApp;
    let clock: FixedClock;
    const transport = new CountingTransport();
    const call = (method: string, path: string, body?: unknown) => app.request(method, path, { token: app.contextToken(ALICE_ADMIN.accountId), body });
    const waitForJob = async (jobId: string) => {
      for (let attempt = 0; attempt < 600; attempt += 1) {
        const job = (await call('GET', `/api/v1/admin/jobs/${jobId}`)).json();
        if (!['queued', 'running'].includes(job.state)) return job;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      throw new Error('the job did not finish');
    };
    const allPages = async (query: string, limit: number) => {
      const seen: any[] = [];
      let cursor: string | null = null;
      do {
        const response = await call('GET', `/api/v1/admin/users?limit=${limit}${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        assert.equal(response.status, 200, response.text);
        seen.push(...response.json().users);
        cursor = response.json().nextCursor;
      } while (cursor);
      return seen;
    };

    before(async () => {
      printLaneNotice();
      installed = await startInstalledApp(lane, { clock: steppedClock(), overrides: { transport } });
      ({ app, clock } = installed);
    });
    after(() => installed?.stop());

    it('before the first refresh: no refresh time, the page answers from the host, and CSV asks for a refresh', async () => {
      assert.deepEqual((await call('GET', '/api/v1/admin/directory')).json(), { refreshedAt: null, sources: [] });
      const users = await call('GET', '/api/v1/admin/users');
      assert.equal(users.status, 200);
      assert.equal(users.json().directory, undefined);
      const firstPage = (await call('GET', '/api/v1/admin/users?limit=2')).json();
      const next = await call('GET', `/api/v1/admin/users?limit=2&cursor=${encodeURIComponent(firstPage.nextCursor)}`);
      assert.equal(next.status, 200, 'the host-backed page takes its own cursors');
      assert.equal(next.json().users.length, 2);
      const csv = await call('GET', '/api/v1/admin/users.csv');
      assert.equal(csv.status, 409);
      assert.equal(csv.json().error.code, 'directory_not_mirrored');
    });

    it('a refresh on demand mirrors every user with their groups; pages then ask the host nothing', async () => {
      const started = await call('POST', '/api/v1/admin/directory/refresh', {});
      assert.equal(started.status, 202, started.text);
      const job = await waitForJob(started.json().jobId);
      assert.equal(job.kind, 'directory_refresh');
      assert.equal(job.state, 'succeeded');
      assert.equal(job.done, SANDBOX_USERS.length);
      const status = (await call('GET', '/api/v1/admin/directory')).json();
      assert.ok(status.refreshedAt);
      assert.deepEqual(
        status.sources.map((source: any) => [source.source, source.userCount]),
        [['host', SANDBOX_USERS.length]],
      );

      const before = transport.paths.length;
      const page = await call('GET', '/api/v1/admin/users?limit=100');
      assert.equal(page.json().directory.refreshedAt, status.refreshedAt);
      const names = page.json().users.map((user: any) => user.displayName);
      assert.deepEqual(
        names,
        [...SANDBOX_USERS.map((user) => user.displayName)].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())),
      );
      const carol = page.json().users.find((user: any) => user.accountId === byName('Carol').accountId);
      assert.deepEqual(carol.groups, ['developers', 'jira-software-users', 'qa']);
      for (const query of ['?group=developers', '?group=QA&enrolled=false', '?q=chen', '?enrolled=true', '?limit=2'])
        await call('GET', `/api/v1/admin/users${query}`);
      assert.deepEqual(transport.paths.slice(before), [], 'no host call');
    });

    it('filters by group (any case), searches by name, email or 2FA ID, and pages with a keyset cursor', async () => {
      const developers = await allPages('&group=Developers', 2);
      assert.deepEqual(developers.map((user) => user.displayName).sort(), ['Bob Builder', 'Carol Chen', 'Erin Novak', 'Frank Former']);
      const everyone = await allPages('', 4);
      assert.equal(everyone.length, SANDBOX_USERS.length);
      assert.equal(new Set(everyone.map((user) => user.accountId)).size, SANDBOX_USERS.length, 'no user twice, none lost across pages');

      assert.deepEqual(
        (await allPages('&q=CHEN', 50)).map((user) => user.displayName),
        ['Carol Chen'],
      );
      assert.deepEqual(
        (await allPages('&q=dave%40', 50)).map((user) => user.displayName),
        ['Dave Okafor'],
      );
      assert.equal((await call('PUT', `/api/v1/admin/users/${byName('Erin').accountId}`, { twoFactorId: 'en-7731' })).status, 200);
      assert.deepEqual(
        (await allPages('&q=en-77', 50)).map((user) => [user.displayName, user.twoFactorId, user.twoFactorIdSource]),
        [['Erin Novak', 'en-7731', 'admin']],
      );
      assert.deepEqual(await allPages('&q=%25', 50), [], 'a % is searched for literally');
      const bad = await call('GET', '/api/v1/admin/users?cursor=nonsense');
      assert.equal(bad.status, 400);
      assert.equal(bad.json().error.code, 'invalid_request');
    });

    it('tells "required, not set up" from "optional" by the enforced groups', async () => {
      assert.equal((await call('PUT', '/api/v1/admin/policy', { enforcedGroups: ['qa'] })).status, 200);
      const users = await allPages('', 50);
      const required = users.filter((user) => user.required).map((user) => user.displayName);
      assert.deepEqual(required.sort(), ['Carol Chen', 'Dave Okafor']);
      assert.ok(users.every((user) => user.enrolled === false && Array.isArray(user.methods)));
    });

    it('shows an enrolled user’s methods and a lockout from the same one query', async () => {
      const dave = await enroll(app, clock, USERS.dave);
      const row = async () => (await allPages('&q=okafor', 50))[0];
      assert.deepEqual([(await row()).enrolled, (await row()).methods, (await row()).lockedUntil], [true, ['totp', 'backup_codes'], null]);
      for (let attempt = 0; attempt < 5; attempt += 1) await verify(app, USERS.dave, { code: wrongCode(dave, clock) });
      const locked = await row();
      assert.ok(locked.lockedUntil && Date.parse(locked.lockedUntil) > clock.now().getTime(), JSON.stringify(locked));
      assert.deepEqual(
        (await allPages('&enrolled=true', 50)).map((user) => user.displayName),
        ['Dave Okafor'],
      );
    });

    it('"enrolled only" follows set-up and removal as they happen, and a refresh keeps it', async () => {
      const enrolledNames = async (query = '') => (await allPages(`&enrolled=true${query}`, 2)).map((user) => user.displayName);
      const notEnrolled = async () => (await allPages('&enrolled=false', 3)).map((user) => user.displayName);
      await enroll(app, clock, USERS.carol);
      assert.deepEqual(await enrolledNames(), ['Carol Chen', 'Dave Okafor'], 'a set-up after the mirror was filled');
      assert.deepEqual(await enrolledNames('&group=qa'), ['Carol Chen', 'Dave Okafor']);
      assert.deepEqual(await enrolledNames('&group=developers'), ['Carol Chen']);
      assert.ok(!(await notEnrolled()).includes('Carol Chen'));

      const refreshed = await waitForJob((await call('POST', '/api/v1/admin/directory/refresh', {})).json().jobId);
      assert.equal(refreshed.state, 'succeeded');
      assert.deepEqual(await enrolledNames(), ['Carol Chen', 'Dave Okafor'], 'a refresh mirrors the users again, enrollment included');

      assert.equal((await call('POST', `/api/v1/admin/users/${USERS.carol}/reset`, {})).status, 204);
      assert.deepEqual(await enrolledNames(), ['Dave Okafor'], "an admin's reset takes the user out at once");
      assert.ok((await notEnrolled()).includes('Carol Chen'));
      assert.equal((await notEnrolled()).length + 1, SANDBOX_USERS.length, 'every other user is on the not-enrolled pages, once');
    });

    it('exports CSV with the page’s columns, formula injection neutralised', async () => {
      assert.equal((await call('PUT', `/api/v1/admin/users/${byName('Bob').accountId}`, { twoFactorId: '=HYPERLINK("x")' })).status, 200);
      const response = await call('GET', '/api/v1/admin/users.csv');
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^text\/csv/);
      assert.match(response.headers.get('content-disposition') ?? '', /attachment/);
      const lines = response.text.split('\r\n').filter(Boolean);
      assert.equal(lines[0], 'accountId,displayName,twoFactorId,enrolled,methods,lastVerifiedAt');
      assert.equal(lines.length, SANDBOX_USERS.length + 1);
      const bob = lines.find((line) => line.startsWith(byName('Bob').accountId));
      assert.equal(bob, `${byName('Bob').accountId},Bob Builder,"'=HYPERLINK(""x"")",false,,`);
    });

    it('the schedule refreshes a site whose mirror is older than the limit, and leaves a fresh one alone', async () => {
      const schedule = startDirectoryRefreshSchedule({
        mirror: new SequelizeDirectoryMirror(app.twofold.database.sequelize),
        clock,
        logger: app.twofold.logger,
        maxAgeHours: 24,
        refresh: (clientKey) => app.twofold.jobs.scheduledRefresh(clientKey),
      });
      try {
        assert.deepEqual(await schedule.runOnce(), [], 'refreshed minutes ago');
        clock.advance(25 * 3_600_000);
        const started = await schedule.runOnce();
        assert.equal(started.length, 1);
        const job = await waitForJob(started[0]!);
        assert.equal(job.kind, 'directory_refresh');
        assert.equal(job.state, 'succeeded');
        assert.equal(job.startedBy, null, 'a scheduled job has no admin');
        assert.deepEqual(await schedule.runOnce(), [], 'fresh again');
      } finally {
        schedule.stop();
      }
    });
  });
}
