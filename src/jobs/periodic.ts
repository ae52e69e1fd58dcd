import type { Logger } from '../adapters/logging/logger';

/**
 * Runs `task` shortly after start and then every `everyMs`, on timers that do not keep the process
 * alive; a failure is logged with `failure` and the next tick tries again. `stop()` ends it (shutdown).
 */
export function runPeriodically(task: () => Promise<unknown>, timing: { firstMs: number; everyMs: number }, logger: Logger, failure: string): () => void {
  const tick = () => {
    task().catch((error: unknown) => logger.error({ err: error }, failure));
  };
  const first = setTimeout(tick, timing.firstMs);
  const every = setInterval(tick, timing.everyMs);
  first.unref();
  every.unref();
  return () => {
    clearTimeout(first);
    clearInterval(every);
  };
}
