import { TwofoldError } from '../../domain/errors';
import { retryAfterMs } from '../../domain/http/retry-after';
import { TWOFOLD_ID_PROPERTY_KEY, type TwofoldIdProperty } from '../../domain/idmap/twofold-id-property';
import type { PropertyRead, UserPropertyGateway } from '../../domain/idmap/user-property-gateway';
import { JobStop, RetryItemLater } from '../../domain/jobs/job-kind';
import type { Clock } from '../../domain/ports/clock';
import type { HttpResponse } from '../../domain/ports/http-transport';
import type { Tenant } from '../../domain/tenancy/tenant';
import type { JiraCloudHostClient } from './jira-cloud-host-client';

/** Wait after a 5xx or no answer when the host gives no Retry-After. */
export const HOST_BACKOFF_MS = 5_000;
const PATH = `/rest/api/3/user/properties/${TWOFOLD_ID_PROPERTY_KEY}`;

/**
 * The `twofold-id` user property on Jira Cloud, read and written as the app (the ADMIN scope lets an
 * app write other users' properties). A 404 on a property read is ambiguous (no property, or no such
 * user), so the user is looked up then, and only then.
 * @see https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-user-properties/
 */
export class HostUserPropertyGateway implements UserPropertyGateway {
  readonly target = 'host' as const;

  constructor(
    private readonly host: JiraCloudHostClient,
    private readonly tenant: Tenant,
    private readonly clock: Clock,
  ) {}

  async read(accountId: string): Promise<PropertyRead> {
    const response = await this.call('GET', PATH, accountId);
    if (response.status === 404) {
      const user = await this.call('GET', '/rest/api/3/user', accountId);
      if (user.status === 404) return { userExists: false };
      this.refuseUnexpected(user, '/rest/api/3/user');
      return { userExists: true, raw: null };
    }
    this.refuseUnexpected(response, PATH);
    const body = parseBody(response.body) as { value?: unknown } | null;
    return { userExists: true, raw: body?.value ?? null };
  }

  async write(accountId: string, value: TwofoldIdProperty): Promise<'written' | 'unknown_user'> {
    const response = await this.call('PUT', PATH, accountId, value);
    if (response.status === 404) return 'unknown_user';
    this.refuseUnexpected(response, PATH);
    return 'written';
  }

  async remove(accountId: string): Promise<'removed' | 'unknown_user'> {
    const response = await this.call('DELETE', PATH, accountId);
    if (response.status === 404) {
      // No property is fine; no user is worth reporting.
      const user = await this.call('GET', '/rest/api/3/user', accountId);
      return user.status === 404 ? 'unknown_user' : 'removed';
    }
    this.refuseUnexpected(response, PATH);
    return 'removed';
  }

  private async call(method: 'GET' | 'PUT' | 'DELETE', path: string, accountId: string, body?: unknown): Promise<HttpResponse> {
    let response: HttpResponse;
    try {
      response = await this.host.request(this.tenant, method, path, { query: { accountId }, ...(body === undefined ? {} : { body }) });
    } catch (error) {
      if (error instanceof TwofoldError && error.code === 'host_unreachable') throw new RetryItemLater(HOST_BACKOFF_MS, error.message);
      throw error;
    }
    return classifyHostAnswer(response, this.clock.now());
  }

  private refuseUnexpected(response: HttpResponse, path: string): void {
    if (response.status >= 200 && response.status < 300) return;
    throw new TwofoldError('upstream_error', `Jira answered ${response.status} for ${path}.`, { details: { status: response.status, path } });
  }
}

/**
 * What the job machinery does with an answer: a 429 waits for its Retry-After (or the backoff), a 5xx
 * for the backoff; a 401 or 403 stops the job, since every other item would be refused the same way.
 * Any other answer goes back to the caller.
 * @see RFC 6585 §4 (429), RFC 9110 §10.2.3 (Retry-After)
 */
export function classifyHostAnswer(response: HttpResponse, now: Date): HttpResponse {
  const { status } = response;
  if (status === 429 || status >= 500) {
    const wait = retryAfterMs(response.headers['retry-after'], now) ?? HOST_BACKOFF_MS;
    throw new RetryItemLater(wait, `Jira answered ${status}; trying again in ${Math.ceil(wait / 1000)} s.`);
  }
  if (status === 401) {
    throw new JobStop(
      'host_unauthorized',
      "Jira Cloud refused the app's signed requests (401): the app's installation is out of date or was removed. Reinstall or update Twofold from Manage apps, then start the job again.",
    );
  }
  if (status === 403) {
    throw new JobStop(
      'host_forbidden',
      "Jira Cloud refused to let the app change users' properties (403): the installed version of Twofold lacks the ADMIN scope. Update the app from Manage apps and approve its permissions, then start the job again.",
    );
  }
  return response;
}

function parseBody(body: string): unknown {
  if (body.length === 0) return null;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    throw new TwofoldError('upstream_error', 'Jira answered with a body that is not JSON.', { details: { path: PATH } });
  }
}
