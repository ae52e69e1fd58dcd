import type { DataCenterSite, DataCenterUser } from '../../domain/gate/ports';
import type { HttpTransport } from '../../domain/ports/http-transport';
import type { JiraServerClient } from '../../domain/ports/jira-server-client';

const SESSION_TIMEOUT_MS = 5_000;

/**
 * The Data Center site behind a gate: "who is this session?" asked of Data Center with the user's own
 * cookie (never Twofold's credentials), and the user with their groups through the tenant's connector.
 *
 * @see https://docs.atlassian.com/software/jira/docs/api/REST/9.12.0/#auth/1/session-currentUser
 */
export class HttpDataCenterSite implements DataCenterSite {
  constructor(
    private readonly transport: HttpTransport,
    private readonly clientFor: (tenant: string) => Promise<JiraServerClient>,
  ) {}

  async sessionUser(baseUrl: string, sessionCookie: string): Promise<string | null> {
    const response = await this.transport.send({
      method: 'GET',
      url: `${baseUrl.replace(/\/+$/, '')}/rest/auth/1/session`,
      headers: { Cookie: sessionCookie, Accept: 'application/json', 'X-Atlassian-Token': 'no-check' },
      timeoutMs: SESSION_TIMEOUT_MS,
    });
    if (response.status === 401) return null;
    if (response.status !== 200) throw new Error(`Data Center answered ${response.status} to /rest/auth/1/session`);
    const body = JSON.parse(response.body) as { name?: unknown } | null;
    if (typeof body?.name !== 'string' || body.name.length === 0) throw new Error('Data Center named no user for the session');
    return body.name;
  }

  async user(tenant: string, username: string): Promise<DataCenterUser | null> {
    const client = await this.clientFor(tenant);
    const user = await client.findUserWithGroups({ username });
    return user === null ? null : { key: user.key, name: user.name, emailAddress: user.emailAddress, active: user.active, groups: user.groups };
  }
}
