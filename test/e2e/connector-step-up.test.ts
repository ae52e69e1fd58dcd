import assert from 'node:assert/strict';
import type { FrameLocator, Page } from 'playwright-core';
import { screenshot, skipWithoutChromium } from '../support/browser';
import { codeNow, enroll, wrongCode, type Enrolled } from '../integration/mfa/support';
import type { FixedClock } from '../../src/domain/ports/clock';
import { FakeJiraServer } from '../support/fake-jira-server';
import { startInstalledAppInChromium, type InstalledAppInChromium } from '../support/installed-app-in-chromium';
import { steppedClock } from '../support/stepped-clock';
import { ALICE_ADMIN, type TestApp } from '../support/test-app';

const CONNECTOR = '/api/v1/admin/connector';
const SERVICE_USER = { key: 'JIRAUSER10000', name: 'svc-twofold', displayName: 'Twofold Service', password: 'correct horse battery', admin: true };

/**
 * The connector page when the admin has two-step verification and the session ended: a change answers
 * 403 verification_required, the page asks for a code right there, then carries the change out.
 */
describe('Jira connector page in Chromium: admin step-up', function () {
  this.timeout(90_000);
  let started: InstalledAppInChromium<FixedClock>;
  let clock: FixedClock;
  let page: Page;
  let frame: FrameLocator;
  let app: TestApp;
  let alice: Enrolled;
  let jira: FakeJiraServer | undefined;

  before(async function () {
    skipWithoutChromium(this);
    started = await startInstalledAppInChromium({ clock: steppedClock() });
    ({ app, clock, page, frame } = started);
    alice = await enroll(app, clock, ALICE_ADMIN.accountId);
    // Alice set up her factor through the API, not in this browser: the page holds no session.
  });
  after(async () => {
    await started?.stop();
    await jira?.close();
  });

  it('asks for a code, then saves', async () => {
    await page.goto(`${app.baseUrl}/sandbox/plugins/servlet/ac/io.twofold.jira/twofold-admin-connector`);
    await frame.locator('[data-connector][data-state=ready]').waitFor();
    await frame.locator('[data-field=base-url]').fill('https://jira.example.com/jira');
    await frame.locator('[data-action=save]').click();
    await frame.locator('[data-step-up]:visible').waitFor();
    await screenshot(page, 'connector-10-step-up');

    await frame.locator('[data-field=step-up-code]').fill(wrongCode(alice, clock));
    await frame.locator('[data-form=step-up] [type=submit]').click();
    await frame.locator('[data-error=step-up]:visible').waitFor();

    clock.advance(30_000);
    await frame.locator('[data-field=step-up-code]').fill(codeNow(alice, clock));
    await frame.locator('[data-form=step-up] [type=submit]').click();
    await frame.locator('[data-result=settings][data-kind=success]').waitFor();
    assert.equal(await frame.locator('[data-step-up]').isVisible(), false);
    const saved = await app.request('GET', '/api/v1/admin/connector', { token: app.contextToken(ALICE_ADMIN.accountId) });
    assert.equal(saved.json().baseUrl, 'https://jira.example.com/jira');
  });

  it('"Authorize" after a step-up: the window the click opened is kept and goes to Jira (not "your browser blocked the new window")', async () => {
    // Jira, and the connector set up while the session of the previous test is current; then that session ends.
    // (Jira's timestamp window is wide: the app's clock is hours ahead of the real one by now.)
    jira = await FakeJiraServer.start({ users: [SERVICE_USER], browserUser: SERVICE_USER.name, timestampWindowSeconds: 7 * 86_400 });
    // Set up through the API as a browser of Alice's own (a session of its own), not the page's.
    const token = app.contextToken(ALICE_ADMIN.accountId);
    clock.advance(60_000);
    const verified = await app.request('POST', '/api/v1/me/verify', { token, body: { code: codeNow(alice, clock) } });
    assert.equal(verified.status, 200, verified.text);
    const headers = { 'X-Twofold-Session': verified.json().sessionToken as string };
    const saved = await app.request('PUT', CONNECTOR, { token, headers, body: { baseUrl: jira.baseUrl, authType: 'oauth1', consumerKey: 'twofold' } });
    assert.equal(saved.status, 200, saved.text);
    const keys = await app.request('POST', `${CONNECTOR}/keys`, { token, headers });
    assert.equal(keys.status, 201, keys.text);
    jira.addConsumer('twofold', keys.json().publicKeyBase64);
    // The page's own session (from the previous test) is no longer recent: its next write asks again.
    clock.advance(6 * 60_000);

    await page.goto(`${app.baseUrl}/sandbox/plugins/servlet/ac/io.twofold.jira/twofold-admin-connector`);
    await frame.locator('[data-connector][data-state=ready]').waitFor();
    const [popup] = await Promise.all([page.context().waitForEvent('page'), frame.locator('[data-testid=authorize]').click()]);
    await frame.locator('[data-step-up]:visible').waitFor();
    assert.equal(popup.isClosed(), false, 'the window opened by the click waits through the step-up');

    clock.advance(30_000);
    await frame.locator('[data-field=step-up-code]').fill(codeNow(alice, clock));
    await frame.locator('[data-form=step-up] [type=submit]').click();
    await popup.waitForURL(/\/plugins\/servlet\/oauth\/authorize\?oauth_token=/);
    await frame.locator('[data-testid=authorization-pending]:visible').waitFor();
    assert.doesNotMatch((await frame.locator('[data-result=authorize]').textContent()) ?? '', /blocked/);

    await Promise.all([popup.waitForURL(/\/connector\/oauth\/callback\?state=/), popup.locator('#allow').click()]);
    await popup.locator('[data-testid=callback-outcome][data-outcome=connected]').waitFor();
    await popup.close();
    await frame.locator('[data-testid=status-lozenge][data-status=connected]').waitFor({ timeout: 15_000 });
  });
});
