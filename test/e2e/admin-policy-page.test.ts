import assert from 'node:assert/strict';
import type { FrameLocator, Page } from 'playwright-core';
import { screenshotWithNewestFlag, skipWithoutChromium } from '../support/browser';
import { startInstalledAppInChromium, type InstalledAppInChromium } from '../support/installed-app-in-chromium';
import { ALICE_ADMIN, type TestApp } from '../support/test-app';

/**
 * The "Two-step verification policy" admin page in Chromium, framed by the sandbox Jira site: the
 * form shows the tenant's policy, a bad value is named next to its field (and nothing is saved), a
 * good change is saved whole and reported with a flag, and the page works at phone width.
 */
describe('Policy admin page in Chromium', function () {
  this.timeout(90_000);
  let started: InstalledAppInChromium;
  let page: Page;
  let frame: FrameLocator;
  let app: TestApp;

  before(async function () {
    skipWithoutChromium(this);
    started = await startInstalledAppInChromium();
    ({ app, page, frame } = started);
  });
  after(() => started?.stop());

  const openPage = async () => {
    await page.goto(`${app.baseUrl}/sandbox/plugins/servlet/ac/io.twofold.jira/twofold-admin-policy`);
    await frame.locator('[data-policy][data-state=ready]').waitFor();
  };
  const policy = async () => (await app.request('GET', '/api/v1/admin/policy', { token: app.contextToken(ALICE_ADMIN.accountId) })).json();
  const input = (path: string) => frame.locator(`[data-field="${path}"]`);
  const errorAt = (path: string) => frame.locator(`[data-error="${path}"]`);
  const shoot = (name: string) => screenshotWithNewestFlag(page, name);

  /** Scrolled to the end, the newest flag (over the window's bottom-left corner) covers neither the buttons nor the result. */
  const flagCoversNothing = async (shot: string) => {
    await page.evaluate('window.scrollTo(0, document.documentElement.scrollHeight)');
    const flagBox = await page.locator('.sbx-flag').last().boundingBox();
    for (const selector of ['[data-action=save]', '[data-action=discard]', '[data-result=save]']) {
      const box = await frame.locator(selector).boundingBox();
      assert.ok(flagBox && box, selector);
      const overlaps =
        box.x < flagBox.x + flagBox.width && flagBox.x < box.x + box.width && box.y < flagBox.y + flagBox.height && flagBox.y < box.y + box.height;
      assert.equal(overlaps, false, `the flag covers ${selector}`);
    }
    await page.screenshot({ path: `test-output/screenshots/${shot}.png` });
  };

  it("shows the site's policy, with the groups of the site and the ID pattern's result for the admin", async () => {
    await openPage();
    assert.equal(await frame.locator('h1').textContent(), 'Two-step verification policy');
    assert.equal(await input('idPattern').inputValue(), '%email%');
    assert.equal(await input('methods-totp').isChecked(), true);
    assert.equal(await input('methods-backup_codes').isChecked(), true);
    assert.equal(await input('totp.window').inputValue(), '1');
    assert.equal(await input('sessionTimeoutMinutes').inputValue(), '720');
    assert.equal(await input('branding.color').inputValue(), '#0c66e4');
    await frame.locator('[data-testid=id-preview]', { hasText: ALICE_ADMIN.emailAddress }).waitFor();
    await frame.locator('[data-add-group="developers"]').waitFor();
    assert.equal(await frame.locator('[data-testid=unsaved]').isVisible(), false);
    // The words say what lockout.maxFailures does: the 5th wrong code locks (n - 1 leave a try).
    assert.equal(
      await frame.locator('[data-testid=lockout-hint]').textContent(),
      'The 5th wrong code within 15 minutes locks the user out for 15 minutes; after 4 wrong codes the right one still gets in.',
    );
    assert.doesNotMatch((await frame.locator('label[for=tf-max-failures]').textContent()) ?? '', /allowed/);

    await input('idPattern').fill('%emailLocalPart%@acme');
    await frame.locator('[data-testid=id-preview]', { hasText: 'alice@acme' }).waitFor();
    assert.equal(await frame.locator('[data-testid=unsaved]').isVisible(), true, 'an edit is flagged as unsaved');
    await shoot('admin-policy-01-form');
  });

  it('names each bad field next to its input, and saves nothing', async () => {
    const before = await policy();
    await frame.locator('[data-add-group="developers"]').click();
    assert.equal(await input('enforcedGroups').inputValue(), 'developers');
    await input('ipSafeZones').fill('10.0.0.0/8\n10.0.0.1/8');
    await input('lockout.maxFailures').fill('0');
    await input('branding.color').fill('blue');
    await frame.locator('[data-action=save]').click();

    await errorAt('ipSafeZones').and(frame.locator(':visible')).waitFor();
    assert.match((await errorAt('ipSafeZones').textContent()) ?? '', /“10\.0\.0\.1\/8” has host bits set; did you mean 10\.0\.0\.0\/8\?$/);
    assert.match((await errorAt('lockout.maxFailures').textContent()) ?? '', /whole number from 1 to 100/);
    assert.match((await errorAt('branding.color').textContent()) ?? '', /hex colour/);
    assert.equal(await errorAt('idPattern').isVisible(), false, 'good fields carry no error');
    assert.equal(await input('lockout.maxFailures').getAttribute('aria-invalid'), 'true');
    assert.match((await frame.locator('[data-field=invalid-summary]').textContent()) ?? '', /3 fields need a change/);
    await page.locator('.sbx-flag--error', { hasText: 'Policy not saved' }).waitFor();
    assert.deepEqual(await policy(), before, 'nothing was saved');
    await shoot('admin-policy-02-invalid-fields');
  });

  it('saves the whole form, says so with a flag, and shows the policy as saved', async () => {
    await input('ipSafeZones').fill('10.0.0.0/8\n192.168.1.7');
    await input('lockout.maxFailures').fill('3');
    await input('branding.color').fill('#FF5630');
    await input('branding.companyName').fill('Acme');
    await input('sessionTimeoutMinutes').fill('90');
    await input('totp.window').selectOption('2');
    await input('methods-backup_codes').uncheck();
    await input('methods-access_pass').uncheck();
    await input('accessPass.showSymbol').uncheck();
    await input('allowUserChosenId').check();
    await frame.locator('[data-action=save]').click();

    await frame.locator('[data-result=save][data-kind=success]').waitFor();
    await page.locator('.sbx-flag--success', { hasText: 'Policy saved.' }).waitFor();
    assert.equal(await page.locator('.sbx-flag', { hasText: 'Policy not saved' }).count(), 0, 'the new save flag replaced the failed one');
    assert.equal(await page.locator('.sbx-flag').count(), 1);
    assert.equal(
      await frame.locator('[data-testid=lockout-hint]').textContent(),
      'The 3rd wrong code within 15 minutes locks the user out for 15 minutes; after 2 wrong codes the right one still gets in.',
      'the words follow the numbers',
    );
    await flagCoversNothing('admin-policy-03b-flag-below-buttons');
    assert.equal(await errorAt('ipSafeZones').isVisible(), false, 'the old errors are gone');
    assert.equal(await frame.locator('[data-field=invalid-summary]').isVisible(), false);
    assert.equal(await frame.locator('[data-testid=unsaved]').isVisible(), false);
    assert.equal(await input('ipSafeZones').inputValue(), '10.0.0.0/8\n192.168.1.7/32', 'shown as Twofold normalised it');
    assert.equal(await input('branding.color').inputValue(), '#ff5630');

    const saved = await policy();
    assert.deepEqual(saved.enforcedGroups, ['developers']);
    assert.deepEqual(saved.ipSafeZones, ['10.0.0.0/8', '192.168.1.7/32']);
    assert.equal(saved.idPattern, '%emailLocalPart%@acme');
    assert.deepEqual(saved.methods, ['totp']);
    assert.deepEqual(saved.accessPass, { showSymbol: false });
    assert.equal(saved.allowUserChosenId, true);
    assert.equal(saved.sessionTimeoutMinutes, 90);
    assert.deepEqual(saved.totp, { algorithm: 'SHA1', digits: 6, period: 30, window: 2 });
    assert.deepEqual(saved.lockout, { maxFailures: 3, windowMinutes: 15, tenantMaxFailures: 100 });
    assert.deepEqual(saved.branding, { serviceName: 'Jira', companyName: 'Acme', color: '#ff5630' });
    await shoot('admin-policy-03-saved');

    await openPage();
    assert.equal(await input('idPattern').inputValue(), '%emailLocalPart%@acme', 'a fresh load shows the saved policy');
    assert.equal(await input('methods-backup_codes').isChecked(), false);
  });

  it('discards unsaved changes', async () => {
    await input('stepUpMinutes').fill('30');
    await frame.locator('[data-testid=unsaved]').waitFor();
    await frame.locator('[data-action=discard]').click();
    assert.equal(await input('stepUpMinutes').inputValue(), '5');
    assert.equal(await frame.locator('[data-testid=unsaved]').isVisible(), false);
  });

  it('works at phone width (390 px) without sideways scrolling', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await openPage();
    const overflow = await frame.locator('body').evaluate((body) => body.scrollWidth > body.clientWidth + 1);
    assert.equal(overflow, false, 'no horizontal scrolling at 390 px');
    await shoot('admin-policy-04-phone');
    await input('sessionTimeoutMinutes').fill('91');
    await frame.locator('[data-action=save]').click();
    await page.locator('.sbx-flag--success', { hasText: 'Policy saved.' }).waitFor();
    await flagCoversNothing('admin-policy-05-phone-flag-below-buttons');
  });
});
