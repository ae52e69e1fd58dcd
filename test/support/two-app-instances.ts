import type { Clock } from '../../src/domain/ports/clock';
import type { DatabaseLane } from './database-lanes';
import { Teardown } from './teardown';
import { startTestApp, type TestApp } from './test-app';

export interface TwoAppInstances {
  first: TestApp;
  second: TestApp;
  /** Closes both instances, then drops their database. */
  stop(): Promise<void>;
}

/**
 * Two app instances on one fresh database of `lane`, as two nodes behind a load balancer: they share
 * the master key, since each must unseal what the other sealed. Neither is installed yet: which
 * instance an install goes through is up to the test. `env` is more configuration for both (e.g.
 * `TWOFOLD_SANDBOX_STAFF`).
 */
export async function startTwoAppInstances(lane: DatabaseLane, options: { clock?: Clock; env?: Record<string, string> } = {}): Promise<TwoAppInstances> {
  const overrides = options.clock ? { clock: options.clock } : undefined;
  const teardown = new Teardown();
  return teardown.orUndo(async () => {
    const database = await lane.create();
    teardown.add(() => database.drop());
    const env = options.env ? { env: options.env } : {};
    const first = await startTestApp({ databaseUrl: database.url, overrides, ...env });
    teardown.add(() => first.close());
    const second = await startTestApp({ databaseUrl: database.url, masterKey: first.twofold.config.masterKeys.current, overrides, ...env });
    teardown.add(() => second.close());
    return { first, second, stop: () => teardown.run() };
  });
}
