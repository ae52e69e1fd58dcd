import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { randomBytes } from 'node:crypto';
import { SequelizePairingRepository } from '../../src/adapters/db/device-pairing-repository';
import { newCredentialToken } from '../../src/domain/approvals/credential-token';
import { nginxConfig } from '../../src/domain/gate/nginx-config';
import { OffsetClock } from '../integration/connector/connector-support';
import { admin, ALICE_DC, connectAndEnforce, DC_GROUPS, DC_USERS, GIT_BOB, totpNow } from '../integration/gate/gate-support';
import { launchChromium, screenshot, skipWithoutChromium } from '../support/browser';
import { databaseLanes } from '../support/database-lanes';
import { FakeDataCenter } from '../support/fake-data-center';
import { startInstalledApp, type InstalledApp } from '../support/installed-app';
import { laneOrSkip } from '../support/lanes';
import { DOC_VALUES, documentedConfiguration, freePort, Nginx, testConfiguration } from '../support/nginx';
import type { TestApp } from '../support/test-app';
import { WebCryptoPhone } from '../support/webcrypto-phone';

const basic = (user: { name: string; password?: string }) => `Basic ${Buffer.from(`${user.name}:${user.password ?? ''}`).toString('base64')}`;

/**
 * The gate as deployed: Debian's nginx, run with the configuration docs/nginx.md documents, in front of
 * a fake Jira Data Center, asking the whole app. A real Chromium logs in, is sent to the verify page,
 * sets up TOTP and lands on the page it asked for, and later verifies with an email code read from the
 * sandbox's outbox and with the access pass (a WebCrypto phone); a Basic-auth "git client" is held, approved, let
 * through and held again after its grace; a safe zone, blocked Basic auth, a stolen cookie, an
 * open-redirect attempt and a revoked key each do what they must.
 */
