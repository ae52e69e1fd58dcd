import * as jwt from 'atlassian-jwt';
import { TwofoldError } from '../../domain/errors';
import { retryAfterMs, retryAfterSeconds } from '../../domain/http/retry-after';
import type { Clock } from '../../domain/ports/clock';
import { UnreachableError, type HttpMethod, type HttpResponse, type HttpTransport } from '../../domain/ports/http-transport';
import type { HostPermissionGateway } from '../../domain/tenancy/host-permissions';
import type { Tenant } from '../../domain/tenancy/tenant';
import { HostPacers } from './host-request-pacer';

export interface HostUser {
  accountId: string;
  displayName: string;
  emailAddress: string | null;
  active: boolean;
}

export interface HostPage<T> {
  values: T[];
  startAt: number;
  total: number;
  isLast: boolean;
}

const JWT_VALIDITY_SECONDS = 180;

/**
 * Jira Cloud's REST API, called as the app: each request carries a JWT signed with the tenant's
 * sharedSecret whose qsh binds it to that request. (ACE's user impersonation needs Atlassian's OAuth
 * server, so Twofold asks about users instead of acting as them.)
 * @see https://developer.atlassian.com/cloud/jira/platform/understanding-jwt-for-connect-apps/
 */
export class JiraCloudHostClient implements HostPermissionGateway {
  constructor(
    private readonly transport: HttpTransport,
    private readonly clock: Clock,
    private readonly appKey: string,
    private readonly timeoutMs = 10_000,
    /** Each site's pace, learned from its 429s (host-request-pacer.ts). */
    private readonly pacers = new HostPacers(),
  ) {}

  async hasGlobalPermission(tenant: Tenant, accountId: string, permission: 'ADMINISTER'): Promise<boolean> {
    const answer = await this.json<{ globalPermissions?: string[] }>(tenant, 'POST', '/rest/api/3/permissions/check', {
      body: { accountId, globalPermissions: [permission] },
    });
    return answer?.globalPermissions?.includes(permission) ?? false;
  }

  async getUser(tenant: Tenant, accountId: string): Promise<HostUser | null> {
    const user = await this.json<HostUser>(tenant, 'GET', '/rest/api/3/user', { query: { accountId }, allowNotFound: true });
    return user ? { accountId: user.accountId, displayName: user.displayName, emailAddress: user.emailAddress ?? null, active: user.active } : null;
  }

  async groupMembers(tenant: Tenant, groupName: string, startAt: number, maxResults = 50): Promise<HostPage<HostUser>> {
    const page = await this.json<HostPage<HostUser>>(tenant, 'GET', '/rest/api/3/group/member', {
      query: { groupname: groupName, startAt: String(startAt), maxResults: String(maxResults), includeInactiveUsers: 'false' },
    });
    if (!page) throw new TwofoldError('upstream_error', `Jira returned no members for group ${groupName}.`);
    return page;
  }

  /** The groups a user belongs to. @see https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-users/#api-rest-api-3-user-groups-get */
  async userGroups(tenant: Tenant, accountId: string): Promise<string[] | null> {
    const groups = await this.json<Array<{ name: string }>>(tenant, 'GET', '/rest/api/3/user/groups', { query: { accountId }, allowNotFound: true });
    return groups ? groups.map((group) => group.name) : null;
  }

  /** Users of the site, a page at a time (includes app and inactive accounts; callers filter). */
  async searchUsers(tenant: Tenant, startAt: number, maxResults: number): Promise<Array<HostUser & { accountType?: string }>> {
    const users = await this.json<Array<HostUser & { accountType?: string }>>(tenant, 'GET', '/rest/api/3/users/search', {
      query: { startAt: String(startAt), maxResults: String(maxResults) },
    });
    return (users ?? []).map((user) => ({
      accountId: user.accountId,
      displayName: user.displayName,
      emailAddress: user.emailAddress ?? null,
      active: user.active,
      ...(user.accountType === undefined ? {} : { accountType: user.accountType }),
    }));
  }

