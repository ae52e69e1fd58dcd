import { TwofoldError } from '../../domain/errors';
import { TWOFOLD_ID_PROPERTY_KEY, type TwofoldIdProperty } from '../../domain/idmap/twofold-id-property';
import { dataCenterUserKey, type PropertyRead, type UserPropertyGateway } from '../../domain/idmap/user-property-gateway';
import { JobStop, RetryItemLater } from '../../domain/jobs/job-kind';
import type { JiraServerClient, JiraUserRef } from '../../domain/ports/jira-server-client';

/** Wait after a 5xx or no answer that the client's own retries did not cure. */
export const CONNECTOR_BACKOFF_MS = 10_000;

/**
 * The `twofold-id` user property on Jira Server/Data Center, through the connector's JiraServerClient.
 * Twofold's account `dc:JIRAUSER10100` is the Jira user with key `JIRAUSER10100` (the key, not the
 * username, since usernames can be renamed). The client has already retried 429 and 5xx a few times;
 * what still fails is handed to the job machinery to retry later, and a refusal of the credentials
 * stops the job with what the admin must do.
 */
export class ConnectorUserPropertyGateway implements UserPropertyGateway {
  readonly target = 'connector' as const;

  constructor(private readonly client: JiraServerClient) {}

  async read(accountId: string): Promise<PropertyRead> {
    const user = refOf(accountId);
    if (user === null) return { userExists: false };
    const raw = await guarded(() => this.client.getUserProperty(user, TWOFOLD_ID_PROPERTY_KEY));
    if (raw !== null) return { userExists: true, raw };
    // Jira answers 404 both for "no property" and "no user": ask which.
    return (await guarded(() => this.client.findUser(user))) === null ? { userExists: false } : { userExists: true, raw: null };
  }

  async write(accountId: string, value: TwofoldIdProperty): Promise<'written' | 'unknown_user'> {
    const user = refOf(accountId);
    if (user === null) return 'unknown_user';
    try {
      await guarded(() => this.client.setUserProperty(user, TWOFOLD_ID_PROPERTY_KEY, value));
      return 'written';
    } catch (error) {
      if (error instanceof TwofoldError && statusOf(error) === 404) return 'unknown_user';
      throw error;
    }
  }

  async remove(accountId: string): Promise<'removed' | 'unknown_user'> {
    const user = refOf(accountId);
    if (user === null) return 'unknown_user';
    await guarded(() => this.client.deleteUserProperty(user, TWOFOLD_ID_PROPERTY_KEY));
    return (await guarded(() => this.client.findUser(user))) === null ? 'unknown_user' : 'removed';
  }
}

function refOf(accountId: string): JiraUserRef | null {
  const key = dataCenterUserKey(accountId);
  return key === null || key === '' ? null : { key };
}

function statusOf(error: { details?: unknown }): number | undefined {
  const details = error.details as { status?: unknown } | undefined;
  return typeof details?.status === 'number' ? details.status : undefined;
}

/** The client's errors, turned into the job machinery's signals where one applies. */
async function guarded<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw asJobSignal(error);
  }
}

/** Exported for tests: which connector failures stop the job, which retry an item later. */
export function asJobSignal(error: unknown): unknown {
  if (!(error instanceof TwofoldError)) return error;
  switch (error.code) {
    case 'token_rejected':
    case 'access_token_expired':
    case 'unauthorized':
    case 'connector_needs_reauthorization':
      return new JobStop(
        'connector_needs_reauthorization',
        "Jira Server/Data Center no longer accepts the connector's credentials: reauthorize the connector (or save the correct password) on the Jira connector page, then start the job again.",
      );
    case 'connector_not_configured':
      return new JobStop(
        'connector_not_configured',
        'The Jira Server/Data Center connector is not set up or not authorized: finish it on the Jira connector page first.',
      );
    case 'unreachable':
      return new RetryItemLater(CONNECTOR_BACKOFF_MS, error.message);
  }
  const status = statusOf(error);
  if (status === 403) {
    return new JobStop(
      'connector_forbidden',
      "Jira Server/Data Center refused the connector's user access to other users' properties (403): give the Jira user Twofold acts as Jira administrator rights, then start the job again.",
    );
  }
  if (status === 429 || (status !== undefined && status >= 500)) {
    return new RetryItemLater(error.retryAfterSeconds === undefined ? CONNECTOR_BACKOFF_MS : error.retryAfterSeconds * 1000, error.message);
  }
  return error;
}