describe('The forward-auth gate behind real nginx, with Chromium', function () {
  this.timeout(120_000);
  let installed: InstalledApp<OffsetClock>;
  let app: TestApp;
  let clock: OffsetClock;
  let dc: FakeDataCenter;
  let nginx: Nginx;
  let browser: Browser;
  let key: string;
  let gateId: string;
  let site: string;
  let aliceSecret: Record<string, any>;
  let aliceCookies: string;

  /** A request through nginx, redirects not followed. */
  const get = (path: string, headers: Record<string, string> = {}, method = 'GET') => fetch(`${site}${path}`, { method, headers, redirect: 'manual' });
  const reasonOf = (response: Response) => `${response.status} ${response.headers.get('x-twofold-reason')}`;
  /** Logs in to the fake Data Center through nginx, as a browser's form post would: the `JSESSIONID=…` pair. */
  const dcLogin = async (user: { name: string; password?: string }) => {
    const response = await fetch(`${site}/login.jsp`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ os_username: user.name, os_password: user.password ?? '', os_destination: '/' }),
      redirect: 'manual',
    });
    assert.equal(response.status, 302);
    return /JSESSIONID=[^;]+/.exec(response.headers.get('set-cookie') ?? '')![0];
  };
  const post = (path: string, cookie: string, body: unknown) =>
    fetch(`${site}${path}`, { method: 'POST', headers: { Cookie: cookie, Origin: site, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

  before(async function () {
    skipWithoutChromium(this);
    laneOrSkip(this, 'nginx', 'the gate behind real nginx is not tested');
    clock = new OffsetClock();
    installed = await startInstalledApp(databaseLanes()[0]!, { clock });
    app = installed.app;
    dc = await FakeDataCenter.start({ users: DC_USERS, groups: DC_GROUPS });
    // The connector points at the site's public address: nginx's.
    const port = await freePort();
    site = `http://127.0.0.1:${port}`;
    await connectAndEnforce(app, site);
    const created = await admin(app, 'POST', '/api/v1/admin/gates', { name: 'Fake Jira DC' });
    assert.equal(created.status, 201, created.text);
    ({ key, id: gateId } = created.json());
    nginx = await Nginx.start((prefix) => testConfiguration({ twofoldUrl: app.baseUrl, dataCenterUrl: dc.baseUrl, gateKey: key, port, prefix }), port);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await nginx?.stop();
    await dc?.close();
    await installed?.stop();
  });

  it('docs/nginx.md carries the very snippet the admin page gives out', () => {
    const documented = documentedConfiguration();
    for (const line of nginxConfig(DOC_VALUES).split('\n')) assert.ok(documented.includes(line.trim()), `docs/nginx.md lacks: ${line}`);
  });

  /** Logs `user` in with the browser and sets up TOTP on the gate's page; answers the page, on the verified page. */
  async function loginAndEnroll(page: Page, user: { name: string; password?: string }, asked: string, shot: string): Promise<Record<string, any>> {
    await page.goto(`${site}${asked}`);
    await page.waitForURL(/\/login\.jsp/);
    await page.fill('#login-form-username', user.name);
    await page.fill('#login-form-password', user.password ?? '');
    await Promise.all([page.waitForURL(/\/twofold\/verify\?rd=/), page.click('#login-form-submit')]);
    assert.equal(new URL(page.url()).searchParams.get('rd'), asked);
    await page.click('[data-testid="start-enroll"]');
    await page.waitForSelector('[data-testid="enroll-qr"][src^="data:image/png"]');
    const secretText = (await page.textContent('[data-testid="enroll-secret"]')) ?? '';
    const enrollment = { secretBase32: secretText.replace(/\s+/g, ''), algorithm: 'SHA1', digits: 6, period: 30 };
    await screenshot(page, `${shot}-enroll`);
    await page.fill('[data-testid="enroll-code"]', totpNow(enrollment, clock));
    await page.click('[data-testid="enroll-submit"]');
    await page.waitForSelector('[data-testid="backup-codes"] li');
    await screenshot(page, `${shot}-backup-codes`);
    return enrollment;
  }

  it('a browser logs in to Data Center, is sent to the verify page, sets up TOTP and lands on the page it asked for', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    aliceSecret = await loginAndEnroll(page, ALICE_DC, '/browse/ABC-1?focus=7', 'gate-alice');
    await Promise.all([page.waitForURL(`${site}/browse/ABC-1?focus=7`), page.click('[data-testid="continue"]')]);
    assert.equal(await page.textContent('#user'), ALICE_DC.displayName);
    await screenshot(page, 'gate-alice-landed');
    aliceCookies = (await context.cookies(site)).map((c) => `${c.name}=${c.value}`).join('; ');
    assert.match(aliceCookies, /twofold_gate=/);
    const again = await get('/secure/Dashboard.jspa', { Cookie: aliceCookies });
    assert.equal(reasonOf(again), '200 verified');
    await context.close();
  });

  it('the next login needs a code again, and the verify page returns to the page asked for', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${site}/secure/Dashboard.jspa`);
    await page.fill('#login-form-username', ALICE_DC.name);
    await page.fill('#login-form-password', ALICE_DC.password!);
    await Promise.all([page.waitForURL(/\/twofold\/verify/), page.click('#login-form-submit')]);
    await page.waitForSelector('[data-testid="verify-code"]');
    await screenshot(page, 'gate-alice-verify');
    clock.offsetMs += 30_000; // the set-up's code is spent: the next step's
    await page.fill('[data-testid="verify-code"]', totpNow(aliceSecret, clock));
    await Promise.all([page.waitForURL(`${site}/secure/Dashboard.jspa`), page.click('[data-testid="verify-submit"]')]);
    assert.equal(await page.textContent('#protected'), '/secure/Dashboard.jspa');
    await context.close();
  });

  it('offers an email code on the gate page when the policy does; the code, read from the sandbox outbox, verifies', async () => {
    const put = await admin(app, 'PUT', '/api/v1/admin/policy', { methods: ['totp', 'backup_codes', 'email', 'access_pass'] });
    assert.equal(put.status, 200, put.text);
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${site}/browse/ABC-3`);
    await page.fill('#login-form-username', ALICE_DC.name);
    await page.fill('#login-form-password', ALICE_DC.password!);
    await Promise.all([page.waitForURL(/\/twofold\/verify/), page.click('#login-form-submit')]);
    // No phone is paired: the page says where to pair one instead of offering the access pass.
    await page.waitForSelector('[data-testid="pair-in-jira"]');
    assert.equal(await page.locator('[data-action="access-pass"]').count(), 0);
    await page.click('[data-testid="verify-email-code"]');
    await page.waitForSelector('[data-testid="verify-email-sent"]:not([hidden])');
    assert.match((await page.textContent('[data-testid="verify-email-sent"]')) ?? '', /a\*\*\*@dc\.example/);
    assert.equal(await page.textContent('[data-field="label"]'), 'Code from the email');
    await screenshot(page, 'gate-alice-email-sent');

    // The sandbox's outbox (development without SMTP_URL), read in a second tab as a person would.
    const tab = await context.newPage();
    await tab.goto(`${app.baseUrl}/sandbox/outbox`);
    const newest = tab.locator('[data-testid=outbox-message]').first();
    assert.equal(await newest.locator('[data-field="to"]').textContent(), ALICE_DC.emailAddress);
    const text = (await newest.locator('[data-field="text"]').textContent()) ?? '';
    await screenshot(tab, 'gate-alice-email-outbox');
    await tab.close();
    const match = /(\d{4}) (\d{4})/.exec(text);
    assert.ok(match, text);

    await page.fill('[data-testid="verify-code"]', `${match[1]} ${match[2]}`);
    await Promise.all([page.waitForURL(`${site}/browse/ABC-3`), page.click('[data-testid="verify-submit"]')]);
    assert.equal(await page.textContent('#protected'), '/browse/ABC-3');
    const cookies = (await context.cookies(site)).map((c) => `${c.name}=${c.value}`).join('; ');
    assert.equal(reasonOf(await get('/secure/Dashboard.jspa', { Cookie: cookies })), '200 verified');
    await context.close();
  });

  it('with a paired phone, "Approve on my phone" shows the symbol; the approval signs the browser in', async () => {
    // Pairing happens on Twofold's Two-step verification page in Jira; here the pairing row is made directly.
    const pairing = newCredentialToken({ bytes: (length: number) => randomBytes(length) });
    await new SequelizePairingRepository(app.twofold.database.sequelize).create(
      pairing.hash,
      { tenant: app.host.clientKey, accountId: `dc:${ALICE_DC.key}`, expiresAt: new Date(clock.now().getTime() + 600_000) },
      clock.now(),
    );
    const phone = await WebCryptoPhone.create(app);
    assert.equal((await phone.pair(`${app.baseUrl}/companion#pair=${pairing.token}`, 'Alice’s phone')).status, 201);

    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${site}/browse/ABC-4`);
    await page.fill('#login-form-username', ALICE_DC.name);
    await page.fill('#login-form-password', ALICE_DC.password!);
    await Promise.all([page.waitForURL(/\/twofold\/verify/), page.click('#login-form-submit')]);
    assert.equal(await page.locator('[data-testid="pair-in-jira"]').count(), 0);
    await page.click('[data-testid="access-pass-start"]');
    const shown = page.locator('[data-testid="access-pass-symbol"]');
    await shown.locator('svg').waitFor();
    const symbolId = (await shown.getAttribute('data-symbol')) ?? '';
    await screenshot(page, 'gate-alice-access-pass');

    const { requests } = await phone.requests();
    assert.equal(requests.length, 1);
    assert.ok(requests[0]!.symbols.some((symbol) => symbol.id === symbolId));
    await Promise.all([page.waitForURL(`${site}/browse/ABC-4`), phone.answer(requests[0]!, symbolId, 'approve')]);
    assert.equal(await page.textContent('#protected'), '/browse/ABC-4');
    await context.close();
  });

  it('a Basic-auth git client is held until its user approves it on the gate page, passes, and is held again after the grace', async () => {
    const git = { Authorization: basic(GIT_BOB), 'User-Agent': 'git/2.45.2' };
    const fetchRefs = '/scm/abc/repo.git/info/refs?service=git-upload-pack';
    const held = await get(fetchRefs, git);
    assert.equal(reasonOf(held), '401 approval_pending');
    assert.match(held.headers.get('www-authenticate') ?? '', /^Basic/);

    const context = await browser.newContext();
    const page = await context.newPage();
    await loginAndEnroll(page, GIT_BOB, '/secure/Dashboard.jspa', 'gate-bob');
    await page.goto(`${site}/twofold/verify`);
    await page.waitForSelector('[data-testid="approve"]');
    assert.match((await page.textContent('[data-testid="approvals"]')) ?? '', /git\/2\.45\.2/);
    await screenshot(page, 'gate-bob-approval');
    await page.click('[data-testid="approve"]');
    await page.waitForSelector('[data-approval][data-state="approved"]');
    await context.close();

    const passed = await get(fetchRefs, git);
    assert.equal(reasonOf(passed), '200 grace');
    assert.equal(await passed.text(), 'refs for bob\n');
    clock.offsetMs += 61 * 60_000; // past the write grace (60 min), within the read grace (8 h)
    assert.equal(reasonOf(await get('/scm/abc/repo.git/git-receive-pack', git, 'POST')), '401 approval_pending');
    assert.equal(reasonOf(await get(fetchRefs, git)), '200 grace');
  });

  it('refuses a stolen twofold_gate cookie with another Data Center session, and an open redirect', async () => {
    const gateCookie = /twofold_gate=[^;]+/.exec(aliceCookies)![0];
    const stolen = await get('/secure/Dashboard.jspa', { Cookie: `${await dcLogin(ALICE_DC)}; ${gateCookie}` });
    assert.equal(reasonOf(stolen), '302 verification_required');
    const location = new URL(stolen.headers.get('location') ?? '', site);
    assert.equal(`${location.origin}${location.pathname}${location.search}`, `${site}/twofold/verify?rd=%2Fsecure%2FDashboard.jspa`);

    clock.offsetMs += 30_000;
    const evil = await post('/twofold/verify', await dcLogin(ALICE_DC), { code: totpNow(aliceSecret, clock), rd: '//evil.example/phish' });
    assert.equal(evil.status, 200);
    assert.equal(((await evil.json()) as { redirect: string }).redirect, '/');
    const foreign = await fetch(`${site}/twofold/verify`, {
      method: 'POST',
      headers: { Cookie: await dcLogin(ALICE_DC), Origin: 'https://evil.example', 'Content-Type': 'application/json' },
      body: JSON.stringify({ code: '000000' }),
    });
    assert.equal(foreign.status, 403);
    assert.equal(((await foreign.json()) as { error: { code: string } }).error.code, 'bad_origin');
  });

  it('lets a safe zone through and refuses blocked Basic auth, as the policy says', async () => {
    const fresh = await dcLogin(ALICE_DC);
    assert.equal(reasonOf(await get('/browse/ABC-2', { Cookie: fresh })), '302 verification_required');
    assert.equal((await admin(app, 'PUT', '/api/v1/admin/policy', { ipSafeZones: ['127.0.0.0/8'] })).status, 200);
    assert.equal(reasonOf(await get('/browse/ABC-2', { Cookie: fresh })), '200 safe_zone');
    assert.equal((await admin(app, 'PUT', '/api/v1/admin/policy', { ipSafeZones: [], gate: { basicAuth: 'block' } })).status, 200);
    assert.equal(reasonOf(await get('/rest/api/2/myself', { Authorization: basic(GIT_BOB) })), '403 basic_blocked');
  });

  it('a revoked gate key stops working at once', async () => {
    assert.equal(reasonOf(await get('/secure/Dashboard.jspa', { Cookie: aliceCookies })), '200 verified');
    assert.equal((await admin(app, 'DELETE', `/api/v1/admin/gates/${gateId}`)).status, 204);
    assert.equal(reasonOf(await get('/secure/Dashboard.jspa', { Cookie: aliceCookies })), '401 bad_gate_key');
  });
});
