import assert from 'node:assert/strict';
import type { FixedClock } from '../../src/domain/ports/clock';
import { USERS, enroll } from '../integration/mfa/support';
import { screenshot, skipWithoutChromium } from '../support/browser';
import { startInstalledAppInChromium, type InstalledAppInChromium } from '../support/installed-app-in-chromium';
import { steppedClock } from '../support/stepped-clock';
import { ALICE_ADMIN } from '../support/test-app';

/** A 2FA ID an attacker can choose: no spaces or control characters, so the ID rules let it through. */
const HOSTILE_ID = '"><svg/onload=window.parent.__pwned=1>';
/** Right-to-left letters in an ID are legitimate; shown inside our sentences they must not reorder them. */
const RTL_ID = 'مدير.admin';

/**
 * Pages as a hostile user would try them: a 2FA ID made of markup is shown as text on every page that
 * shows it, no script of it runs, and values from users are isolated from the page's own text
 * (`unicode-bidi: isolate` on table cells, FSI … PDI inside the audit log's sentences).
 */
describe('Hostile names on the pages, in Chromium', function () {
  this.timeout(120_000);
  let started: InstalledAppInChromium<FixedClock>;

  before(async function () {
    skipWithoutChromium(this);
    started = await startInstalledAppInChromium({ clock: steppedClock() });
    const { app, clock } = started;
    await enroll(app, clock, USERS.bob);
    const admin = app.contextToken(ALICE_ADMIN.accountId);
    for (const [accountId, twoFactorId] of [
      [USERS.bob, HOSTILE_ID],
      [USERS.carol, RTL_ID],
    ] as const) {
      const assigned = await app.request('PUT', `/api/v1/admin/users/${accountId}`, { token: admin, body: { twoFactorId } });
      assert.equal(assigned.status, 200, assigned.text);
    }
  });
  after(() => started?.stop());

  const open = async (moduleKey: string, ready: string) => {
    const { app, page, frame } = started;
    await page.goto(`${app.baseUrl}/sandbox/plugins/servlet/ac/io.twofold.jira/${moduleKey}`);
    await frame.locator(ready).first().waitFor();
    return frame;
  };

  it('shows a markup ID as text on the users and audit pages, and runs none of it', async () => {
    const { page } = started;
    const users = await open('twofold-admin-users', '[data-users][data-state=ready]');
    const ids = await users.locator('[data-testid=two-factor-id]').allTextContents();
    assert.ok(ids.includes(HOSTILE_ID), `the ID is shown as typed: ${JSON.stringify(ids)}`);
    assert.equal(await users.locator('svg[onload]').count(), 0, 'no element was made of it');
    const isolation = await users
      .locator('tr[data-user] td')
      .first()
      .evaluate((cell) => cell.ownerDocument.defaultView!.getComputedStyle(cell).unicodeBidi);
    assert.equal(isolation, 'isolate');
    await screenshot(page, 'hostile-01-users');

    const audit = await open('twofold-admin-audit', 'tr[data-entry]');
    const details = (await audit.locator('[data-cell=detail]').allTextContents()).join('\n');
    assert.ok(details.includes(`\u2068${HOSTILE_ID}\u2069`), 'the ID is isolated inside its sentence');
    assert.ok(details.includes(`\u2068${RTL_ID}\u2069`), 'so is a right-to-left one');
    assert.equal(await audit.locator('svg[onload]').count(), 0);
    await screenshot(page, 'hostile-02-audit');
    assert.equal(await page.evaluate('window.__pwned'), undefined, 'no script ran');
  });

  it("shows the user's own markup ID as text on the two-step page", async () => {
    const { page } = started;
    await Promise.all([page.waitForNavigation(), page.selectOption('#sbx-user', USERS.bob)]);
    const frame = await open('twofold-my-verification', '[data-two-step]:not([data-state=loading])');
    assert.equal(await frame.locator('svg[onload]').count(), 0);
    await screenshot(page, 'hostile-03-two-step');
    assert.equal(await page.evaluate('window.__pwned'), undefined, 'no script ran');
  });
});
