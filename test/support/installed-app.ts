import type { AppOverrides } from '../../src/app';
import type { Clock } from '../../src/domain/ports/clock';
import type { DatabaseLane } from './database-lanes';
import { Teardown } from './teardown';
import { startTestApp, type TestApp } from './test-app';

export interface InstalledAppOptions<C extends Clock | undefined> {
  /** The app's clock (often {@link steppedClock}); without one the app keeps real time. */
  clock?: C;
  /** Whether to install the app into the sandbox host; `false` for a test of the install itself. */
  install?: boolean;
  /** Any other overrides, a logger say; `clock` above is the one the app gets. */
  overrides?: AppOverrides;
  /** More environment variables for the app's configuration (e.g. `SMTP_URL`). */
  env?: Record<string, string>;
}

export interface InstalledApp<C extends Clock | undefined = undefined> {
  app: TestApp;
  clock: C;
  /** Closes the app, then drops its database. */
  stop(): Promise<void>;
}

/**
 * The set-up most suites start from: a fresh database of `lane`, the app booted on it and installed
 * in the sandbox Jira host.
 */
export async function startInstalledApp<C extends Clock | undefined = undefined>(
  lane: DatabaseLane,
  options: InstalledAppOptions<C> = {},
): Promise<InstalledApp<C>> {
  const teardown = new Teardown();
  return teardown.orUndo(async () => {
    const database = await lane.create();
    teardown.add(() => database.drop());
    const overrides = options.clock ? { ...options.overrides, clock: options.clock } : options.overrides;
    const app = await startTestApp({ databaseUrl: database.url, overrides, ...(options.env ? { env: options.env } : {}) });
    teardown.add(() => app.close());
    if (options.install !== false) await app.install();
    return { app, clock: options.clock as C, stop: () => teardown.run() };
  });
}
