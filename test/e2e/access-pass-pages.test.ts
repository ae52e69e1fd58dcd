import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, FrameLocator, Page } from 'playwright-core';
import { timeStepAt, totpAtStep } from '../../src/domain/mfa/totp';
import type { FixedClock } from '../../src/domain/ports/clock';
import { SCREENSHOT_DIR, screenshot, skipWithoutChromium } from '../support/browser';
import { startInstalledAppInChromium, type InstalledAppInChromium } from '../support/installed-app-in-chromium';
import { laneAvailable } from '../support/lanes';
import { steppedClock } from '../support/stepped-clock';
import { ALICE_ADMIN, BOB_MEMBER, type TestApp } from '../support/test-app';
import { enroll, type Enrolled } from '../integration/mfa/support';

/**
 * The access pass in Chromium with two pages (issue 11): Bob's computer, the sandbox Jira framing
 * Twofold's pages, and Bob's phone, a phone-sized page of the companion app at /companion. The
 * computer verifies with a code, pairs the phone with the QR code's URL, asks "Approve on my phone";
 * the phone shows four symbols and the one the computer shows is tapped; the computer's Verify page
 * turns to "You're verified" by itself.
 */
describe('"Approve on my phone" in Chromium: the Verify page and the companion app', function () {
  this.timeout(120_000);
  let started: InstalledAppInChromium<FixedClock>;
  let page: Page;
  let app: TestApp;
  let clock: FixedClock;
  let bob: Enrolled;
  let phoneContext: BrowserContext;
  let phone: Page;
  let pairingUrl: string;

  before(async function () {
    skipWithoutChromium(this);
    started = await startInstalledAppInChromium({ clock: steppedClock() });
    ({ app, clock, page } = started);
    bob = await enroll(app, clock, BOB_MEMBER.accountId);
    await page.goto(`${app.baseUrl}/`);
    await Promise.all([page.waitForNavigation(), page.selectOption('#sbx-user', BOB_MEMBER.accountId)]);
    phoneContext = await started.browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    phone = await phoneContext.newPage();
  });
  after(async () => {
    await phoneContext?.close();
    await started?.stop();
  });

  async function open(moduleKey: 'twofold-my-verification' | 'twofold-verify'): Promise<FrameLocator> {
    await page.goto(`${app.baseUrl}/sandbox/plugins/servlet/ac/io.twofold.jira/${moduleKey}`);
    const frame = page.frameLocator('#sbx-app-iframe');
    await frame.locator(moduleKey === 'twofold-verify' ? '[data-verify][data-state="ready"]' : '[data-two-step]:not([data-state="loading"])').waitFor();
    return frame;
  }

  it('verifies this browser with a code, then pairs the phone from the QR code on the Two-step verification page', async () => {
    let frame = await open('twofold-verify');
    clock.advance(30_000);
    await frame.locator('[data-testid=verify-code]').fill(totpAtStep(bob.secret, timeStepAt(clock.now(), bob.params.period), bob.params));
    await frame.locator('[data-testid=verify-submit]').click();
    await frame.locator('[data-verify][data-state="success"]').waitFor();

    frame = await open('twofold-my-verification');
    await frame.locator('[data-phones]:not([hidden])').waitFor();
    assert.equal(await frame.locator('[data-phones-none]').isVisible(), true);
    await frame.locator('[data-testid=pair-phone]').click();
    await frame.locator('[data-pairing]:not([hidden])').waitFor();
    pairingUrl = (await frame.locator('[data-testid=pairing-link]').getAttribute('href')) ?? '';
    assert.match(pairingUrl, new RegExp(`^${app.baseUrl}/companion#pair=[A-Za-z0-9_-]{43}$`));
    const qr = (await frame.locator('[data-field="pairing-qr"]').getAttribute('src')) ?? '';
    if (laneAvailable('zbarimg')) {
      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      const file = join(SCREENSHOT_DIR, 'access-pass-pairing-qr.png');
      writeFileSync(file, Buffer.from(qr.replace(/^data:image\/png;base64,/, ''), 'base64'));
      assert.equal(execFileSync('zbarimg', ['--raw', '-q', file], { encoding: 'utf8' }).trim(), pairingUrl, 'the QR code holds the pairing URL');
    }
    await screenshot(page, 'access-pass-01-pairing-qr');

    await phone.goto(pairingUrl);
    await phone.locator('[data-app][data-state="pair"]').waitFor();
    await screenshot(phone, 'access-pass-02-phone-pair');
    await phone.locator('[data-testid=device-name]').fill('Bob’s phone');
    await phone.locator('[data-testid=pair]').click();
    await phone.locator('[data-app][data-state="requests"]').waitFor();
    assert.equal(new URL(phone.url()).hash, '', 'the spent token is taken out of the address bar');
    // The page's own IndexedDB, read in the page (a string: this project compiles without the DOM library).
    const stored = await phone.evaluate(`new Promise((resolve, reject) => {
      const open = indexedDB.open('twofold-companion', 1);
      open.onsuccess = () => {
        const get = open.result.transaction('device').objectStore('device').get('current');
        get.onsuccess = () => resolve({ extractable: get.result.keys.privateKey.extractable, algorithm: get.result.keys.privateKey.algorithm.namedCurve });
        get.onerror = () => reject(get.error);
      };
    })`);
    assert.deepEqual(stored, { extractable: false, algorithm: 'P-256' }, 'a non-extractable P-256 key kept in IndexedDB');
    // Installable: a manifest with icons, and a service worker controlling /companion.
    const installable = await phone.evaluate(`Promise.all([
      fetch(document.querySelector('link[rel=manifest]').href).then((r) => r.json()),
      navigator.serviceWorker.ready.then((registration) => registration.scope),
    ]).then(([manifest, scope]) => ({ display: manifest.display, start: manifest.start_url, icons: manifest.icons.map((icon) => icon.sizes), scope }))`);
    assert.deepEqual(installable, { display: 'standalone', start: '/companion', icons: ['192x192', '512x512'], scope: `${app.baseUrl}/companion` });
    await screenshot(phone, 'access-pass-03-phone-paired');

    // The computer's list shows the phone once it paired.
    await frame.locator('[data-phones-list] tr', { hasText: 'Bob’s phone' }).waitFor();
    await screenshot(page, 'access-pass-04-phones-listed');
  });

  it('approves a sign-in by tapping on the phone the symbol the Verify page shows', async () => {
    const frame = await open('twofold-verify');
    await frame.locator('[data-access-pass]:not([hidden])').waitFor();
    await frame.locator('[data-testid=access-pass-start]').click();
    const symbol = frame.locator('[data-testid=access-pass-symbol][data-symbol]');
    await symbol.waitFor();
    const symbolId = (await symbol.getAttribute('data-symbol')) ?? '';
    assert.ok((await symbol.locator('svg').count()) === 1 && ((await symbol.textContent()) ?? '').trim().length > 0, 'drawn and named');
    await screenshot(page, 'access-pass-05-verify-symbol');

    const request = phone.locator('.c-request');
    await request.waitFor();
    assert.equal(await request.locator('.c-symbol').count(), 4);
    assert.match((await request.locator('[data-field="site"]').textContent()) ?? '', /\/sandbox/);
    await screenshot(phone, 'access-pass-06-phone-request');
    await request.locator(`.c-symbol[data-symbol="${symbolId}"]`).tap();
    await phone.locator('.c-banner--success').waitFor();
    await screenshot(phone, 'access-pass-07-phone-approved');

    await frame.locator('[data-verify][data-state="success"]').waitFor();
    assert.match((await frame.locator('[data-field="until"]').textContent()) ?? '', /verified in this browser until/);
    await screenshot(page, 'access-pass-08-verified');
  });

  it('refuses a wrong symbol on the phone, and the Verify page says so', async () => {
    const frame = await open('twofold-verify');
    await frame.locator('[data-access-pass]:not([hidden])').waitFor();
    await frame.locator('[data-testid=access-pass-start]').click();
    const symbolId = (await frame.locator('[data-testid=access-pass-symbol][data-symbol]').getAttribute('data-symbol')) ?? '';
    const request = phone.locator('.c-request');
    await request.waitFor();
    await request.locator(`.c-symbol:not([data-symbol="${symbolId}"])`).first().tap();
    await phone.locator('.c-banner--error').waitFor();
    await screenshot(phone, 'access-pass-09-phone-wrong-symbol');
    await frame.locator('[data-field="access-pass-status"]', { hasText: 'denied' }).waitFor();
    assert.equal(await frame.locator('[data-verify]').getAttribute('data-state'), 'ready');
    await screenshot(page, 'access-pass-10-verify-denied');
  });

  it('shows the admin the phone on the Users page, and the phone stops working once the admin removes it', async () => {
    await Promise.all([page.waitForNavigation(), page.selectOption('#sbx-user', ALICE_ADMIN.accountId)]);
    await page.goto(`${app.baseUrl}/sandbox/plugins/servlet/ac/io.twofold.jira/twofold-admin-users`);
    const frame = page.frameLocator('#sbx-app-iframe');
    await frame.locator('[data-users][data-state=ready]').waitFor();
    const row = frame.locator(`tr[data-account-id="${BOB_MEMBER.accountId}"]`);
    await row.locator('[data-action="phones"]').click();
    const listed = frame.locator('[data-cell="phones-list"] tr', { hasText: 'Bob’s phone' });
    await listed.waitFor();
    await screenshot(page, 'access-pass-11-admin-phones');
    await listed.locator('button').click();
    await frame.locator('[data-cell="phones-none"]:not([hidden])').waitFor();
    await phone.locator('[data-app][data-state="unpaired"]').waitFor();
    await screenshot(phone, 'access-pass-12-phone-removed');
  });
});
