import assert from 'node:assert/strict';
import type { FrameLocator, Page } from 'playwright-core';
import { connectAndEnforce, DC_GROUPS, DC_USERS, admin } from '../integration/gate/gate-support';
import { screenshotWithNewestFlag, skipWithoutChromium } from '../support/browser';
import { FakeDataCenter } from '../support/fake-data-center';
import { startInstalledAppInChromium, type InstalledAppInChromium } from '../support/installed-app-in-chromium';
import type { TestApp } from '../support/test-app';

/**
 * The "Data Center gate" admin page in Chromium, framed by the sandbox Jira: refused before the
 * connector is connected; then a gate is created, its nginx snippet (with the key, shown this once)
 * is on the page with a copy button, the list never shows a key, and revoking removes the gate.
 */
describe('Data Center gate admin page in Chromium', function () {
  this.timeout(90_000);
  let started: InstalledAppInChromium<undefined>;
  let page: Page;
  let frame: FrameLocator;
  let app: TestApp;
  let dc: FakeDataCenter;

  before(async function () {
    skipWithoutChromium(this);
    started = await startInstalledAppInChromium({});
    ({ app, page, frame } = started);
    dc = await FakeDataCenter.start({ users: DC_USERS, groups: DC_GROUPS });
  });
  after(async () => {
    await dc?.close();
    await started?.stop();
  });

  const open = async () => {
    await page.goto(`${app.baseUrl}/sandbox/plugins/servlet/ac/io.twofold.jira/twofold-admin-gate`);
    await frame.locator('[data-gates][data-state=ready]').waitFor();
  };

  it('asks for a connected Data Center first', async () => {
    await open();
    assert.equal(await frame.locator('h1').textContent(), 'Data Center gate');
    await frame.locator('[data-testid="gate-name"]').fill('Jira DC');
    await frame.locator('[data-testid="create-gate"]').click();
    await frame.locator('[data-result="create"][data-error-code="connector_not_ready"]').waitFor();
    await screenshotWithNewestFlag(page, 'admin-gate-01-connector-not-ready');
  });

  it('creates a gate and shows its nginx snippet once, with a copy button; revokes it', async () => {
    await connectAndEnforce(app, dc.baseUrl);
    await open();
    await frame.locator('[data-testid="gate-name"]').fill('Jira DC behind nginx');
    await frame.locator('[data-testid="create-gate"]').click();
    const snippet = frame.locator('[data-testid="nginx-snippet"]');
    await snippet.waitFor();
    const text = (await snippet.textContent()) ?? '';
    const key = /tfg_[A-Za-z0-9_-]{43}/.exec(text)?.[0];
    assert.ok(key, 'the snippet carries the key');
    assert.ok(text.includes(`proxy_pass ${dc.baseUrl};`));
    await frame.locator('tr[data-gate]').first().waitFor();
    assert.equal(await frame.locator('tr[data-gate]').count(), 1);
    assert.ok(!((await frame.locator('[data-testid="gates"]').textContent()) ?? '').includes(key));
    await frame.locator('[data-testid="copy-snippet"]').click();
    await screenshotWithNewestFlag(page, 'admin-gate-02-created');

    const list = await admin(app, 'GET', '/api/v1/admin/gates');
    assert.ok(!list.text.includes(key));

    page.once('dialog', (dialog) => void dialog.accept());
    await frame.locator('[data-action="revoke"]').click();
    await frame.locator('[data-field="empty"]:not([hidden])').waitFor();
    assert.equal((await admin(app, 'GET', '/api/v1/admin/gates')).json().gates.length, 0);
    await screenshotWithNewestFlag(page, 'admin-gate-03-revoked');
  });

  it("the policy page sets the gate's Basic-auth handling, grace periods, self-enrollment and proxies", async () => {
    await page.goto(`${app.baseUrl}/sandbox/plugins/servlet/ac/io.twofold.jira/twofold-admin-policy`);
    await frame.locator('[data-policy][data-state=ready]').waitFor();
    const input = (name: string) => frame.locator(`[data-field="${name}"]`);
    assert.equal(await input('gate.basicAuth').inputValue(), 'approve');
    await input('gate.basicAuth').selectOption('block');
    await input('gate.readGraceMinutes').fill('10');
    await frame.locator('[data-action=save]').click();
    await frame.locator('[data-error="gate.readGraceMinutes"]:not([hidden])').waitFor();
    await input('gate.readGraceMinutes').fill('120');
    await input('gate.selfEnrollment').uncheck();
    await input('gate.trustedProxies').fill('127.0.0.1/32\n10.1.0.0/16');
    await frame.locator('[data-action=save]').click();
    await frame.locator('[data-result=save][data-kind=success]').waitFor();
    await screenshotWithNewestFlag(page, 'admin-gate-04-policy');
    const saved = (await admin(app, 'GET', '/api/v1/admin/policy')).json().gate;
    assert.deepEqual(saved, {
      basicAuth: 'block',
      readGraceMinutes: 120,
      writeGraceMinutes: 60,
      trustedProxies: ['127.0.0.1/32', '10.1.0.0/16'],
      selfEnrollment: false,
    });
  });
});
