import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { screenshot, skipWithoutChromium } from '../support/browser';
import { startInstalledAppInChromium, type InstalledAppInChromium } from '../support/installed-app-in-chromium';
import { ALICE_ADMIN, BOB_MEMBER, type TestApp } from '../support/test-app';

/**
 * What a developer sees after `npm start`: the sandbox Jira site, where an admin installs Twofold from
 * its descriptor URL and the app's pages appear framed, for an admin and for an ordinary user.
 */
describe('Sandbox Jira in Chromium: install and framed pages', function () {
  this.timeout(60_000);
  let started: InstalledAppInChromium;
  let page: Page;
  let app: TestApp;

  before(async function () {
    skipWithoutChromium(this);
    // Not installed: installing from the descriptor URL, as an admin does, is the first test.
    started = await startInstalledAppInChromium({ install: false, contextOptions: { viewport: { width: 1280, height: 800 } } });
    ({ app, page } = started);
  });
  after(() => started?.stop());

  const switchTo = async (accountId: string) => {
    await Promise.all([page.waitForNavigation(), page.selectOption('#sbx-user', accountId)]);
  };

  it('installs Twofold from its descriptor URL on "Manage apps"', async () => {
    await page.goto(`${app.baseUrl}/`);
    assert.match(await page.title(), /Dashboard · Sandbox Jira/);
    await page.click('text=Manage apps');
    assert.equal(await page.inputValue('#descriptorUrl'), `${app.baseUrl}/atlassian-connect.json`);
    await page.click('[data-testid=install]');
    await page.waitForSelector('.sbx-notice--success');
    assert.match((await page.textContent('.sbx-notice')) ?? '', /was installed/);
    await screenshot(page, 'foundation-01-manage-apps-installed');
  });

  it('frames an admin page for the admin, and the page reaches the API through AP', async () => {
    // The policy page reads /api/v1/admin/policy (Jira admins only) with the context token AP gives it.
    const [request] = await Promise.all([
      page.waitForRequest((r) => new URL(r.url()).pathname === '/api/v1/admin/policy' && r.method() === 'GET'),
      page.click('text=Twofold: two-step verification policy'),
    ]);
    const authorization = request.headers().authorization ?? '';
    assert.match(authorization, /^JWT /);
    const claims = JSON.parse(Buffer.from(authorization.slice(4).split('.')[1]!, 'base64url').toString('utf8'));
    assert.equal(claims.iss, app.host.clientKey);
    assert.equal(claims.sub, ALICE_ADMIN.accountId, "the admin's own token");
    assert.equal(claims.qsh, 'context-qsh', 'a context token, from AP.context.getToken()');
    assert.equal((await request.response())?.status(), 200);

    const frame = page.frameLocator('#sbx-app-iframe');
    await frame.locator('[data-policy][data-state=ready]').waitFor();
    assert.equal(await frame.locator('h1').textContent(), 'Two-step verification policy');
    assert.equal(await frame.locator('[data-field=idPattern]').inputValue(), '%email%', 'the form shows the policy the API answered');
    await screenshot(page, 'foundation-02-admin-page-as-admin');
  });

  it('frames the general page for an ordinary user, and refuses them the admin page', async () => {
    await switchTo(BOB_MEMBER.accountId);
    assert.equal(await page.locator('text=Manage apps').count(), 0, 'Jira settings are hidden from non-admins');
    await page.click('text=Two-step verification');
    const frame = page.frameLocator('#sbx-app-iframe');
    // The page shows the user's status once its call to /api/v1/me (with the context token) answered.
    await frame.locator('[data-two-step][data-state=off]').waitFor();
    await screenshot(page, 'foundation-03-user-page-as-member');

    await page.goto(`${app.baseUrl}/sandbox/plugins/servlet/ac/io.twofold.jira/twofold-admin-policy`);
    await frame.locator('h1').waitFor();
    assert.equal(await frame.locator('h1').textContent(), 'Not allowed');
    await screenshot(page, 'foundation-04-admin-page-refused-for-member');
    await page.goto(`${app.baseUrl}/sandbox/plugins/servlet/ac/io.twofold.jira/twofold-my-verification`);
    await frame.locator('[data-two-step][data-state=off]').waitFor();
  });

  it("gives framed pages the host's AP: request, flag and navigator", async () => {
    const frame = page.frames().find((f) => f.url().includes('/pages/my/two-step'))!;
    const me = await frame.evaluate(async () => {
      const AP = (globalThis as unknown as { AP: { request(o: object): Promise<{ body: string }> } }).AP;
      return JSON.parse((await AP.request({ url: '/rest/api/3/myself' })).body) as { accountId: string };
    });
    assert.equal(me.accountId, BOB_MEMBER.accountId, 'AP.request runs as the signed-in user');

    await frame.evaluate(() =>
      (globalThis as unknown as { AP: { flag: { create(o: object): void } } }).AP.flag.create({
        title: 'Saved',
        body: 'Your settings were saved.',
        type: 'success',
      }),
    );
    await page.locator('.sbx-flag--success', { hasText: 'Your settings were saved.' }).waitFor();

    await Promise.all([
      page.waitForURL(/twofold-verify$/),
      frame.evaluate(() =>
        (globalThis as unknown as { AP: { navigator: { go(t: string, c: object): void } } }).AP.navigator.go('addonmodule', { moduleKey: 'twofold-verify' }),
      ),
    ]);
  });

  it('works at phone width', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${app.baseUrl}/sandbox/plugins/servlet/ac/io.twofold.jira/twofold-my-verification`);
    const frame = page.frameLocator('#sbx-app-iframe');
    await frame.locator('[data-two-step][data-state=off]').waitFor();
    const overflow = await frame.locator('body').evaluate((body) => body.scrollWidth > body.clientWidth + 1);
    assert.equal(overflow, false, 'no horizontal scrolling at 390 px');
    await screenshot(page, 'foundation-05-user-page-phone');
  });
});
