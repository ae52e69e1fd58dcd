import assert from 'node:assert/strict';
import type { FrameLocator, Page } from 'playwright-core';
import { encodeBase32 } from '../../src/domain/mfa/secret-encoding';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { totp } from '../../src/domain/mfa/totp';
import { SCREENSHOT_DIR, screenshot, skipWithoutChromium } from '../support/browser';
import { startInstalledAppInChromium, type InstalledAppInChromium } from '../support/installed-app-in-chromium';
import { ALICE_ADMIN, BOB_MEMBER, type TestApp } from '../support/test-app';

const HEADER = 'upn,serial number,secret key,time interval,manufacturer,model';
const SEED = encodeBase32(Buffer.from('12345678901234567890'));

/**
 * The users page's "Import hardware tokens" and "Directory sync" sections in Chromium, framed by the
 * sandbox Jira site: a bad seed file (every bad row listed, nothing imported), then a good one (its job's
 * progress, the token list), then an export of the 2FA IDs to Jira user properties.
 */
describe('Users page: hardware token import and directory sync in Chromium', function () {
  this.timeout(90_000);
  let started: InstalledAppInChromium<undefined>;
  let page: Page;
  let frame: FrameLocator;
  let app: TestApp;

  before(async function () {
    skipWithoutChromium(this);
    started = await startInstalledAppInChromium({});
    ({ app, page, frame } = started);
    const assigned = await app.request('PUT', `/api/v1/admin/users/${BOB_MEMBER.accountId}`, {
      token: app.contextToken(ALICE_ADMIN.accountId),
      body: { twoFactorId: 'bob.token' },
    });
    assert.equal(assigned.status, 200, assigned.text);
  });
  after(() => started?.stop());

  const openPage = async () => {
    await page.goto(`${app.baseUrl}/sandbox/plugins/servlet/ac/io.twofold.jira/twofold-admin-users`);
    await frame.locator('[data-users][data-state=ready]').waitFor();
  };
  const choose = (name: string, text: string) => frame.locator('[data-tokens=file]').setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(text) });

  it('a bad file: every bad row listed with its line, nothing imported', async () => {
    await openPage();
    const tokens = frame.locator('[data-token-import]');
    await tokens.scrollIntoViewIfNeeded();
    await choose(
      'bad.csv',
      [
        HEADER,
        `bob.token,T2-1001,not base32!,30,Token2,C202`,
        `nobody@example.com,T2-1002,${SEED},30,Token2,C202`,
        `alice@example.com,T2-1003,${SEED},45,Token2,C202`,
      ].join('\n'),
    );
    await frame.locator('[data-tokens-action=import]').click();
    await frame.locator('[data-tokens=problems]:not([hidden])').waitFor();
    const reasons = await frame.locator('[data-tokens=problem-rows] li').evaluateAll((items) => items.map((li) => li.getAttribute('data-reason')));
    assert.deepEqual(reasons, ['secret_malformed', 'unknown_upn', 'period_unknown']);
    const lines = await frame.locator('[data-tokens=problem-rows] li').allTextContents();
    assert.ok(lines[0]!.startsWith('Line 2:'), lines[0]);
    assert.equal(await frame.locator('[data-tokens=table]').isVisible(), false, 'no token was imported');
    const listed = (await app.request('GET', '/api/v1/admin/tokens', { token: app.contextToken(ALICE_ADMIN.accountId) })).json();
    assert.deepEqual(listed.tokens, []);
    await tokens.screenshot({ path: await screenshotPath('token-import-01-bad-file') });
    await screenshot(page, 'token-import-01-bad-file-page');
  });

  it('then a good file: the job runs to the end and the tokens are listed', async () => {
    await choose(
      'good.csv',
      [
        HEADER,
        `bob.token,T2-2001,${SEED},30,Token2,C202`,
        `alice@example.com,T2-2002,${Buffer.from('abcdefghijabcdefghij').toString('hex')},60,Token2,Molto2`,
      ].join('\r\n'),
    );
    await frame.locator('[data-tokens-action=import]').click();
    await frame.locator('[data-job-progress=tokens][data-job-state=succeeded]').waitFor();
    assert.equal(await frame.locator('[data-tokens=problems]').isVisible(), false);
    assert.deepEqual(
      [
        await frame.locator('[data-job-progress=tokens] progress').getAttribute('value'),
        await frame.locator('[data-job-progress=tokens] progress').getAttribute('max'),
      ],
      ['2', '2'],
    );
    await frame.locator('[data-tokens=rows] tr[data-serial="T2-2002"]').waitFor();
    assert.deepEqual(await frame.locator('[data-tokens=rows] tr').evaluateAll((rows) => rows.map((tr) => tr.getAttribute('data-serial'))), [
      'T2-2001',
      'T2-2002',
    ]);
    await frame.locator('[data-tokens=rows] tr[data-serial="T2-2001"] td', { hasText: 'Bob Builder' }).waitFor();
    await frame.locator('[data-token-import]').screenshot({ path: await screenshotPath('token-import-02-good-file') });
    await screenshot(page, 'token-import-02-good-file-page');
  });

  it('directory sync: export writes the 2FA IDs to Jira and shows its progress', async () => {
    // Alice now has a factor (the token): the export needs a verification in this browser first.
    const sync = frame.locator('[data-directory-sync]');
    await sync.scrollIntoViewIfNeeded();
    await frame.locator('[data-sync-action=export]').click();
    await frame.locator('[data-step-up]:not([hidden])').waitFor();
    const code = totp(Buffer.from('abcdefghijabcdefghij'), new Date(), { algorithm: 'SHA1', digits: 6, period: 60 });
    await frame.locator('[data-field=step-up-code]').fill(code);
    await frame.locator('[data-form=step-up] [type=submit]').click();
    await frame.locator('[data-job-progress=sync][data-job-state=succeeded]').waitFor();
    const property = app.host.userProperty(BOB_MEMBER.accountId, 'twofold-id') as { twoFactorId: string; enrolled: boolean };
    assert.deepEqual([property.twoFactorId, property.enrolled], ['bob.token', true]);
    // Alice's ID was stored when her token was assigned (from the pattern), so it is mirrored too.
    const alice = app.host.userProperty(ALICE_ADMIN.accountId, 'twofold-id') as { twoFactorId: string; enrolled: boolean };
    assert.deepEqual([alice.twoFactorId, alice.enrolled], ['alice@example.com', true]);
    await sync.screenshot({ path: await screenshotPath('directory-sync-01-export') });
  });
});

/** Where a section's own screenshot goes (beside the whole-page ones). */
async function screenshotPath(name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  return join(SCREENSHOT_DIR, `${name}.png`);
}
