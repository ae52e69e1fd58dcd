import type { Response } from 'express';
import type { Principal } from '../domain/tenancy/principal';

/** Where the authentication middleware leaves the verified caller for the routes after it. */
const PRINCIPAL = 'twofoldPrincipal';

/** The verified caller of an authenticated route. */
export function principalOf(res: Response): Principal {
  const principal = res.locals[PRINCIPAL] as Principal | undefined;
  if (!principal) throw new Error('principalOf() used on a route without authentication');
  return principal;
}

/** Called by an authentication middleware once it has verified the caller. */
export function setPrincipal(res: Response, principal: Principal): void {
  res.locals[PRINCIPAL] = principal;
}
