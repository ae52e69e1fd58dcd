import assert from 'node:assert/strict';
import type { FrameLocator, Page } from 'playwright-core';
import type { TotpParameters } from '../../src/domain/mfa/otp-parameters';
import { decodeBase32 } from '../../src/domain/mfa/secret-encoding';
import { timeStepAt, totpAtStep } from '../../src/domain/mfa/totp';
import type { FixedClock } from '../../src/domain/ports/clock';
import { screenshot, skipWithoutChromium } from '../support/browser';
import { startInstalledAppInChromium, type InstalledAppInChromium } from '../support/installed-app-in-chromium';
import { steppedClock } from '../support/stepped-clock';
import { BOB_MEMBER, type TestApp } from '../support/test-app';

const PARAMS: TotpParameters = { algorithm: 'SHA1', digits: 6, period: 30 };
const CAROL = '5b10ac8d82e05b22cc7d4e3c';

/**
 * The end user's pages in Chromium, framed by the sandbox Jira: set up two-step verification (QR,
 * keys, confirm with a code computed here from the key the page shows), the backup codes shown once
 * behind "I wrote them down", then "Verify it's you" with a wrong, a reused and a right code, a
 * backup code, a lockout, removal with step-up, and the same pages at phone width.
 *
 * The app runs on a frozen clock (near real time, two seconds into a minute), and the codes are
 * computed from that clock: which code is current, reused or fresh then never depends on how long
 * the browser takes.
 */
