import assert from 'node:assert/strict';
import type { FrameLocator, Page } from 'playwright-core';
import type { TotpParameters } from '../../src/domain/mfa/otp-parameters';
import { decodeBase32 } from '../../src/domain/mfa/secret-encoding';
import { timeStepAt, totpAtStep } from '../../src/domain/mfa/totp';
import type { FixedClock } from '../../src/domain/ports/clock';
import { screenshot, skipWithoutChromium } from '../support/browser';
import { startInstalledAppInChromium, type InstalledAppInChromium } from '../support/installed-app-in-chromium';
import { steppedClock } from '../support/stepped-clock';
import type { TestApp } from '../support/test-app';
import { USERS, enroll } from '../integration/mfa/support';

const PARAMS: TotpParameters = { algorithm: 'SHA1', digits: 6, period: 30 };

/**
 * Email codes and onboarding in Chromium, framed by the sandbox Jira, in development mode without
 * SMTP_URL: mail goes to the sandbox's outbox page, from which the test reads the code as a person
 * would. First "Verify it's you" with "Email me a code"; then onboarding as a required action: a
 * member of an enforced group with no factor opens the Verify page and gets the set-up instead (ID
 * chosen with the availability check, the email address confirmed, the QR enrollment), after which
 * the page they opened loads.
 */
