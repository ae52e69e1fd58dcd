import { Router, type Request, type Response } from 'express';
import type { SandboxConnectHost } from './connect-host';
import { SANDBOX_USERS, isSiteAdmin, type SandboxUser } from './fixtures';
import type { SandboxState } from './sandbox-state';
import { sessionUser } from './session';

const MAX_PAGE = 50; // Jira Cloud's cap for group members
const MAX_PROPERTY_BYTES = 32 * 1024;

/**
 * The part of Jira Cloud's REST API that Twofold calls, answered as Jira does (paging, 404 bodies,
 * status codes). A call is accepted with the app's JWT (verified with its qsh) or, for AP.request()
 * from a framed page, with the sandbox's browser session.
 * @see https://developer.atlassian.com/cloud/jira/platform/rest/v3/
 */
export function hostRestRouter(host: SandboxConnectHost, state: SandboxState, siteUsers: readonly SandboxUser[] = SANDBOX_USERS): Router {
  const router = Router();
  const byId = new Map(siteUsers.map((user) => [user.accountId, user]));
  const findUser = (accountId: string) => byId.get(accountId);
  const groupNames = () => [...new Set(siteUsers.flatMap((user) => user.groups))].sort();

  router.use((req, res, next) => {
    if (req.headers.authorization) {
      const verdict = host.verifyAppRequest(req.method, req.originalUrl, req.headers.authorization);
      if (!verdict.ok) return void res.status(401).json({ errorMessages: [`Unauthorized: ${verdict.reason}`] });
      return next();
    }
    if (sessionUser(req)) return next();
    res.status(401).json({ errorMessages: ['You are not authenticated. Authentication required to perform this operation.'] });
  });

  router.get('/api/3/user', (req, res) => {
    const user = userParam(req, res, findUser);
    if (user) res.json(present(user, host));
  });

  router.get('/api/3/user/groups', (req, res) => {
    const user = userParam(req, res, findUser);
    if (user) res.json(user.groups.map((name) => ({ name, groupId: `group-${name}`, self: `${host.hostBaseUrl}/rest/api/3/group?groupId=group-${name}` })));
  });

  router.get('/api/3/myself', (req, res) => {
    const user = sessionUser(req);
    if (!user) return void res.status(401).json({ errorMessages: ['Only a signed-in user has a "myself".'] });
    res.json(present(user, host));
  });

  router.get('/api/3/users/search', (req, res) => {
    const { startAt, maxResults } = paging(req, 1000);
    res.json(siteUsers.slice(startAt, startAt + maxResults).map((user) => present(user, host)));
  });

  router.get('/api/3/group/member', (req, res) => {
    const groupName = queryText(req.query.groupname, '');
    const members = siteUsers.filter((user) => user.groups.includes(groupName));
    if (!groupName || members.length === 0) {
      return void res.status(404).json({ errorMessages: [`Group ${groupName || '(none)'} does not exist.`], errors: {} });
    }
    const includeInactive = req.query.includeInactiveUsers === 'true';
    const visible = includeInactive ? members : members.filter((user) => user.active);
    const { startAt, maxResults } = paging(req, MAX_PAGE);
    const values = visible.slice(startAt, startAt + maxResults).map((user) => present(user, host));
    const isLast = startAt + values.length >= visible.length;
    const self = `${host.hostBaseUrl}/rest/api/3/group/member?groupname=${encodeURIComponent(groupName)}&startAt=${startAt}&maxResults=${maxResults}`;
    res.json({
      self,
      ...(isLast ? {} : { nextPage: self.replace(/startAt=\d+/, `startAt=${startAt + maxResults}`) }),
      maxResults,
      startAt,
      total: visible.length,
      isLast,
      values,
    });
  });

  router.post('/api/3/permissions/check', (req, res) => {
    const body = (req.body ?? {}) as { accountId?: unknown; globalPermissions?: unknown };
    const user = typeof body.accountId === 'string' ? findUser(body.accountId) : sessionUser(req);
    if (!user) return void res.status(400).json({ errorMessages: ['Specify a valid accountId.'] });
    const asked = Array.isArray(body.globalPermissions) ? body.globalPermissions.filter((p): p is string => typeof p === 'string') : [];
    const held = isSiteAdmin(user) ? ['ADMINISTER', 'SYSTEM_ADMIN', 'USE'] : user.active ? ['USE'] : [];
    res.json({ globalPermissions: asked.filter((p) => held.includes(p)), projectPermissions: [] });
  });

  router.get('/api/3/user/properties', (req, res) => {
    const user = userParam(req, res, findUser);
    if (!user) return;
    const keys = Object.keys(state.userProperties(user.accountId)).map((key) => ({ self: propertyUrl(host, user, key), key }));
    res.json({ keys });
  });

  router.get('/api/3/user/properties/:key', (req, res) => {
    const user = userParam(req, res, findUser);
    if (!user) return;
    const key = String(req.params.key);
    const properties = state.userProperties(user.accountId);
    if (!(key in properties)) return void res.status(404).json({ errorMessages: [`Property with key '${key}' not found.`], errors: {} });
    res.json({ key, value: properties[key] });
  });

  router.put('/api/3/user/properties/:key', (req, res) => {
    const user = userParam(req, res, findUser);
    if (!user) return;
    const serialized = JSON.stringify(req.body ?? null);
    if (Buffer.byteLength(serialized) > MAX_PROPERTY_BYTES) {
      return void res.status(400).json({ errorMessages: ['The property value is larger than 32768 bytes.'], errors: {} });
    }
    const created = state.setUserProperty(user.accountId, String(req.params.key), req.body);
    res.status(created ? 201 : 200).end();
  });

  router.delete('/api/3/user/properties/:key', (req, res) => {
    const user = userParam(req, res, findUser);
    if (!user) return;
    if (!state.deleteUserProperty(user.accountId, String(req.params.key))) {
      return void res.status(404).json({ errorMessages: [`Property with key '${req.params.key}' not found.`], errors: {} });
    }
    res.status(204).end();
  });

  router.get('/api/3/groups/picker', (_req, res) => {
    const groups = groupNames();
    res.json({
      header: `Showing ${groups.length} of ${groups.length} matching groups`,
      total: groups.length,
      groups: groups.map((name) => ({ name, html: name, groupId: `group-${name}` })),
    });
  });

  return router;
}

