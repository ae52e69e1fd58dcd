import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import type { Logger } from '../adapters/logging/logger';
import type { Clock } from '../domain/ports/clock';
import { SandboxConnectHost } from './connect-host';
import { hostRestRouter } from './host-rest-router';
import { hostUiRouter } from './host-ui-router';
import { SandboxState } from './sandbox-state';
import { SANDBOX_USERS, staffUsers } from './fixtures';

import { SANDBOX_PATH } from './paths';

export { SANDBOX_PATH } from './paths';

export interface Sandbox {
  host: SandboxConnectHost;
  router: Router;
}

/**
 * Development only (refused in production): a stand-in Jira Cloud site served by the app itself, so
 * that `npm start` is usable with no Jira at hand, and integration and browser tests have a host.
 */
export function createSandbox(options: {
  appBaseUrl: string;
  stateFile: string | undefined;
  clock: Clock;
  logger: Logger;
  /** Generated members of the group `staff` (fixtures.ts staffUsers), for a rollout at scale. */
  staff?: number;
}): Sandbox {
  const state = new SandboxState(options.stateFile, () => `sandbox-jira-${randomUUID()}`);
  const host = new SandboxConnectHost(`${options.appBaseUrl}${SANDBOX_PATH}`, state, options.clock);
  const router = Router();
  router.use(`${SANDBOX_PATH}/rest`, hostRestRouter(host, state, [...SANDBOX_USERS, ...staffUsers(options.staff ?? 0)]));
  router.use(SANDBOX_PATH, hostUiRouter(host, { basePath: SANDBOX_PATH, appBaseUrl: options.appBaseUrl, logger: options.logger }));
  router.get('/', (_req, res) => res.redirect(302, `${SANDBOX_PATH}/`));
  return { host, router };
}
