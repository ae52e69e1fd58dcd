import type { Router } from 'express';
import type { Sandbox } from '../src/sandbox';

/** The sandbox Jira site (development only): `/` and `/sandbox/**`. */
export function sandboxRouter(sandbox: Sandbox): Router {
  return sandbox.router;
}