describe('Two-step verification and "Verify it\'s you" pages in Chromium', function () {
  this.timeout(90_000);
  let started: InstalledAppInChromium<FixedClock>;
  let page: Page;
  let app: TestApp;
  let secret: Buffer;
  let confirmedStep: number;
  let backupCodes: string[];
  let clock: FixedClock;

  before(async function () {
    skipWithoutChromium(this);
    started = await startInstalledAppInChromium({ clock: steppedClock() });
    ({ app, clock, page } = started);
    await page.goto(`${app.baseUrl}/`);
    await switchTo(BOB_MEMBER.accountId);
  });
  after(() => started?.stop());

  async function switchTo(accountId: string): Promise<void> {
    await Promise.all([page.waitForNavigation(), page.selectOption('#sbx-user', accountId)]);
  }
  async function open(moduleKey: 'twofold-my-verification' | 'twofold-verify', state?: string): Promise<FrameLocator> {
    await page.goto(`${app.baseUrl}/sandbox/plugins/servlet/ac/io.twofold.jira/${moduleKey}`);
    const frame = page.frameLocator('#sbx-app-iframe');
    const root = moduleKey === 'twofold-verify' ? '[data-verify]' : '[data-two-step]';
    await frame.locator(state ? `${root}[data-state="${state}"]` : `${root}:not([data-state="loading"])`).waitFor();
    return frame;
  }
  const codeAt = (step: number) => totpAtStep(secret, step, PARAMS);
  const currentStep = () => timeStepAt(clock.now(), PARAMS.period);

  it('shows that two-step verification is off, and sets it up with a code from the key on the page', async () => {
    const frame = await open('twofold-my-verification', 'off');
    assert.equal(await frame.locator('[data-section="off"] [data-testid=status-lozenge]').textContent(), 'Off');
    // What it protects, truly: Twofold's own pages and settings, not Jira Cloud's login (the gate guards Data Center sites).
    const promise = (await frame.locator('[data-section="off"]').textContent()) ?? '';
    assert.doesNotMatch(promise, /Jira will ask/i);
    // Only a sentence about a Data Center site behind the gate may speak of a code after the password.
    for (const sentence of promise.split(/(?<=\.)\s+/)) {
      if (/after your password/i.test(sentence)) assert.match(sentence, /Data Center site .*behind Twofold's gate/);
    }
    assert.match((await frame.locator('[data-testid=what-it-protects]').textContent()) ?? '', /own pages and settings/);
    assert.match(promise, /On Jira Cloud, Twofold guards its own pages and settings only/);
    await screenshot(page, 'two-step-01-off');

    await frame.locator('[data-action="start"]').click();
    await frame.locator('[data-two-step][data-state="setup"]').waitFor();
    const qr = await frame.locator('[data-field="qr"]').getAttribute('src');
    assert.match(qr ?? '', /^data:image\/png;base64,/);
    assert.match((await frame.locator('[data-testid=secret-hex]').textContent()) ?? '', /^[0-9a-f]{40}$/);
    const grouped = (await frame.locator('[data-testid=secret-base32]').textContent()) ?? '';
    assert.match(grouped, /^([A-Z2-7]{4} )+[A-Z2-7]{1,4}$/, 'base32 in groups of four for typing');
    assert.equal(await frame.locator('[data-field="label"]').textContent(), BOB_MEMBER.emailAddress);
    await screenshot(page, 'two-step-02-setup-qr-and-keys');

    const decoded = decodeBase32(grouped);
    assert.ok(decoded.ok);
    secret = decoded.bytes;
    await frame.locator('[data-testid=confirm-code]').fill('000000');
    await frame.locator('[data-form="confirm"] [type=submit]').click();
    await frame.locator('[data-error="confirm"]:not([hidden])').waitFor();
    await screenshot(page, 'two-step-03-setup-wrong-code');

    confirmedStep = currentStep();
    await frame.locator('[data-testid=confirm-code]').fill(codeAt(confirmedStep));
    await frame.locator('[data-form="confirm"] [type=submit]').click();
    await frame.locator('[data-two-step][data-state="codes"]').waitFor();
  });

  it('shows the backup codes once, and finishes only after "I wrote them down"', async () => {
    const frame = page.frameLocator('#sbx-app-iframe');
    backupCodes = await frame.locator('[data-testid=backup-codes] li').allTextContents();
    assert.equal(backupCodes.length, 10);
    for (const code of backupCodes) assert.match(code, /^[2-9A-HJKMNP-TV-Z]{5}-[2-9A-HJKMNP-TV-Z]{5}$/);
    assert.equal(await frame.locator('[data-action="finish"]').isDisabled(), true);
    assert.equal(await frame.locator('[data-testid=secret-base32]').textContent(), '', 'the key is gone from the page');
    await screenshot(page, 'two-step-04-backup-codes');
    await frame.locator('[data-testid=ack]').check();
    await frame.locator('[data-action="finish"]').click();
    await frame.locator('[data-two-step][data-state="on"]').waitFor();
    assert.equal(await frame.locator('[data-section="on"] [data-testid=status-lozenge]').textContent(), 'On');
    assert.match((await frame.locator('[data-testid=codes-left]').textContent()) ?? '', /^10 codes left/);
    await screenshot(page, 'two-step-05-on');
  });

  it('"Verify it\'s you" says why a wrong or a reused code is refused, and accepts a fresh one', async () => {
    const frame = await open('twofold-verify');
    const message = frame.locator('[data-message]');
    assert.match((await frame.locator('[data-testid=lost-both]').textContent()) ?? '', /Ask your Jira administrator to reset your two-step verification/);
    await frame.locator('[data-field="hint"]:text("The 6-digit code changes every 30 seconds.")').waitFor();

    await frame.locator('[data-testid=verify-code]').fill('12345');
    await frame.locator('[data-testid=verify-submit]').click();
    await frame.locator('[data-message][data-code="invalid_request"]').waitFor();
    assert.match((await message.textContent()) ?? '', /Type the 6-digit code/);

    await frame.locator('[data-testid=verify-code]').fill('123456' === codeAt(currentStep()) ? '654321' : '123456');
    await frame.locator('[data-testid=verify-submit]').click();
    await frame.locator('[data-message][data-code="invalid_code"]').waitFor();
    assert.match((await message.textContent()) ?? '', /not right.*4 attempts left/s);
    assert.equal(await frame.locator('[data-testid=verify-code]').inputValue(), '', 'the wrong code is cleared');
    assert.equal(await frame.locator('[data-testid=verify-code]').evaluate((el) => el === el.ownerDocument.activeElement), true, 'and the input has the focus');
    await screenshot(page, 'verify-01-wrong-code');

    await frame.locator('[data-testid=verify-code]').fill(codeAt(confirmedStep));
    await frame.locator('[data-testid=verify-submit]').click();
    await frame.locator('[data-message][data-code="code_reused"]').waitFor();
    assert.match((await message.textContent()) ?? '', /already used/);
    await screenshot(page, 'verify-02-code-reused');

    await frame.locator('[data-testid=verify-code]').fill(codeAt(Math.max(currentStep(), confirmedStep) + 1));
    await frame.locator('[data-testid=verify-submit]').click();
    await frame.locator('[data-verify][data-state="success"]').waitFor();
    assert.match((await frame.locator('[data-field="until"]').textContent()) ?? '', /verified in this browser until/);
    await screenshot(page, 'verify-03-success');
  });

  it('accepts a backup code once', async () => {
    let frame = await open('twofold-verify');
    await frame.locator('[data-action="toggle-backup"]').click();
    await frame.locator('[data-testid=verify-code]').fill(backupCodes[0]!.toLowerCase());
    await screenshot(page, 'verify-04-backup-code-mode');
    await frame.locator('[data-testid=verify-submit]').click();
    await frame.locator('[data-verify][data-state="success"]').waitFor();
    assert.match((await frame.locator('[data-field="until"]').textContent()) ?? '', /9 backup codes left/);
    await screenshot(page, 'verify-04b-backup-code-codes-left');

    frame = await open('twofold-verify');
    await frame.locator('[data-action="toggle-backup"]').click();
    await frame.locator('[data-testid=verify-code]').fill(backupCodes[0]!);
    await frame.locator('[data-testid=verify-submit]').click();
    await frame.locator('[data-message][data-code="code_reused"]').waitFor();
  });

  it('a verification in one browser does not verify another browser of the same user', async () => {
    const frame = await open('twofold-my-verification', 'on');
    assert.match((await frame.locator('[data-field="verified"]').textContent()) ?? '', /^In this browser until/);

    // A second browser (its own cookies and storage), signed in to Jira as the same user.
    const other = await started.browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const second = await other.newPage();
      await second.goto(`${app.baseUrl}/`);
      await Promise.all([second.waitForNavigation(), second.selectOption('#sbx-user', BOB_MEMBER.accountId)]);
      await second.goto(`${app.baseUrl}/sandbox/plugins/servlet/ac/io.twofold.jira/twofold-my-verification`);
      const secondFrame = second.frameLocator('#sbx-app-iframe');
      await secondFrame.locator('[data-two-step][data-state="on"]').waitFor();
      assert.equal(await secondFrame.locator('[data-field="verified"]').textContent(), 'Not verified in this browser');
      await screenshot(second, 'two-step-06-second-browser-not-verified');
      const me = await secondFrame
        .locator('body')
        .evaluate(() =>
          (globalThis as unknown as { Twofold: { api: { get(path: string): Promise<{ verifiedUntil: string | null }> } } }).Twofold.api.get('/api/v1/me'),
        );
      assert.equal(me.verifiedUntil, null, 'the API agrees: this browser holds no session');
    } finally {
      await other.close();
    }
    assert.match(
      (await (await open('twofold-my-verification', 'on')).locator('[data-field="verified"]').textContent()) ?? '',
      /^In this browser until/,
      'the first browser stays verified',
    );
  });

  it('"Generate new codes" asks to confirm, says the old codes stop working, and takes a code', async () => {
    const frame = await open('twofold-my-verification', 'on');
    assert.match((await frame.locator('[data-testid=codes-left]').textContent()) ?? '', /^9 codes left/);
    await frame.locator('[data-action="regenerate"]').click();
    await frame.locator('[data-two-step][data-state="regenerate-confirm"]').waitFor();
    assert.match((await frame.locator('[data-section="regenerate-confirm"]').textContent()) ?? '', /current backup codes stop working/);
    await screenshot(page, 'two-step-07-regenerate-confirm');
    clock.advance(60_000);
    await frame.locator('[data-testid=regenerate-code]').fill('000000' === codeAt(currentStep()) ? '111111' : '000000');
    await frame.locator('[data-form="regenerate"] [type=submit]').click();
    await frame.locator('[data-error="regenerate"]:not([hidden])').waitFor();
    assert.equal(await frame.locator('[data-testid=regenerate-code]').inputValue(), '', 'a wrong code does not stay in the field');
    await screenshot(page, 'two-step-08-regenerate-wrong-code');
    await frame.locator('[data-testid=regenerate-code]').fill(codeAt(currentStep()));
    await frame.locator('[data-form="regenerate"] [type=submit]').click();
    await frame.locator('[data-two-step][data-state="codes"]').waitFor();
    const fresh = await frame.locator('[data-testid=backup-codes] li').allTextContents();
    assert.equal(fresh.length, 10);
    assert.equal(
      fresh.some((code) => backupCodes.includes(code)),
      false,
    );
    backupCodes = fresh;
    await frame.locator('[data-testid=ack]').check();
    await frame.locator('[data-action="finish"]').click();
    await frame.locator('[data-two-step][data-state="on"]').waitFor();
    assert.match((await frame.locator('[data-testid=codes-left]').textContent()) ?? '', /^10 codes left/);
  });

  it('removes two-step verification with a code entered for it', async () => {
    const frame = await open('twofold-my-verification', 'on');
    await frame.locator('[data-action="remove"]').click();
    await frame.locator('[data-two-step][data-state="remove-confirm"]').waitFor();
    await frame.locator('[data-testid=remove-code]').fill(backupCodes[1]!);
    await screenshot(page, 'two-step-09-remove-confirm-with-code');
    await frame.locator('[data-form="remove"] [type=submit]').click();
    await frame.locator('[data-two-step][data-state="off"]').waitFor();
    assert.match((await frame.locator('[data-flash]').textContent()) ?? '', /off/);
  });

  it('tells a locked-out user how long to wait', async () => {
    await switchTo(CAROL);
    const token = app.contextToken(CAROL);
    const started = await app.request('POST', '/api/v1/me/totp', { token, body: {} });
    const carolSecret = (decodeBase32(started.json().secretBase32) as { bytes: Buffer }).bytes;
    const confirm = await app.request('POST', '/api/v1/me/totp/confirm', { token, body: { code: totpAtStep(carolSecret, currentStep(), PARAMS) } });
    assert.equal(confirm.status, 200);

    const frame = await open('twofold-verify');
    for (let attempt = 0; attempt < 5; attempt += 1) {
      await frame.locator('[data-testid=verify-code]').fill('000000' === totpAtStep(carolSecret, currentStep(), PARAMS) ? '111111' : '000000');
      await frame.locator('[data-testid=verify-submit]').click();
      await frame.locator(`[data-message][data-code="${attempt < 4 ? 'invalid_code' : 'locked_out'}"]`).waitFor();
    }
    assert.match((await frame.locator('[data-message]').textContent()) ?? '', /Try again in \d{1,2} min .* \(at (?:\w{3} \d{1,2}, \d{4}, )?\d{1,2}:\d{2}/);
    assert.equal(await frame.locator('[data-testid=verify-submit]').isDisabled(), true);
    await screenshot(page, 'verify-05-locked-out');
  });

  it('opened while locked out, "Verify it\'s you" shows the lockout and its end on load, and gives the form back when it ends', async () => {
    // Carol is locked out (the test before) and verified when she set up: the page must not say "verified until".
    let frame = await open('twofold-verify');
    await frame.locator('[data-message][data-code="locked_out"]').waitFor();
    assert.match((await frame.locator('[data-message]').textContent()) ?? '', /Try again in \d{1,2} min .* \(at (?:\w{3} \d{1,2}, \d{4}, )?\d{1,2}:\d{2}/);
    assert.equal(await frame.locator('[data-testid=verify-submit]').isDisabled(), true);
    assert.equal(await frame.locator('[data-testid=verify-code]').isDisabled(), true);
    assert.equal(await frame.locator('[data-field="session"]').isVisible(), false, 'no "You are verified until…" while locked out');
    await screenshot(page, 'verify-07-locked-out-on-load');

    // The lockout ends 3 s from now in the browser's time; the app's frozen clock is set just before now
    // (earlier tests moved it on), so the lockout still holds there, and is put back afterwards.
    const appTime = clock.now();
    clock.set(new Date(Date.now() - 1000));
    await app.twofold.database.sequelize.query('UPDATE failure_counters SET locked_until_ms = :until WHERE account_id = :account', {
      replacements: { until: Date.now() + 3000, account: CAROL },
    });
    frame = await open('twofold-verify');
    await frame.locator('[data-message][data-code="locked_out"]').waitFor();
    assert.match((await frame.locator('[data-message]').textContent()) ?? '', /Try again in [1-3] s/);
    await frame.locator('[data-message][data-code="unlocked"]').waitFor({ timeout: 6000 });
    assert.equal(await frame.locator('[data-testid=verify-submit]').isDisabled(), false);
    assert.equal(await frame.locator('[data-testid=verify-code]').isDisabled(), false);
    await screenshot(page, 'verify-08-lockout-ended');
    clock.set(appTime);
  });

  it('works at phone width (390 px)', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await switchTo(BOB_MEMBER.accountId);
    let frame = await open('twofold-my-verification', 'off');
    await frame.locator('[data-action="start"]').click();
    await frame.locator('[data-two-step][data-state="setup"]').waitFor();
    const overflow = async () => frame.locator('body').evaluate((body) => body.scrollWidth > body.clientWidth + 1);
    assert.equal(await overflow(), false, 'no horizontal scrolling at 390 px');
    await screenshot(page, 'two-step-08-setup-phone');

    const dave = '5b10ac8d82e05b22cc7d4e4d';
    const token = app.contextToken(dave);
    const started = await app.request('POST', '/api/v1/me/totp', { token, body: { algorithm: 'SHA256', digits: 8, period: 60 } });
    const daveSecret = (decodeBase32(started.json().secretBase32) as { bytes: Buffer }).bytes;
    const daveParams: TotpParameters = { algorithm: 'SHA256', digits: 8, period: 60 };
    const confirmed = await app.request('POST', '/api/v1/me/totp/confirm', {
      token,
      body: { code: totpAtStep(daveSecret, timeStepAt(clock.now(), 60), daveParams) },
    });
    assert.equal(confirmed.status, 200);
    await switchTo(dave);
    frame = await open('twofold-verify');
    await frame.locator('[data-field="hint"]:text("The 8-digit code changes every 60 seconds.")').waitFor();
    await frame
      .locator('[data-testid=verify-code]')
      .fill('12345678' === totpAtStep(daveSecret, timeStepAt(clock.now(), 60), daveParams) ? '87654321' : '12345678');
    await frame.locator('[data-testid=verify-submit]').click();
    await frame.locator('[data-message][data-code="invalid_code"]').waitFor();
    assert.equal(await overflow(), false, 'no horizontal scrolling at 390 px');
    await screenshot(page, 'verify-06-phone-wrong-code');
  });
});
