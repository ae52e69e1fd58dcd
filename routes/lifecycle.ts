import { Router, type RequestHandler } from 'express';
import { TwofoldError } from '../src/domain/errors';
import { asyncRoute } from '../src/adapters/http/async-route';

export interface LifecycleDeps {
  /** ACE's RS256 install-hook verification (host allow-list, signature, aud, qsh, clientKey of the payload). */
  verifyInstall: RequestHandler[];
  /** ACE's saving of the install payload (through our encrypted tenant store). */
  saveInstall: RequestHandler;
  /** The same RS256 verification for the uninstall hook. */
  authenticateUninstall: RequestHandler[];
  uninstall(clientKey: string): Promise<void>;
}

/**
 * `/installed`: ACE verifies and saves the tenant (a reinstall replaces its sharedSecret).
 * `/uninstalled` starts the tenant's grace period: its data is kept, and purged only after
 * TWOFOLD_UNINSTALL_GRACE_DAYS.
 */
export function lifecycleRouter(deps: LifecycleDeps): Router {
  const router = Router();
  router.post('/installed', ...deps.verifyInstall, deps.saveInstall);
  router.post(
    '/uninstalled',
    ...deps.authenticateUninstall,
    asyncRoute(async (req, res) => {
      const clientKey = (req.body as { clientKey?: unknown }).clientKey;
      if (typeof clientKey !== 'string') throw new TwofoldError('invalid_request', 'The uninstall payload names no clientKey.');
      await deps.uninstall(clientKey);
      res.status(204).end();
    }),
  );
  return router;
}
