import assert from 'node:assert/strict';
import type { FrameLocator, Page } from 'playwright-core';
import type { FixedClock } from '../../src/domain/ports/clock';
import { USERS, codeNow, enroll, me, wrongCode, type Enrolled } from '../integration/mfa/support';
import { screenshotWithNewestFlag, skipWithoutChromium } from '../support/browser';
import { startInstalledAppInChromium, type InstalledAppInChromium } from '../support/installed-app-in-chromium';
import { steppedClock } from '../support/stepped-clock';
import { ALICE_ADMIN, type TestApp } from '../support/test-app';

/**
 * The "Audit log" admin page in Chromium, framed by the sandbox Jira site, and the step-up the admin
 * pages share: the admin has two-step verification and their session ended, so resetting a user on
 * the Users page asks "Verify it's you" first; the reset and the verification then appear in the
 * audit log, newest first, in words, with times in the browser's locale, as does a policy change made
 * on the policy page. Filters and "Load more".
 */
describe('Audit log admin page in Chromium, after a reset with step-up', function () {
  this.timeout(90_000);
  let started: InstalledAppInChromium<FixedClock>;
  let clock: FixedClock;
  let page: Page;
  let frame: FrameLocator;
  let app: TestApp;
  let alice: Enrolled;
  let pageSize = 50;

  before(async function () {
    skipWithoutChromium(this);
    started = await startInstalledAppInChromium({ clock: steppedClock(), contextOptions: { locale: 'en-GB', timezoneId: 'Europe/Berlin' } });
    ({ app, clock, page, frame } = started);
    alice = await enroll(app, clock, ALICE_ADMIN.accountId);
    await enroll(app, clock, USERS.dave);
    // Alice set up her factor outside this browser (through the API): the browser holds no session,
    // so admin changes here need a verification in it first.
    clock.advance(60_000);
    await page.route(/\/api\/v1\/admin\/audit\?/, (route) =>
      route.continue({
        url: route
          .request()
          .url()
          .replace(/limit=\d+/, `limit=${pageSize}`),
      }),
    );
  });
  after(() => started?.stop());

  const open = async (moduleKey: string, ready: string) => {
    await page.goto(`${app.baseUrl}/sandbox/plugins/servlet/ac/io.twofold.jira/${moduleKey}`);
    await frame.locator(`${ready}[data-state=ready]`).waitFor();
  };
  const openAudit = () => open('twofold-admin-audit', '[data-audit]');
  const entries = () => frame.locator('tr[data-entry]');
  const cellTexts = async (cell: string) => entries().locator(`[data-cell=${cell}]`).allTextContents();
  const shoot = (name: string) => screenshotWithNewestFlag(page, name);

  it('lists the events so far, newest first, in words and in the local time of the browser', async () => {
    await openAudit();
    assert.equal(await frame.locator('h1').textContent(), 'Audit log');
    const newest = entries().first();
    assert.equal(await newest.locator('[data-cell=action]').textContent(), 'Set up an app or token');
    assert.equal(await newest.locator('[data-cell=actor]').textContent(), 'Dave Okafor', 'the name Jira gives, not the account ID');
    assert.equal(await newest.locator('[data-cell=subject]').textContent(), 'Dave Okafor');
    assert.match((await newest.locator('[data-cell=detail]').textContent()) ?? '', /^TOTP · SHA-1 · 6 digits · 30 s · 10 backup codes$/);

    const api = (await app.request('GET', '/api/v1/admin/audit', { token: app.contextToken(ALICE_ADMIN.accountId) })).json();
    const time = newest.locator('time');
    assert.equal(await time.getAttribute('datetime'), api.entries[0].at);
    const expected = await frame
      .locator('body')
      .evaluate(
        (_, at) => new Date(at).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'medium', timeZone: 'Europe/Berlin' }),
        api.entries[0].at as string,
      );
    assert.equal(await time.textContent(), expected);
    assert.match(expected, /^\d{1,2} [A-Z][a-z]{2,3} \d{4}, \d{2}:\d{2}:\d{2}$/, 'en-GB, as the browser is set');
    assert.ok((await cellTexts('action')).includes('Started setting up an app or token'));
    await shoot('admin-audit-01-log');
  });

  it("asks the admin to verify it's you before a reset on the Users page, then resets", async () => {
    await open('twofold-admin-users', '[data-users]');
    const dave = frame.locator('tr[data-user]', { hasText: 'Dave Okafor' });
    await dave.locator('[data-action=reset]').click();
    await frame.locator('[data-action=reset-confirmed]').click();
    await frame.locator('[data-step-up]:visible').waitFor();
    assert.match(
      (await frame.locator('[data-step-up]').textContent()) ?? '',
      /Changing a user's 2FA ID or second factor needs a two-step verification in this browser/,
    );
    assert.equal((await me(app, USERS.dave)).enrolled, true, 'nothing happened yet');

    await frame.locator('[data-field=step-up-code]').fill(wrongCode(alice, clock));
    await frame.locator('[data-form=step-up] [type=submit]').click();
    await frame.locator('[data-error=step-up]:visible').waitFor();
    assert.match((await frame.locator('[data-error=step-up]').textContent()) ?? '', /not right/);
    await shoot('admin-users-08-step-up');

    await frame.locator('[data-field=step-up-code]').fill(codeNow(alice, clock));
    await frame.locator('[data-form=step-up] [type=submit]').click();
    await frame.locator('[data-result=row][data-kind=success]', { hasText: 'Second factor reset.' }).waitFor();
    assert.equal(await frame.locator('[data-step-up]').isVisible(), false);
    assert.equal((await me(app, USERS.dave)).enrolled, false);
  });

  it('changes the policy on its page without asking again (the verification is current)', async () => {
    await open('twofold-admin-policy', '[data-policy]');
    await frame.locator('[data-field="lockout.maxFailures"]').fill('3');
    await frame.locator('[data-field=enforcedGroups]').fill('developers, qa');
    await frame.locator('[data-action=save]').click();
    await frame.locator('[data-result=save][data-kind=success]').waitFor();
    assert.equal(await frame.locator('[data-step-up]').isVisible(), false);
  });

  it('shows the policy change, the reset and the verification at the top of the log', async () => {
    await openAudit();
    const policy = entries().nth(0);
    assert.equal(await policy.locator('[data-cell=action]').textContent(), 'Changed the policy');
    assert.equal(await policy.locator('[data-cell=actor]').textContent(), 'Alice Admin');
    assert.equal(await policy.locator('[data-cell=subject]').textContent(), 'Site-wide');
    const detail = (await policy.locator('[data-cell=detail]').textContent()) ?? '';
    // Group names are isolated (FSI … PDI) inside the sentence; read past the invisible marks.
    assert.match(detail.replace(/[\u2066-\u2069]/g, ''), /Groups none → developers, qa/);
    assert.match(detail, /Wrong codes before a lockout 5 → 3/);
    const [reset, verified] = [entries().nth(1), entries().nth(2)];
    assert.equal(await reset.locator('[data-cell=action]').textContent(), 'Reset the second factor');
    assert.equal(await reset.locator('[data-cell=actor]').textContent(), 'Alice Admin');
    assert.equal(await reset.locator('[data-cell=subject]').textContent(), 'Dave Okafor');
    assert.equal(await reset.locator('[data-cell=detail]').textContent(), 'Removed 1 app or token and 10 backup codes');
    assert.equal(await verified.locator('[data-cell=action]').textContent(), 'Verified');
    assert.equal(await verified.locator('[data-cell=actor]').textContent(), 'Alice Admin');
    assert.equal(await verified.locator('[data-cell=detail]').textContent(), 'With a code from an app or token');
    assert.ok((await cellTexts('action')).includes('Verification failed'), 'the wrong code too');
    await shoot('admin-audit-02-after-reset');
  });

  it('filters by event and by the user an event concerns', async () => {
    await frame.locator('[data-field=filter-action]').selectOption('admin.reset');
    await frame.locator('[data-audit][data-state=ready] tr[data-entry]').first().waitFor();
    await frame.locator('[data-field=caption]', { hasText: /^1 event/ }).waitFor();
    assert.deepEqual(await cellTexts('action'), ['Reset the second factor']);
    await frame.locator('[data-field=filter-action]').selectOption('');
    await frame.locator('[data-field=caption]', { hasText: /^([2-9]|\d{2,}) events/ }).waitFor();

    await entries().filter({ hasText: 'Reset the second factor' }).locator('[data-cell=subject] [data-action=filter-subject]').click();
    await frame.locator('[data-testid=subject-filter]', { hasText: 'Dave Okafor' }).waitFor();
    const subjects = await cellTexts('subject');
    assert.ok(subjects.length >= 3);
    assert.deepEqual([...new Set(subjects)], ['Dave Okafor'], "only Dave's events");
    await shoot('admin-audit-03-filtered-by-user');
    await frame.locator('[data-action=clear-subject]').click();
    await frame.locator('[data-field=subject-filter]').waitFor({ state: 'hidden' });
    assert.ok(new Set(await cellTexts('subject')).has('Alice Admin'));
  });

  it('loads older events with "Load more"', async () => {
    pageSize = 2;
    try {
      await openAudit();
      assert.equal(await entries().count(), 2);
      await frame.locator('[data-action=more]').click();
      await entries().nth(3).waitFor();
      assert.equal(await entries().count(), 4, 'two more');
      assert.deepEqual((await cellTexts('action')).slice(0, 3), ['Changed the policy', 'Reset the second factor', 'Verified']);
    } finally {
      pageSize = 50;
    }
  });

  it('reads every row as prose: no raw step names, error codes or "key: value" lists', async () => {
    const at = new Date(clock.now().getTime()).toISOString();
    const entry = (id: string, action: string, detail: Record<string, unknown>) => ({
      id,
      at,
      actorAccountId: ALICE_ADMIN.accountId,
      action,
      subjectAccountId: null,
      detail,
    });
    const rows = [
      entry('1', 'connector.authorization_failed', { step: 'request_token', errorCode: 'unreachable' }),
      entry('2', 'connector.authorization_failed', { step: 'access_token', errorCode: 'signature_invalid' }),
      entry('3', 'totp.confirm_failed', { failures: 1 }),
      entry('4', 'connector.tested', { ok: false, errorCode: 'unreachable' }),
      entry('5', 'connector.token_rejected', { authType: 'oauth', errorCode: 'token_rejected', problem: null, status: 401 }),
      entry('6', 'some.future_action', { anything: 'raw_value', count: 2 }),
    ];
    const auditUrl = /\/api\/v1\/admin\/audit\?/;
    const fake = (route: import('playwright-core').Route) => route.fulfill({ json: { entries: rows, nextCursor: null } });
    await page.route(auditUrl, fake);
    try {
      await openAudit();
      const details = await cellTexts('detail');
      assert.equal(details.length, rows.length);
      for (const detail of details) {
        assert.doesNotMatch(detail, /\b[a-z]+_[a-z_]+\b/, `no snake_case code in "${detail}"`);
        assert.doesNotMatch(detail, /(^|[\s·])[a-z]\w*: \S/, `no "key: value" in "${detail}"`);
        assert.match(detail, /^[A-Z]/, `a sentence: "${detail}"`);
      }
      assert.equal(details[0], 'Jira could not be reached, while asking Jira for a request token (step 1)');
      assert.equal(details[2], 'A wrong code while setting up (1 failure in this window)');
      assert.equal(
        await entries().nth(5).locator('[data-cell=detail]').getAttribute('data-raw-detail'),
        JSON.stringify(rows[5]!.detail),
        'the raw detail is kept for support',
      );
      await shoot('admin-audit-05-prose-rows');
    } finally {
      await page.unroute(auditUrl, fake);
    }
  });

  it('works at phone width (390 px) without sideways scrolling', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await openAudit();
    const overflow = await frame.locator('body').evaluate((body) => body.scrollWidth > body.clientWidth + 1);
    assert.equal(overflow, false, 'no horizontal scrolling at 390 px');
    await shoot('admin-audit-04-phone');
  });
});
