import type { Logger } from '../adapters/logging/logger';
import type { DirectoryMirrorSweep } from '../domain/directory/directory-mirror';
import { isTwofoldError } from '../domain/errors';
import type { Clock } from '../domain/ports/clock';
import { runPeriodically } from './periodic';

const CHECK_EVERY_MS = 15 * 60 * 1000;
const FIRST_CHECK_MS = 60 * 1000;
const HOUR_MS = 60 * 60 * 1000;

/**
 * The scheduled directory refresh: every quarter of an hour, each installed site whose host mirror is
 * older than `maxAgeHours` (or was never filled) gets a `directory_refresh` job. Every instance runs the
 * check; the one-job-per-kind rule (`job_running`) keeps two instances from starting two refreshes.
 */
export function startDirectoryRefreshSchedule(deps: {
  mirror: Pick<DirectoryMirrorSweep, 'staleTenants'>;
  refresh(tenant: string): Promise<string>;
  clock: Clock;
  logger: Logger;
  maxAgeHours: number;
}): { runOnce(): Promise<string[]>; stop(): void } {
  const runOnce = async (): Promise<string[]> => {
    const stale = await deps.mirror.staleTenants(new Date(deps.clock.now().getTime() - deps.maxAgeHours * HOUR_MS), 100);
    const started: string[] = [];
    for (const tenant of stale) {
      try {
        started.push(await deps.refresh(tenant));
      } catch (error) {
        if (!(isTwofoldError(error) && error.code === 'job_running')) deps.logger.warn({ err: error, tenant }, 'could not start a scheduled directory refresh');
      }
    }
    return started;
  };
  if (deps.maxAgeHours === 0) return { runOnce, stop() {} };
  const stop = runPeriodically(
    runOnce,
    { firstMs: FIRST_CHECK_MS, everyMs: CHECK_EVERY_MS },
    deps.logger,
    'the scheduled directory refresh check failed; will retry',
  );
  return { runOnce, stop };
}
