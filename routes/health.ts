import { Router } from 'express';

export interface HealthDeps {
  pingDatabase(timeoutMs: number): Promise<void>;
}

/** `GET /healthz`: 200 while the database answers, 503 with the failing check otherwise. */
export function healthRouter(deps: HealthDeps): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    deps.pingDatabase(2000).then(
      () => res.status(200).json({ status: 'ok', checks: { database: 'ok' } }),
      () => res.status(503).json({ status: 'unavailable', checks: { database: 'unreachable' } }),
    );
  });
  return router;
}