function userParam(req: Request, res: Response, findUser: (accountId: string) => SandboxUser | undefined): SandboxUser | undefined {
  const accountId = req.query.accountId;
  const user = typeof accountId === 'string' ? findUser(accountId) : undefined;
  if (!user) res.status(404).json({ errorMessages: [`Specified user does not exist or you do not have required permissions`], errors: {} });
  return user;
}

function paging(req: Request, cap: number): { startAt: number; maxResults: number } {
  const startAt = Math.max(0, Number.parseInt(queryText(req.query.startAt, '0'), 10) || 0);
  const maxResults = Math.min(cap, Math.max(1, Number.parseInt(queryText(req.query.maxResults, String(cap)), 10) || cap));
  return { startAt, maxResults };
}

function present(user: SandboxUser, host: SandboxConnectHost) {
  return {
    self: `${host.hostBaseUrl}/rest/api/3/user?accountId=${user.accountId}`,
    accountId: user.accountId,
    accountType: 'atlassian',
    emailAddress: user.emailAddress,
    displayName: user.displayName,
    active: user.active,
    timeZone: 'Europe/Berlin',
  };
}

function propertyUrl(host: SandboxConnectHost, user: SandboxUser, key: string): string {
  return `${host.hostBaseUrl}/rest/api/3/user/properties/${encodeURIComponent(key)}?accountId=${user.accountId}`;
}

/** A query or form value as text, or `fallback` when absent or not a single string. */
function queryText(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}
