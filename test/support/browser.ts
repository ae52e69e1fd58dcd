import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

import { CHROMIUM_PATH, laneAvailable, laneOrSkip } from './lanes';

export { CHROMIUM_PATH };
/** Screenshots land here (git-ignored); CI keeps them as artifacts of the run. */
export const SCREENSHOT_DIR = join(__dirname, '..', '..', 'test-output', 'screenshots');

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

export function chromiumAvailable(): boolean {
  return laneAvailable('chromium');
}

/**
 * Call in a `before` hook: skips the suite, with a printed notice, where Debian's chromium is not
 * installed; fails it under REQUIRE_LANES=1 (CI), where every browser test must run.
 */
export function skipWithoutChromium(context: Mocha.Context): void {
  laneOrSkip(context, 'chromium', 'browser tests skipped');
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: FLAGS, headless: true });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * A screenshot with only the newest of the sandbox's flags: the sandbox keeps each flag 8 s, so a
 * fast test piles them up over the page.
 */
export async function screenshotWithNewestFlag(page: Page, name: string): Promise<string> {
  await page.evaluate("[...document.querySelectorAll('.sbx-flag')].slice(0, -1).forEach((flag) => flag.remove())");
  return screenshot(page, name);
}
