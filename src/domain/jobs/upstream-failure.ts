import { TwofoldError } from '../errors';
import { JobStop, RetryItemLater } from './job-kind';

/** How long to wait after a 5xx or an unreachable host when the answer named no Retry-After. */
const BACKOFF_MS = 5_000;

/**
 * What a job does with a failure of the host or of Jira Server/DC (for kinds that call them): a `401`
 * or `403`, or a connector whose credentials Jira no longer takes, stops the job with a reason an admin
 * can act on (`JobStop`); a `429` waits for its Retry-After and a `5xx` or no answer backs off
 * (`RetryItemLater`); anything else is returned unchanged, for the caller to fail the item or rethrow.
 */
export function asJobFailure(error: unknown, where: 'host' | 'connector'): unknown {
  if (!(error instanceof TwofoldError)) return error;
  const status = (error.details as { status?: unknown } | undefined)?.status;
  switch (error.code) {
    case 'connector_needs_reauthorization':
    case 'token_rejected':
    case 'access_token_expired':
    case 'unauthorized':
      return new JobStop(
        'connector_needs_reauthorization',
        'Jira Server/Data Center no longer accepts the connector’s credentials: reauthorize it on the Jira connector page, then start the job again.',
      );
    case 'connector_not_configured':
      return new JobStop(
        'connector_not_configured',
        'The Jira Server/Data Center connector is not set up: configure and authorize it on the Jira connector page, then start the job again.',
      );
    case 'host_unreachable':
    case 'unreachable':
      return new RetryItemLater((error.retryAfterSeconds ?? 0) * 1000 || BACKOFF_MS, error.message);
    case 'upstream_error':
      if (status === 401 || status === 403) {
        return where === 'host'
          ? new JobStop(
              'host_refused',
              `Jira Cloud refused the app's request (HTTP ${status}): check that Twofold is still installed with the Administer scope, then start the job again.`,
            )
          : new JobStop(
              'jira_refused',
              `Jira Server/Data Center refused the connector's request (HTTP ${status}): the connector's Jira user needs the permission to browse users and groups.`,
            );
      }
      if (status === 429 || (typeof status === 'number' && status >= 500)) {
        return new RetryItemLater(error.retryAfterSeconds !== undefined ? error.retryAfterSeconds * 1000 : BACKOFF_MS, error.message);
      }
      return error;
    default:
      return error;
  }
}
