import { Router, type RequestHandler } from 'express';
import { TwofoldError } from '../src/domain/errors';
import { asyncRoute } from '../src/http/async-route';

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
  router.post('/installed', ...deps.verifyInstall.map(refusingInstall), deps.saveInstall);
  router.post(
    '/uninstalled',
    ...deps.authenticateUninstall.map(refusingInstall),
    asyncRoute(async (req, res) => {
      const clientKey = (req.body as { clientKey?: unknown }).clientKey;
      if (typeof clientKey !== 'string') throw new TwofoldError('invalid_request', 'The uninstall payload names no clientKey.');
      await deps.uninstall(clientKey);
      res.status(204).end();
    }),
  );
  return router;
}

/**
 * ACE's verification refuses a hook with `next({code, message})`, and throws on some malformed tokens
 * (`Authorization: JWT a.b.c`): either way the hook is refused, `401 install_unauthorized`. ACE's own
 * words go to the log only (they may echo the token, or a decoder's internals).
 */
function refusingInstall(verify: RequestHandler): RequestHandler {
  return (req, res, next) => {
    const refuse = (reason: unknown) =>
      next(
        new TwofoldError('install_unauthorized', 'The lifecycle request was refused: its signature, audience or payload did not verify.', { cause: reason }),
      );
    try {
      verify(req, res, (error?: unknown) =>
        error === undefined || error === null || error === 'route' || error === 'router' ? next(error as undefined) : refuse(error),
      );
    } catch (error) {
      refuse(error);
    }
  };
}
