import assert from 'node:assert/strict';
import type { BrowserContext, FrameLocator, Page } from 'playwright-core';
import { screenshot, screenshotWithNewestFlag, skipWithoutChromium } from '../support/browser';
import { FakeJiraServer } from '../support/fake-jira-server';
import { startInstalledAppInChromium, type InstalledAppInChromium } from '../support/installed-app-in-chromium';
import type { TestApp } from '../support/test-app';

const SERVICE_USER = { key: 'JIRAUSER10000', name: 'svc-twofold', displayName: 'Twofold Service', password: 'correct horse battery', admin: true };

/**
 * The "Jira connector" admin page in Chromium, framed by the sandbox Jira site, against the fake Jira
 * Server: configure, generate a key, register its public key as the consumer in Jira (read from the
 * page, as an admin would copy it), authorize through Jira's page in a new window, come back to
 * "connected", and test who Twofold acts as.
 */
describe('Jira connector page in Chromium', function () {
  this.timeout(90_000);
  let started: InstalledAppInChromium;
  let context: BrowserContext;
  let page: Page;
  let frame: FrameLocator;
  let app: TestApp;
  let jira: FakeJiraServer;

  before(async function () {
    skipWithoutChromium(this);
    started = await startInstalledAppInChromium();
    ({ app, context, page, frame } = started);
    jira = await FakeJiraServer.start({ users: [SERVICE_USER], browserUser: SERVICE_USER.name });
  });
  after(async () => {
    await started?.stop();
    await jira?.close();
  });

  const openPage = async () => {
    await page.goto(`${app.baseUrl}/sandbox/plugins/servlet/ac/io.twofold.jira/twofold-admin-connector`);
    await frame.locator('[data-connector][data-state=ready]').waitFor();
  };
  const lozenge = () => frame.locator('[data-testid=status-lozenge]');
  const shoot = (name: string) => screenshotWithNewestFlag(page, name);
  const resultOf = (name: string) => frame.locator(`[data-result="${name}"]`);

  it('shows the unconfigured connector in the admin section of Jira', async () => {
    await openPage();
    assert.equal(await frame.locator('h1').textContent(), 'Jira connector');
    assert.equal(await lozenge().getAttribute('data-status'), 'unconfigured');
    assert.equal(await frame.locator('[data-field=consumer-key]').inputValue(), 'twofold', 'a sensible default');
    await shoot('connector-01-unconfigured');
  });

  it('refuses plain http to another host, inline and with a flag', async () => {
    await frame.locator('[data-field=base-url]').fill('http://jira.example.com/jira');
    await frame.locator('[data-action=save]').click();
    await resultOf('settings').and(frame.locator('[data-kind=error]')).waitFor();
    assert.match((await resultOf('settings').textContent()) ?? '', /https only/);
    assert.equal(await resultOf('settings').getAttribute('data-error-code'), 'insecure_url', 'the code is kept for support');
    assert.doesNotMatch((await resultOf('settings').textContent()) ?? '', /insecure_url/, 'the words do not end in the code');
    await page.locator('.sbx-flag--error').first().waitFor();
  });

  it('saves the settings and generates a key pair with the exact Application Link values', async () => {
    await frame.locator('[data-field=base-url]').fill(jira.baseUrl);
    await frame.locator('[data-action=save]').click();
    await resultOf('settings').and(frame.locator('[data-kind=success]')).waitFor();
    assert.match((await resultOf('settings').textContent()) ?? '', /Settings saved/);

    await frame.locator('[data-action=generate]').click();
    await resultOf('keys').and(frame.locator('[data-kind=success]')).waitFor();
    await frame.locator('[data-testid=public-key-base64]:not(:empty)').waitFor();
    assert.equal(await lozenge().getAttribute('data-status'), 'awaiting_authorization');
    const publicKey = (await frame.locator('[data-testid=public-key-base64]').textContent())!.trim();
    assert.match(publicKey, /^MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA[A-Za-z0-9+/=]+$/);
    assert.equal(await frame.locator('[data-field=link-public-key]').textContent(), publicKey);
    assert.equal(await frame.locator('[data-field=link-consumer-key]').textContent(), 'twofold');
    assert.equal(await frame.locator('[data-field=link-callback]').textContent(), `${app.baseUrl}/connector/oauth/callback`);
    assert.match((await frame.locator('[data-field=link-consumer-name]').textContent()) ?? '', /^Twofold \(/);
    await shoot('connector-02-key-and-application-link');

    // What the admin does in Jira: an Application Link with this consumer key and public key.
    jira.addConsumer('twofold', publicKey);
  });

  it("authorizes through Jira's page in a new window and comes back connected", async () => {
    const [popup] = await Promise.all([context.waitForEvent('page'), frame.locator('[data-testid=authorize]').click()]);
    await popup.waitForURL(/\/plugins\/servlet\/oauth\/authorize\?oauth_token=/);
    await popup.locator('#allow').waitFor();
    assert.equal(await popup.locator('#user').textContent(), SERVICE_USER.name);
    await frame.locator('[data-testid=authorization-pending]:visible').waitFor();
    await screenshot(popup, 'connector-03-jira-authorize-page');

    await Promise.all([popup.waitForURL(/\/connector\/oauth\/callback\?state=/), popup.locator('#allow').click()]);
    await popup.locator('[data-testid=callback-outcome][data-outcome=connected]').waitFor();
    assert.match((await popup.locator('[data-testid=callback-message]').textContent()) ?? '', /Twofold now acts in Jira as Twofold Service \(svc-twofold\)/);
    await popup.setViewportSize({ width: 900, height: 600 });
    await screenshot(popup, 'connector-04-callback-connected');
    await popup.close();

    await frame.locator('[data-testid=status-lozenge][data-status=connected]').waitFor({ timeout: 15_000 });
    await resultOf('authorize').and(frame.locator('[data-kind=success]')).waitFor();
    assert.match((await frame.locator('[data-testid=acting-as]').textContent()) ?? '', /Twofold Service \(svc-twofold\)/);
    assert.equal(await frame.locator('[data-action=authorize]').textContent(), 'Reauthorize');
    await page.locator('.sbx-flag--success', { hasText: 'Twofold is connected to Jira' }).waitFor();
    await shoot('connector-05-connected');
  });

  it('tests the connection and shows who Twofold acts as', async () => {
    await frame.locator('[data-testid=test-connection]').click();
    await resultOf('test').and(frame.locator('[data-kind=success]')).waitFor();
    assert.match((await resultOf('test').textContent()) ?? '', /Connection works\. Twofold acts in Jira as Twofold Service \(svc-twofold\)\./);
    await shoot('connector-06-test-connection');
  });

  it('keeps polling while the callback completes the authorization (in_progress), and says "Completing…"', async () => {
    // The real answers, except that the first two say what the API says while the callback runs step 3 and the first test.
    let faked = 0;
    const connectorUrl = /\/api\/v1\/admin\/connector$/;
    await page.route(connectorUrl, async (route) => {
      if (route.request().method() !== 'GET' || faked >= 2) return route.fallback();
      faked++;
      const response = await route.fetch();
      const body = await response.json();
      Object.assign(body, { status: 'awaiting_authorization', authorizedAt: null, tokenExpiresAt: null, lastTest: null });
      body.authorization = { ...body.authorization, state: 'in_progress' };
      await route.fulfill({ response, json: body });
    });
    try {
      await openPage();
      const banner = frame.locator('[data-testid=authorization-pending]');
      await banner.and(frame.locator('[data-attempt=in_progress]')).waitFor();
      assert.equal(await frame.locator('[data-field=pending-title]').textContent(), 'Completing…');
      assert.equal(await lozenge().getAttribute('data-status'), 'awaiting_authorization');
      await shoot('connector-03b-completing');
      // A poll that lands while the attempt is in_progress must not stop the polling: the page gets to "connected" by itself.
      await frame.locator('[data-testid=status-lozenge][data-status=connected]').waitFor({ timeout: 15_000 });
      assert.equal(faked, 2, 'the page polled through the in_progress answers');
      assert.equal(await banner.isVisible(), false);
    } finally {
      await page.unroute(connectorUrl);
    }
  });

  it('says whose failure it is in the title: Jira refused, Jira could not be reached, Twofold could not do that', async () => {
    const testUrl = /\/api\/v1\/admin\/connector\/test$/;
    const answers = [
      { status: 502, code: 'upstream_error', title: 'Jira refused.' },
      { status: 502, code: 'unreachable', title: 'Jira could not be reached.' },
      { status: 500, code: 'internal_error', title: 'Twofold could not do that.' },
      { status: 503, code: 'service_unavailable', title: 'Twofold could not do that.' },
    ];
    try {
      for (const answer of answers) {
        await page.unroute(testUrl);
        await page.route(testUrl, (route) => route.fulfill({ status: answer.status, json: { error: { code: answer.code, message: 'Because.' } } }));
        await frame.locator('[data-testid=test-connection]').click();
        await resultOf('test').and(frame.locator('[data-kind=error]')).waitFor();
        await frame.locator(`[data-testid=test-result][data-error-code="${answer.code}"]`).waitFor();
        assert.doesNotMatch((await resultOf('test').textContent()) ?? '', new RegExp(answer.code), 'the sentence only');
        assert.equal(await resultOf('test').locator('strong').textContent(), answer.title, answer.code);
      }
    } finally {
      await page.unroute(testUrl);
    }
  });

  it('says, before forgetting the token, that it stays valid in Jira until revoked there', async () => {
    await frame.locator('[data-field=forget-button]').click();
    const detail = frame.locator('[data-testid=forget-detail]');
    await detail.waitFor();
    assert.match((await detail.textContent()) ?? '', /stays valid in Jira until it is revoked there.*Profile › Tools › View OAuth Access Tokens/);
    await frame.locator('[data-confirm=forget] [data-action=cancel-confirm]').click();
  });

  it('says so when Jira revoked the token, and offers to reauthorize', async () => {
    for (const issued of jira.issuedAccessTokens()) jira.revokeToken(issued.token);
    await frame.locator('[data-testid=test-connection]').click();
    await resultOf('test').and(frame.locator('[data-kind=error]')).waitFor();
    assert.equal(await resultOf('test').getAttribute('data-error-code'), 'token_rejected');
    assert.doesNotMatch((await resultOf('test').textContent()) ?? '', /token_rejected/, 'the sentence only');
    assert.equal(await resultOf('test').locator('strong').textContent(), 'Jira refused.');
    const flag = page.locator('.sbx-flag--error').last();
    assert.equal(await flag.locator('strong').textContent(), 'Jira refused.');
    assert.ok(((await flag.textContent()) ?? '').length < 120, 'a small flag: the long explanation is beside the button');
    // The button was clicked at the window's bottom edge (where Playwright scrolls it): the outcome comes up to the middle, clear of the flag.
    const flagBox = await flag.boundingBox();
    for (const target of [frame.locator('[data-testid=test-connection]'), resultOf('test')]) {
      const box = await target.boundingBox();
      assert.ok(flagBox && box);
      const overlaps =
        box.x < flagBox.x + flagBox.width && flagBox.x < box.x + box.width && box.y < flagBox.y + flagBox.height && flagBox.y < box.y + box.height;
      assert.equal(overlaps, false, 'the flag covers the button or its result');
    }
    await page.screenshot({ path: 'test-output/screenshots/connector-07b-flag-clear-of-buttons.png' });
    await frame.locator('[data-testid=status-lozenge][data-status=needs_reauthorization]').waitFor();
    assert.equal(await lozenge().textContent(), 'Needs reauthorization');
    await shoot('connector-07-needs-reauthorization');
  });

  it('switches to Basic authentication: user name and password, then a test as that user', async () => {
    await frame.locator('label:has(input[value=basic])').click();
    await frame.locator('[data-field=username]').waitFor({ state: 'visible' });
    // A password: a Data Center personal access token pasted here would count as a wrong password.
    assert.equal(await frame.locator('label[for=tf-secret]').textContent(), 'Password');
    assert.match((await frame.locator('#tf-secret-note').textContent()) ?? '', /Not a Data Center personal access token/);
    assert.equal(await frame.locator('[data-testid=authorize]').isVisible(), false, 'OAuth steps are hidden for Basic');
    await frame.locator('[data-field=username]').fill(SERVICE_USER.name);
    await frame.locator('[data-field=secret]').fill(SERVICE_USER.password);
    await frame.locator('[data-action=save]').click();
    await resultOf('settings').and(frame.locator('[data-kind=success]')).waitFor();
    assert.equal(await frame.locator('[data-field=secret]').inputValue(), '', 'the password is not kept in the page');
    await frame.locator('[data-testid=status-lozenge][data-status=connected]').waitFor();
    await frame.locator('[data-testid=test-connection]').click();
    await resultOf('test').and(frame.locator('[data-kind=success]')).waitFor();
    assert.match((await resultOf('test').textContent()) ?? '', /Twofold Service \(svc-twofold\)/);
    assert.equal(await frame.locator('[data-field=forget-button]').textContent(), 'Forget password');
    assert.equal(jira.requests.at(-1)!.auth, 'basic');
    await shoot('connector-08-basic');
  });

  it('works at phone width (390 px) without sideways scrolling', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await openPage();
    const overflow = await frame.locator('body').evaluate((body) => body.scrollWidth > body.clientWidth + 1);
    assert.equal(overflow, false, 'no horizontal scrolling at 390 px');
    await shoot('connector-09-phone');
  });
});
