import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FixedClock } from '../../../src/domain/ports/clock';
import { databaseLanes, printLaneNotice } from '../../support/database-lanes';
import { checkLane } from '../../support/lanes';
import { startInstalledApp, type InstalledApp } from '../../support/installed-app';
import { steppedClock } from '../../support/stepped-clock';
import type { TestApp } from '../../support/test-app';
import { USERS, errorCode, verify } from './support';

/**
 * Cross-checks with independent tools, through the HTTP API: the enrollment QR code decodes (zbarimg,
 * from zbar-tools) to exactly the otpauth URI the API returned, and codes made by OATH Toolkit's
 * oathtool from the base32 (or hex) key are accepted, for SHA-1 with 6 digits and 30 s and for
 * SHA-256 with 8 digits and 60 s. Each tool's part is skipped with a notice where it is not installed.
 */
// stderr is dropped: zbarimg complains there about a missing D-Bus, which it does not need.
const zbarimg = (file: string) =>
  execFileSync('zbarimg', ['--raw', '--quiet', file], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
const oathtool = (args: string[]) => execFileSync('oathtool', args, { encoding: 'utf8', timeout: 5000 }).trim();

const CASES = [
  { name: 'SHA-1, 6 digits, 30 s', body: {}, mode: 'sha1', digits: 6, period: 30, user: USERS.bob },
  { name: 'SHA-256, 8 digits, 60 s', body: { algorithm: 'SHA256', digits: 8, period: 60 }, mode: 'sha256', digits: 8, period: 60, user: USERS.carol },
] as const;

for (const lane of databaseLanes()) {
  describe(`Cross-check with zbarimg and oathtool through the API (${lane.name})`, () => {
    let installed: InstalledApp<FixedClock>;
    let app: TestApp;
    let clock: FixedClock;
    let folder: string;
    let haveZbar = false;
    let haveOathtool = false;

    before(async () => {
      printLaneNotice();
      haveZbar = checkLane('zbarimg', 'the QR decoding check is skipped');
      haveOathtool = checkLane('oathtool', 'the oathtool check is skipped');
      installed = await startInstalledApp(lane, { clock: steppedClock() });
      ({ app, clock } = installed);
      folder = mkdtempSync(join(tmpdir(), 'twofold-qr-'));
    });
    after(async () => {
      rmSync(folder, { recursive: true, force: true });
      await installed?.stop();
    });

    for (const testCase of CASES) {
      describe(testCase.name, () => {
        let enrollment: Record<string, any>;

        before(async () => {
          const response = await app.request('POST', '/api/v1/me/totp', { token: app.contextToken(testCase.user), body: testCase.body });
          assert.equal(response.status, 201);
          enrollment = response.json();
          assert.match(enrollment.otpauthUri, new RegExp(`algorithm=${testCase.mode.toUpperCase()}&digits=${testCase.digits}&period=${testCase.period}$`));
        });

        it('the QR code decodes to the very otpauth URI the API returned', function () {
          if (!haveZbar) return this.skip();
          const file = join(folder, `${testCase.mode}.png`);
          writeFileSync(file, Buffer.from(enrollment.qrPng.replace(/^data:image\/png;base64,/, ''), 'base64'));
          assert.equal(zbarimg(file), enrollment.otpauthUri);
        });

        it("oathtool's code confirms the enrollment, and its next code verifies", async function () {
          if (!haveOathtool) return this.skip();
          const token = app.contextToken(testCase.user);
          const args = (at: Date) => [
            `--totp=${testCase.mode}`,
            '-d',
            String(testCase.digits),
            '-s',
            `${testCase.period}s`,
            `--now=@${Math.floor(at.getTime() / 1000)}`,
          ];
          const confirmCode = oathtool([...args(clock.now()), '-b', enrollment.secretBase32]);
          assert.equal(confirmCode.length, testCase.digits);
          const confirmed = await app.request('POST', '/api/v1/me/totp/confirm', { token, body: { code: confirmCode } });
          assert.equal(confirmed.status, 200, confirmed.text);

          clock.advance(testCase.period * 1000);
          // From the hex seed this time, as an NFC burner app would be given it.
          const nextCode = oathtool([...args(clock.now()), enrollment.secretHex]);
          assert.equal((await verify(app, testCase.user, { code: nextCode })).status, 200);
          assert.equal(errorCode(await verify(app, testCase.user, { code: nextCode })), 'code_reused');
        });
      });
    }
  });
}