describe('Email codes and onboarding in Chromium', function () {
  this.timeout(120_000);
  let started: InstalledAppInChromium<FixedClock>;
  let page: Page;
  let app: TestApp;
  let clock: FixedClock;

  const putPolicy = async (body: unknown) => {
    const response = await app.request('PUT', '/api/v1/admin/policy', { token: app.contextToken(USERS.alice), body });
    assert.equal(response.status, 200, response.text);
  };

  before(async function () {
    skipWithoutChromium(this);
    started = await startInstalledAppInChromium({ clock: steppedClock() });
    ({ app, clock, page } = started);
    await page.goto(`${app.baseUrl}/`);
  });
  after(() => started?.stop());

  async function switchTo(accountId: string): Promise<void> {
    await Promise.all([page.waitForNavigation(), page.selectOption('#sbx-user', accountId)]);
  }
  async function openVerify(): Promise<FrameLocator> {
    await page.goto(`${app.baseUrl}/sandbox/plugins/servlet/ac/io.twofold.jira/twofold-verify`);
    return page.frameLocator('#sbx-app-iframe');
  }
  /** The newest message in the sandbox's outbox page, read in a second tab as a person would. */
  async function codeFromOutbox(to: string, name: string): Promise<string> {
    const tab = await page.context().newPage();
    await tab.goto(`${app.baseUrl}/sandbox/outbox`);
    const newest = tab.locator('[data-testid=outbox-message]').first();
    assert.equal(await newest.locator('[data-field="to"]').textContent(), to);
    const text = (await newest.locator('[data-field="text"]').textContent()) ?? '';
    assert.doesNotMatch(text, /https?:/, 'no link in the email');
    await screenshot(tab, name);
    await tab.close();
    const match = /(\d{4}) (\d{4})/.exec(text);
    assert.ok(match, text);
    return `${match[1]}${match[2]}`;
  }

  it('the admin turns email codes on with the toggle on the policy page (off by default)', async () => {
    await switchTo(USERS.alice);
    await page.goto(`${app.baseUrl}/sandbox/plugins/servlet/ac/io.twofold.jira/twofold-admin-policy`);
    const frame = page.frameLocator('#sbx-app-iframe');
    await frame.locator('[data-policy][data-state=ready]').waitFor();
    const toggle = frame.locator('[data-testid=policy-method-email]');
    assert.equal(await toggle.isChecked(), false);
    assert.equal(await frame.locator('[data-testid=policy-confirm-email]').isChecked(), false);
    await toggle.check();
    await frame.locator('[data-action=save]').click();
    await frame.locator('[data-result=save][data-kind=success]').waitFor();
    await toggle.scrollIntoViewIfNeeded();
    await screenshot(page, 'email-00-policy-toggle');
    const saved = (await app.request('GET', '/api/v1/admin/policy', { token: app.contextToken(USERS.alice) })).json();
    assert.deepEqual(saved.methods, ['totp', 'backup_codes', 'email', 'access_pass']);
  });

  it('"Verify it\'s you" offers "Email me a code"; the emailed code (read from the outbox) verifies', async () => {
    await enroll(app, clock, USERS.carol);
    await switchTo(USERS.carol);
    const frame = await openVerify();
    const button = frame.locator('[data-testid=verify-email-code]');
    await button.waitFor({ state: 'visible' });
    await screenshot(page, 'email-01-verify-offers-email');

    await button.click();
    await frame.locator('[data-testid=verify-email-sent]:not([hidden])').waitFor();
    assert.match((await frame.locator('[data-testid=verify-email-sent]').textContent()) ?? '', /c\*\*\*@example\.com/);
    assert.equal(await frame.locator('[data-field="label"]').textContent(), 'Code from the email');
    await screenshot(page, 'email-02-code-sent');
    const code = await codeFromOutbox('carol.chen@example.com', 'email-03-sandbox-outbox');

    await frame.locator('[data-testid=verify-code]').fill('00000000' === code ? '11111111' : '00000000');
    await frame.locator('[data-testid=verify-submit]').click();
    await frame.locator('[data-message][data-code="invalid_code"]').waitFor();
    await screenshot(page, 'email-04-wrong-code');

    await frame.locator('[data-testid=verify-code]').fill(`${code.slice(0, 4)} ${code.slice(4)}`);
    await frame.locator('[data-testid=verify-submit]').click();
    await frame.locator('[data-verify][data-state="success"]').waitFor();
    await screenshot(page, 'email-05-verified');
  });

  it('a user with no app whose only way is email gets the form for email codes only', async () => {
    await switchTo(USERS.dave);
    const frame = await openVerify();
    await frame.locator('[data-testid=verify-email-code]').waitFor({ state: 'visible' });
    await frame.locator('[data-field="label"]:text("Code from the email")').waitFor();
    assert.equal(await frame.locator('[data-action="toggle-backup"]').isHidden(), true);
    assert.equal(await frame.locator('[data-section="not-enrolled"]').isHidden(), true);
    assert.doesNotMatch((await page.frameLocator('#sbx-app-iframe').locator('body').textContent()) ?? '', /authenticator app or token shows|Lost your phone/);
    await screenshot(page, 'email-06-email-only-user');
  });

  it('a required user with no factor opening the Verify page gets onboarding: an ID checked as typed, the email confirmed, the QR set-up', async () => {
    await putPolicy({ methods: ['totp', 'backup_codes'], enforcedGroups: ['developers'], allowUserChosenId: true, confirmEmailOnEnrollment: true });
    // Erin holds "erin-2fa": Bob will see it taken, without learning whose it is.
    const assigned = await app.request('PUT', `/api/v1/admin/users/${USERS.erin}`, { token: app.contextToken(USERS.alice), body: { twoFactorId: 'erin-2fa' } });
    assert.equal(assigned.status, 200, assigned.text);
    await switchTo(USERS.bob);
    const frame = await openVerify();
    await frame.locator('[data-onboarding]').waitFor();
    assert.equal(await frame.locator('[data-verify]').count(), 0, 'the Verify page waits for the set-up');
    await screenshot(page, 'onboarding-01-required');

    const id = frame.locator('[data-testid=onboarding-id]');
    const availability = frame.locator('[data-testid=id-availability]');
    await id.fill('ERIN-2fa');
    await frame.locator('[data-testid=id-availability][data-state="taken"]').waitFor();
    assert.doesNotMatch((await availability.textContent()) ?? '', /erin|Erin/);
    await screenshot(page, 'onboarding-02-id-taken');
    await id.fill('carol@example.com');
    await frame.locator('[data-testid=id-availability][data-state="invalid"]').waitFor();
    await id.fill('bob-builder');
    await frame.locator('[data-testid=id-availability][data-state="available"]').waitFor();
    await screenshot(page, 'onboarding-03-id-available');

    assert.equal(await frame.locator('[data-testid=onboarding-start]').isDisabled(), true, 'the QR waits for the confirmed address');
    await frame.locator('[data-testid=onboarding-send-email]').click();
    await frame.locator('[data-testid=onboarding-email-sent]:not([hidden])').waitFor();
    const code = await codeFromOutbox('bob@example.com', 'onboarding-04-outbox');
    await frame.locator('[data-testid=onboarding-email-code]').fill(code);
    await frame.locator('[data-testid=onboarding-email-confirm]').click();
    await frame.locator('[data-testid=onboarding-email-done]:not([hidden])').waitFor();
    await screenshot(page, 'onboarding-05-email-confirmed');

    await frame.locator('[data-testid=onboarding-start]').click();
    await frame.locator('[data-testid=onboarding-qr][src^="data:image/png;base64,"]').waitFor();
    assert.equal(
      await frame.locator('[data-field="label"]').textContent(),
      `${(await app.request('GET', '/api/v1/admin/policy', { token: app.contextToken(USERS.alice) })).json().branding.serviceName}: bob-builder`,
    );
    await screenshot(page, 'onboarding-06-qr');
    const decoded = decodeBase32((await frame.locator('[data-testid=onboarding-secret]').textContent()) ?? '');
    assert.ok(decoded.ok);
    await frame.locator('[data-testid=onboarding-code]').fill(totpAtStep(decoded.bytes, timeStepAt(clock.now(), PARAMS.period), PARAMS));
    await frame.locator('[data-testid=onboarding-confirm]').click();
    await frame.locator('[data-onboarding][data-state="done"]').waitFor();
    assert.equal(await frame.locator('[data-testid=onboarding-backup-codes] li').count(), 10);
    await screenshot(page, 'onboarding-07-backup-codes');

    await frame.locator('[data-testid=onboarding-continue]').click();
    await page.frameLocator('#sbx-app-iframe').locator('[data-verify]').waitFor();
    assert.equal(await page.frameLocator('#sbx-app-iframe').locator('[data-onboarding]').count(), 0);
    await screenshot(page, 'onboarding-08-verify-page-after');
  });
});
