/**
 * The REST resources of the fake Jira Server, as Jira Server 8/9 shapes them: myself, user, group
 * members with startAt/maxResults paging, and user properties (addressed by userKey or username).
 */
export interface FakeJiraUser {
  key: string;
  name: string;
  displayName: string;
  /** Without one, `{name}@example.com`; null: hidden (Jira's email visibility "hidden" leaves it out). */
  emailAddress?: string | null;
  password?: string;
  active?: boolean;
  /** Jira administrators may read and write other users' properties. */
  admin?: boolean;
}

export interface RestContext {
  method: string;
  path: string;
  query: URLSearchParams;
  body: string;
  user: FakeJiraUser;
  users: FakeJiraUser[];
  groups: Record<string, string[]>;
  properties: Map<string, unknown>;
  baseUrl: string;
}

type Answer = { status: number; body?: unknown };

const notFound = (message: string): Answer => ({ status: 404, body: { errorMessages: [message], errors: {} } });

export function handleRest(ctx: RestContext): Answer {
  const view = (u: FakeJiraUser): Record<string, unknown> => ({
    self: `${ctx.baseUrl}/rest/api/2/user?username=${encodeURIComponent(u.name)}`,
    key: u.key,
    name: u.name,
    ...(u.emailAddress === null ? {} : { emailAddress: u.emailAddress ?? `${u.name}@example.com` }),
    displayName: u.displayName,
    active: u.active !== false,
    timeZone: 'Europe/Berlin',
  });
  if (ctx.path === '/rest/api/2/myself' && ctx.method === 'GET') return { status: 200, body: view(ctx.user) };

  if (ctx.path === '/rest/api/2/user' && ctx.method === 'GET') {
    const found = findUser(ctx.users, ctx.query, 'key');
    if (found === undefined) return notFound('The user does not exist');
    if (ctx.query.get('expand') !== 'groups') return { status: 200, body: view(found) };
    const items = Object.entries(ctx.groups)
      .filter(([, names]) => names.includes(found.name))
      .map(([name]) => ({ name, self: `${ctx.baseUrl}/rest/api/2/group?groupname=${encodeURIComponent(name)}` }));
    return { status: 200, body: { ...view(found), groups: { size: items.length, items } } };
  }

  if (ctx.path === '/rest/api/2/group/member' && ctx.method === 'GET') {
    const group = ctx.query.get('groupname') ?? '';
    const names = ctx.groups[group];
    if (names === undefined) return notFound(`Group '${group}' does not exist.`);
    const members = names.map((n) => ctx.users.find((u) => u.name === n)).filter((u): u is FakeJiraUser => u !== undefined);
    const startAt = Number(ctx.query.get('startAt') ?? 0);
    const maxResults = Math.min(Number(ctx.query.get('maxResults') ?? 50), 50);
    const values = members.slice(startAt, startAt + maxResults).map(view);
    const isLast = startAt + values.length >= members.length;
    return { status: 200, body: { self: `${ctx.baseUrl}${ctx.path}`, maxResults, startAt, total: members.length, isLast, values } };
  }

  const property = /^\/rest\/api\/2\/user\/properties\/([^/]+)$/.exec(ctx.path);
  if (property !== null) {
    const propertyKey = decodeURIComponent(property[1]!);
    const owner = findUser(ctx.users, ctx.query, 'userKey');
    if (owner === undefined) return notFound('The user does not exist');
    if (owner.key !== ctx.user.key && ctx.user.admin !== true) {
      return { status: 403, body: { errorMessages: ['You do not have permission to edit the properties of this user.'], errors: {} } };
    }
    const id = `${owner.key}\u0000${propertyKey}`;
    if (ctx.method === 'GET') {
      return ctx.properties.has(id)
        ? { status: 200, body: { key: propertyKey, value: ctx.properties.get(id) } }
        : notFound(`Property '${propertyKey}' does not exist.`);
    }
    if (ctx.method === 'PUT') {
      const existed = ctx.properties.has(id);
      try {
        ctx.properties.set(id, JSON.parse(ctx.body));
      } catch {
        return { status: 400, body: { errorMessages: ['The property value must be JSON.'], errors: {} } };
      }
      return { status: existed ? 200 : 201 };
    }
    if (ctx.method === 'DELETE') return ctx.properties.delete(id) ? { status: 204 } : notFound(`Property '${propertyKey}' does not exist.`);
  }
  return notFound('null for uri');
}

function findUser(users: FakeJiraUser[], query: URLSearchParams, keyParameter: 'key' | 'userKey'): FakeJiraUser | undefined {
  const key = query.get(keyParameter);
  const username = query.get('username');
  return users.find((u) => (key !== null ? u.key === key : u.name === username));
}
