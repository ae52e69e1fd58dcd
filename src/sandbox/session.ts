import type { Request, Response } from 'express';
import { SANDBOX_USERS, findUser, type SandboxUser } from './fixtures';

const COOKIE = 'twofold_sandbox_user';

/** Who is "signed in" to the sandbox site: chosen with the user switcher, Alice (the admin) by default. */
export function sessionUser(req: Request): SandboxUser | undefined {
  const cookies = req.headers.cookie ?? '';
  const match = cookies.split(/;\s*/).find((pair) => pair.startsWith(`${COOKIE}=`));
  if (!match) return undefined;
  return findUser(decodeURIComponent(match.slice(COOKIE.length + 1)));
}

export function currentUser(req: Request): SandboxUser {
  return sessionUser(req) ?? defaultUser();
}

export function switchUser(res: Response, accountId: string): boolean {
  if (!findUser(accountId)) return false;
  res.cookie(COOKIE, accountId, { httpOnly: true, sameSite: 'lax', path: '/' });
  return true;
}

/** The first sandbox user (Alice Admin) acts when no one has switched. */
function defaultUser(): SandboxUser {
  const [first] = SANDBOX_USERS;
  if (first === undefined) throw new Error('the sandbox has no users');
  return first;
}
