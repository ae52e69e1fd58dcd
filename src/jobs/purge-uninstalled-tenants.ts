import type { Logger } from '../adapters/logging/logger';
import type { Clock } from '../domain/ports/clock';
import type { TenantRepository } from '../domain/tenancy/tenant';
import { runPeriodically } from './periodic';

const EVERY_MS = 6 * 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Uninstalling keeps a tenant's data for a grace period (an admin who reinstalls finds everything
 * as it was); after it, the data is deleted. Runs shortly after start and every six hours. Each tenant
 * is purged in one transaction, so a failure leaves it whole for the next run.
 */
export function startUninstalledTenantPurge(deps: { tenants: TenantRepository; clock: Clock; logger: Logger; graceDays: number }): {
  runOnce(): Promise<string[]>;
  stop(): void;
} {
  const runOnce = async () => {
    const cutoff = new Date(deps.clock.now().getTime() - deps.graceDays * DAY_MS);
    const purged = await deps.tenants.purgeUninstalledBefore(cutoff);
    if (purged.length > 0) deps.logger.info({ purged, graceDays: deps.graceDays }, 'purged the data of uninstalled tenants');
    return purged;
  };
  const stop = runPeriodically(runOnce, { firstMs: 10_000, everyMs: EVERY_MS }, deps.logger, 'purging uninstalled tenants failed; will retry');
  return { runOnce, stop };
}
