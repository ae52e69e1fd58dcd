import type { Browser, BrowserContext, BrowserContextOptions, FrameLocator, Page } from 'playwright-core';
import type { Clock } from '../../src/domain/ports/clock';
import { launchChromium } from './browser';
import { databaseLanes } from './database-lanes';
import { startInstalledApp, type InstalledApp, type InstalledAppOptions } from './installed-app';
import { Teardown } from './teardown';

export interface InstalledAppInChromiumOptions<C extends Clock | undefined> extends InstalledAppOptions<C> {
  /** The browser context's options (locale, time zone…); the viewport is 1280×900 unless given. */
  contextOptions?: BrowserContextOptions;
}

export interface InstalledAppInChromium<C extends Clock | undefined = undefined> extends InstalledApp<C> {
  browser: Browser;
  /** The page's context: new windows the page opens (Jira's authorize page) appear here. */
  context: BrowserContext;
  page: Page;
  /** The app's page inside the sandbox Jira page that frames it. */
  frame: FrameLocator;
  /** Closes the browser, then the app, then drops its database. */
  stop(): Promise<void>;
}

/**
 * The set-up of a browser test: {@link startInstalledApp} on SQLite (what a page shows does not depend
 * on the database; the integration tests run both lanes), and Chromium with one page. Call
 * `skipWithoutChromium(this)` before it.
 */
export async function startInstalledAppInChromium<C extends Clock | undefined = undefined>(
  options: InstalledAppInChromiumOptions<C> = {},
): Promise<InstalledAppInChromium<C>> {
  const { contextOptions, ...appOptions } = options;
  const teardown = new Teardown();
  return teardown.orUndo(async () => {
    const installed = await startInstalledApp(databaseLanes()[0]!, appOptions);
    teardown.add(() => installed.stop());
    const browser = await launchChromium();
    teardown.add(() => browser.close());
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...contextOptions });
    const page = await context.newPage();
    return { ...installed, browser, context, page, frame: page.frameLocator('#sbx-app-iframe'), stop: () => teardown.run() };
  });
}