  async getUserProperty<T>(tenant: Tenant, accountId: string, key: string): Promise<T | null> {
    const property = await this.json<{ value: T }>(tenant, 'GET', `/rest/api/3/user/properties/${encodeURIComponent(key)}`, {
      query: { accountId },
      allowNotFound: true,
    });
    return property ? property.value : null;
  }

  async setUserProperty(tenant: Tenant, accountId: string, key: string, value: unknown): Promise<void> {
    await this.json(tenant, 'PUT', `/rest/api/3/user/properties/${encodeURIComponent(key)}`, { query: { accountId }, body: value });
  }

  async deleteUserProperty(tenant: Tenant, accountId: string, key: string): Promise<void> {
    await this.json(tenant, 'DELETE', `/rest/api/3/user/properties/${encodeURIComponent(key)}`, { query: { accountId }, allowNotFound: true });
  }

  /**
   * A call as the app whose answer the caller reads itself, whatever its status (the sync reads a 429's
   * Retry-After and tells a 401 from a 5xx). No answer at all is `host_unreachable`, as for every call.
   */
  async request(tenant: Tenant, method: HttpMethod, path: string, options: { query?: Record<string, string>; body?: unknown } = {}): Promise<HttpResponse> {
    const query = new URLSearchParams(options.query ?? {}).toString();
    return this.send(tenant, method, query ? `${path}?${query}` : path, options.body);
  }

  private async json<T>(
    tenant: Tenant,
    method: HttpMethod,
    path: string,
    options: { query?: Record<string, string>; body?: unknown; allowNotFound?: boolean },
  ): Promise<T | null> {
    const query = new URLSearchParams(options.query ?? {}).toString();
    const pathAndQuery = query ? `${path}?${query}` : path;
    const response = await this.send(tenant, method, pathAndQuery, options.body);
    if (response.status === 404 && options.allowNotFound) return null;
    if (response.status < 200 || response.status >= 300) {
      // A 429 or 503 names when to come back; jobs wait that long (src/domain/jobs/upstream-failure.ts).
      const retryAfter = retryAfterSeconds(response.headers['retry-after'], this.clock.now());
      throw new TwofoldError('upstream_error', `Jira answered ${method} ${path} with HTTP ${response.status}.`, {
        details: { status: response.status, path },
        ...(retryAfter === undefined ? {} : { retryAfterSeconds: retryAfter }),
      });
    }
    if (response.status === 204 || response.body.length === 0) return null;
    return JSON.parse(response.body) as T;
  }

  private async send(tenant: Tenant, method: HttpMethod, pathAndQuery: string, body: unknown): Promise<HttpResponse> {
    const now = Math.floor(this.clock.now().getTime() / 1000);
    const url = `${tenant.baseUrl.replace(/\/+$/, '')}${pathAndQuery}`;
    const token = jwt.encodeSymmetric(
      {
        iss: this.appKey,
        iat: now,
        exp: now + JWT_VALIDITY_SECONDS,
        qsh: jwt.createQueryStringHash(jwt.fromMethodAndUrl(method, url), false, tenant.baseUrl),
      },
      tenant.sharedSecret,
    );
    const headers: Record<string, string> = { Authorization: `JWT ${token}`, Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const pacer = this.pacers.for(tenant.baseUrl);
    const turn = await pacer.turn();
    if (!turn.send) {
      // The site asked for a pause longer than a caller should be held: answered as the site would.
      return { status: 429, headers: { 'retry-after': String(Math.ceil(turn.retryAfterMs / 1000)) }, body: '' };
    }
    try {
      const response = await this.transport.send({
        method,
        url,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        timeoutMs: this.timeoutMs,
      });
      if (response.status === 429) pacer.refused(turn.at, retryAfterMs(response.headers['retry-after'], this.clock.now()));
      else pacer.answered();
      return response;
    } catch (error) {
      if (error instanceof UnreachableError) {
        throw new TwofoldError('host_unreachable', `Jira at ${new URL(tenant.baseUrl).host} could not be reached (${error.reason}).`, { cause: error });
      }
      throw error;
    }
  }
}
