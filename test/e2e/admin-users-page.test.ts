import assert from 'node:assert/strict';
import type { FrameLocator, Locator, Page } from 'playwright-core';
import type { FixedClock } from '../../src/domain/ports/clock';
import { USERS, enroll, me, verify, wrongCode } from '../integration/mfa/support';
import { screenshotWithNewestFlag, skipWithoutChromium } from '../support/browser';
import { startInstalledAppInChromium, type InstalledAppInChromium } from '../support/installed-app-in-chromium';
import { steppedClock } from '../support/stepped-clock';
import { ALICE_ADMIN, type TestApp } from '../support/test-app';

/**
 * The "Users" admin page in Chromium, framed by the sandbox Jira site: the users with their 2FA IDs
 * and status, filters by group and status, "Load more", changing an ID (and an ID that is taken), and
 * resetting a user's second factor after a confirmation.
 */
describe('Users admin page in Chromium', function () {
  this.timeout(90_000);
  let started: InstalledAppInChromium<FixedClock>;
  let clock: FixedClock;
  let page: Page;
  let frame: FrameLocator;
  let app: TestApp;
  /** The page asks for this many users at a time (50 in real use; the sandbox has six). */
  let pageSize = 50;

  before(async function () {
    skipWithoutChromium(this);
    started = await startInstalledAppInChromium({ clock: steppedClock() });
    ({ app, clock, page, frame } = started);
    await enroll(app, clock, USERS.dave);
    await page.route(/\/api\/v1\/admin\/users\?/, (route) =>
      route.continue({
        url: route
          .request()
          .url()
          .replace(/limit=\d+/, `limit=${pageSize}`),
      }),
    );
  });
  after(() => started?.stop());

  const openPage = async () => {
    await page.goto(`${app.baseUrl}/sandbox/plugins/servlet/ac/io.twofold.jira/twofold-admin-users`);
    await frame.locator('[data-users][data-state=ready]').waitFor();
  };
  const row = (name: string): Locator => frame.locator('tr[data-user]', { has: frame.locator('[data-cell=name]', { hasText: name }) });
  const names = async () => frame.locator('tr[data-user] [data-cell=name]').allTextContents();
  const shoot = (name: string) => screenshotWithNewestFlag(page, name);
  const showUsers = async (group: string, enrolled: '' | 'true' | 'false') => {
    await frame.locator('[data-field=filter-group]').fill(group);
    await frame.locator('[data-field=filter-enrolled]').selectOption(enrolled);
    await frame.locator('[data-action=apply-filter]').click();
    await frame.locator('[data-users][data-state=ready]').waitFor();
  };

  it('lists the users with their 2FA ID, status and methods', async () => {
    await openPage();
    assert.equal(await frame.locator('h1').textContent(), 'Users');
    assert.deepEqual(await names(), ['Alice Admin', 'Bob Builder', 'Carol Chen', 'Dave Okafor', 'Erin Novak', 'Frank Former']);
    const dave = row('Dave Okafor');
    assert.equal(await dave.locator('[data-testid=two-factor-id]').textContent(), 'dave@example.com');
    assert.equal(await dave.locator('[data-testid=enrolled]').textContent(), 'On');
    assert.equal(await dave.locator('[data-cell=methods]').textContent(), 'App or token, backup codes');
    assert.equal(await row('Bob Builder').locator('[data-testid=enrolled]').textContent(), 'Optional, not set up', 'no group is enforced yet');
    assert.equal(await row('Bob Builder').locator('[data-action=reset]').isVisible(), false, 'nothing to reset');
    assert.equal(await row('Frank Former').locator('[data-cell=inactive]').isVisible(), true);
    assert.equal(await frame.locator('[data-action=more]').isVisible(), false, 'all on one page');
    await shoot('admin-users-01-list');
  });

  it('tells "required, not set up" (a member of an enforced group) from "optional"', async () => {
    const token = app.contextToken(ALICE_ADMIN.accountId);
    const policy = (await app.request('GET', '/api/v1/admin/policy', { token })).json();
    const put = (enforcedGroups: string[]) => app.request('PUT', '/api/v1/admin/policy', { token, body: { ...policy, enforcedGroups } });
    assert.equal((await put(['qa'])).status, 200);
    try {
      const answer = (await app.request('GET', '/api/v1/admin/users', { token })).json();
      const required = Object.fromEntries(answer.users.map((u: { displayName: string; required: boolean }) => [u.displayName, u.required]));
      assert.deepEqual(required, {
        'Alice Admin': false,
        'Bob Builder': false,
        'Carol Chen': true,
        'Dave Okafor': true,
        'Erin Novak': false,
        'Frank Former': false,
      });
      await openPage();
      const carol = row('Carol Chen').locator('[data-testid=enrolled]');
      assert.equal(await carol.textContent(), 'Required, not set up');
      assert.equal(await carol.getAttribute('data-required'), 'true');
      assert.match((await carol.getAttribute('class')) ?? '', /tf-lozenge--warning/);
      assert.equal(await row('Bob Builder').locator('[data-testid=enrolled]').textContent(), 'Optional, not set up');
      assert.equal(await row('Dave Okafor').locator('[data-testid=enrolled]').textContent(), 'On', 'set up: required or not, it is on');
      await shoot('admin-users-01b-required-and-optional');
    } finally {
      assert.equal((await put([])).status, 200);
    }
  });

  it('filters by group and by status', async () => {
    await showUsers('qa', '');
    assert.deepEqual(await names(), ['Carol Chen', 'Dave Okafor']);
    await showUsers('qa', 'true');
    assert.deepEqual(await names(), ['Dave Okafor']);
    assert.match((await frame.locator('[data-field=caption]').textContent()) ?? '', /1 user in qa who set up two-step verification/);
    await shoot('admin-users-02-filtered');
    await showUsers('no-such-group', '');
    assert.equal(await frame.locator('[data-field=empty]').isVisible(), true);
    assert.match((await frame.locator('[data-field=empty]').textContent()) ?? '', /no members of “no-such-group”/);
    await frame.locator('[data-action=clear-filter]').click();
    await frame.locator('tr[data-user]').nth(5).waitFor();
    assert.equal(await frame.locator('[data-field=filter-group]').inputValue(), '');
  });

  it('loads more users a page at a time', async () => {
    pageSize = 2;
    try {
      await openPage();
      assert.deepEqual(await names(), ['Alice Admin', 'Bob Builder']);
      await frame.locator('[data-action=more]').click();
      await frame.locator('tr[data-user]').nth(3).waitFor();
      // Jira's user search gives no total: a full last page still offers more, which then brings none.
      while (await frame.locator('[data-action=more]').isVisible()) {
        await frame.locator('[data-action=more]').click();
        await frame
          .locator('[data-users][data-state=ready] [data-action=more]:not([disabled])')
          .or(frame.locator('[data-action=more][hidden]'))
          .first()
          .waitFor({ state: 'attached' });
      }
      assert.deepEqual(await names(), ['Alice Admin', 'Bob Builder', 'Carol Chen', 'Dave Okafor', 'Erin Novak', 'Frank Former']);
      assert.match((await frame.locator('[data-field=caption]').textContent()) ?? '', /^6 users\.$/);

      // Only enrolled users: the pages before Dave's hold nobody, and the page looks on by itself.
      await showUsers('', 'true');
      assert.deepEqual(await names(), ['Dave Okafor']);
    } finally {
      pageSize = 50;
    }
  });

  it("changes a user's 2FA ID, and says so at the input when another user has it", async () => {
    await openPage();
    const bob = row('Bob Builder');
    await bob.locator('[data-action=edit-id]').click();
    await bob.locator('[data-field=twoFactorId]').fill('bob.builder@acme');
    await bob.locator('[data-form=id] [type=submit]').click();
    await bob.locator('[data-testid=two-factor-id]', { hasText: 'bob.builder@acme' }).waitFor();
    assert.equal(await bob.locator('[data-cell=id-source]').textContent(), 'set by an admin');
    await frame.locator('[data-result=row][data-kind=success]', { hasText: '2FA ID changed.' }).waitFor();
    await page.locator('.sbx-flag--success', { hasText: '2FA ID changed.' }).waitFor();
    const listed = (await app.request('GET', '/api/v1/admin/users?limit=2', { token: app.contextToken(ALICE_ADMIN.accountId) })).json();
    assert.equal(listed.users[1].twoFactorId, 'bob.builder@acme');

    const carol = row('Carol Chen');
    await carol.locator('[data-action=edit-id]').click();
    await carol.locator('[data-field=twoFactorId]').fill('Bob.Builder@acme');
    await carol.locator('[data-form=id] [type=submit]').click();
    await carol.locator('[data-error=twoFactorId]:visible').waitFor();
    assert.match((await carol.locator('[data-error=twoFactorId]').textContent()) ?? '', /belongs to another user of this site/);
    assert.equal(await carol.locator('[data-field=twoFactorId]').getAttribute('data-code'), 'id_taken');
    assert.equal(await carol.locator('[data-field=twoFactorId]').getAttribute('aria-invalid'), 'true');
    await shoot('admin-users-03-id-taken');

    await carol.locator('[data-action=cancel-id]').click();
    assert.equal(await carol.locator('[data-testid=two-factor-id]').textContent(), 'carol.chen@example.com', 'unchanged');
  });

  it("resets a user's second factor after a confirmation that says what follows", async () => {
    const dave = row('Dave Okafor');
    await dave.locator('[data-action=reset]').click();
    const dialog = frame.locator('[role=alertdialog]');
    await dialog.waitFor();
    assert.match((await dialog.textContent()) ?? '', /Reset the second factor of Dave Okafor\?.*must set up two-step verification again/s);
    await shoot('admin-users-04-reset-confirm');
    await dialog.locator('[data-action=cancel-reset]').click();
    assert.equal(await dialog.count(), 0);
    assert.equal((await me(app, USERS.dave)).enrolled, true, 'Cancel resets nothing');

    await dave.locator('[data-action=reset]').click();
    await frame.locator('[role=alertdialog] [data-action=reset-confirmed]').click();
    await frame.locator('[data-result=row][data-kind=success]', { hasText: 'Second factor reset.' }).waitFor();
    assert.equal(await dave.locator('[data-testid=enrolled]').textContent(), 'Optional, not set up');
    assert.equal(await dave.locator('[data-cell=methods]').textContent(), '–');
    assert.equal(await dave.locator('[data-action=reset]').isVisible(), false);
    assert.equal((await me(app, USERS.dave)).enrolled, false);
    await shoot('admin-users-05-reset-done');
  });

  it('shows a lockout after wrong codes, and lifts it', async () => {
    const erin = await enroll(app, clock, USERS.erin);
    clock.advance(30_000);
    for (let attempt = 0; attempt < 5; attempt += 1) await verify(app, USERS.erin, { code: wrongCode(erin, clock) });
    assert.equal((await verify(app, USERS.erin, { code: wrongCode(erin, clock) })).status, 429, 'Erin is locked out');

    await openPage();
    const row = frame.locator('tr[data-user]', { hasText: 'Erin Novak' });
    assert.match((await row.locator('[data-testid=locked]').textContent()) ?? '', /^Locked until /);
    assert.equal(await frame.locator('tr[data-user]', { hasText: 'Carol Chen' }).locator('[data-testid=locked]').isVisible(), false);
    await shoot('admin-users-06-locked');
    await row.locator('[data-action=unlock]').click();
    await frame.locator('[data-result=row][data-kind=success]', { hasText: 'Lockout lifted.' }).waitFor();
    assert.equal(await row.locator('[data-testid=locked]').isVisible(), false);
    assert.equal(await row.locator('[data-action=unlock]').isVisible(), false);
    assert.equal(await row.locator('[data-testid=enrolled]').textContent(), 'On', 'the second factor stays');
    assert.notEqual((await verify(app, USERS.erin, { code: wrongCode(erin, clock) })).status, 429, 'Erin may try again');
  });

  it('works at phone width (390 px) without sideways scrolling', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await openPage();
    await row('Carol Chen').locator('[data-action=edit-id]').click();
    const overflow = await frame.locator('body').evaluate((body) => body.scrollWidth > body.clientWidth + 1);
    assert.equal(overflow, false, 'no horizontal scrolling at 390 px');
    await shoot('admin-users-07-phone');
  });
});
