import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { FrameLocator, Locator, Page } from 'playwright-core';
import { SANDBOX_USERS } from '../../src/sandbox/fixtures';
import { screenshotWithNewestFlag, skipWithoutChromium } from '../support/browser';
import { startInstalledAppInChromium, type InstalledAppInChromium } from '../support/installed-app-in-chromium';
import { ALICE_ADMIN, type TestApp } from '../support/test-app';

const ERIN = SANDBOX_USERS.find((user) => user.displayName === 'Erin Novak')!;

/**
 * The users page's rollout and directory mirror in Chromium, framed by the sandbox Jira site: a rollout
 * with its progress bar and a failure's reason, the bar still there when the page is reopened, the mirror's
 * refresh time, search, and "Export CSV".
 */
describe('Users page: rollout, directory mirror and CSV export in Chromium', function () {
  this.timeout(90_000);
  let started: InstalledAppInChromium;
  let page: Page;
  let frame: FrameLocator;
  let app: TestApp;

  before(async function () {
    skipWithoutChromium(this);
    started = await startInstalledAppInChromium({ contextOptions: { acceptDownloads: true } });
    ({ app, page, frame } = started);
  });
  after(() => started?.stop());

  const openPage = async () => {
    await page.goto(`${app.baseUrl}/sandbox/plugins/servlet/ac/io.twofold.jira/twofold-admin-users`);
    await frame.locator('[data-users][data-state=ready]').waitFor();
  };
  const names = async () => frame.locator('tr[data-user] [data-cell=name]').allTextContents();
  const row = (name: string): Locator => frame.locator('tr[data-user]', { has: frame.locator('[data-cell=name]', { hasText: name }) });
  const shoot = (name: string) => screenshotWithNewestFlag(page, name);

  it('starts a rollout and shows its progress, the failure with its reason, then the group required', async () => {
    // Alice holds the ID the pattern gives Erin: Erin's item fails with id_conflict.
    const token = app.contextToken(ALICE_ADMIN.accountId);
    assert.equal((await app.request('PUT', `/api/v1/admin/users/${ALICE_ADMIN.accountId}`, { token, body: { twoFactorId: 'erin.novak' } })).status, 200);
    await openPage();
    assert.match((await frame.locator('[data-testid=directory-status]').textContent()) ?? '', /has not read this site’s users yet/);

    await frame.locator('[data-field=rollout-group]').fill('developers');
    await frame.locator('[data-field=rollout-pattern]').fill('%emailLocalPart%');
    await frame.locator('[data-action=start-rollout]').click();
    await frame.locator('[data-testid=rollout-job][data-state=succeeded]').waitFor();
    assert.equal(await frame.locator('[data-testid=rollout-state]').textContent(), 'Done');
    assert.match((await frame.locator('[data-testid=rollout-counts]').textContent()) ?? '', /^3 of 3 users · 1 failed/);
    const progress = frame.locator('[data-testid=rollout-progress]');
    assert.equal(await progress.getAttribute('max'), '3');
    assert.equal(await progress.evaluate((el) => (el as unknown as { value: number }).value), 3);
    const failure = frame.locator('[data-testid=rollout-errors] li');
    assert.equal(await failure.count(), 1);
    assert.equal(await failure.getAttribute('data-code'), 'id_conflict');
    const reason = (await failure.textContent()) ?? '';
    assert.ok(reason.includes(ERIN.accountId) && reason.includes(ALICE_ADMIN.accountId), 'the reason names both users');

    // The rollout refreshes the mirror; the list then shows the new IDs and who is required.
    await frame.locator('[data-testid=directory-status]', { hasText: 'Users last read from Jira' }).waitFor();
    await row('Bob Builder').locator('[data-testid=two-factor-id]', { hasText: 'bob' }).waitFor();
    assert.equal(await row('Bob Builder').locator('[data-testid=enrolled]').textContent(), 'Required, not set up');
    assert.equal(await row('Dave Okafor').locator('[data-testid=enrolled]').textContent(), 'Optional, not set up');
    await shoot('users-rollout-01-finished');
  });

  it('keeps the rollout’s progress when the page is reopened', async () => {
    await page.goto('about:blank');
    await openPage();
    await frame.locator('[data-testid=rollout-job][data-state=succeeded]').waitFor();
    assert.match((await frame.locator('[data-testid=rollout-counts]').textContent()) ?? '', /^3 of 3 users · 1 failed/);
    assert.equal(await frame.locator('[data-testid=rollout-errors] li').count(), 1);
  });

  it('searches the mirrored users by name or 2FA ID', async () => {
    await frame.locator('[data-field=filter-q]').fill('chen');
    await frame.locator('[data-action=apply-filter]').click();
    await frame.locator('[data-users][data-state=ready]').waitFor();
    assert.deepEqual(await names(), ['Carol Chen']);
    await frame.locator('[data-field=filter-q]').fill('erin.nov');
    await frame.locator('[data-action=apply-filter]').click();
    await frame.locator('[data-users][data-state=ready]').waitFor();
    assert.deepEqual(await names(), ['Alice Admin', 'Erin Novak'], 'Alice by her 2FA ID, Erin by her email address');
    await shoot('users-rollout-02-search');
    await frame.locator('[data-action=clear-filter]').click();
    await frame.locator('tr[data-user]').nth(5).waitFor();
  });

  it('exports the users as CSV', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), frame.locator('[data-action=export-csv]').click()]);
    assert.equal(download.suggestedFilename(), 'twofold-users.csv');
    const text = readFileSync(await download.path(), 'utf8');
    const lines = text.split('\r\n').filter(Boolean);
    assert.equal(lines[0], 'accountId,displayName,twoFactorId,enrolled,methods,lastVerifiedAt');
    assert.equal(lines.length, SANDBOX_USERS.length + 1);
    assert.ok(lines.some((line) => line.startsWith(`${SANDBOX_USERS[1]!.accountId},Bob Builder,bob,false,`)));
    await shoot('users-rollout-03-exported');
  });
});
