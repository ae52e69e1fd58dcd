import { TwofoldError, type ErrorCode, type UpstreamDetails } from '../errors';

export interface OAuth1ErrorOptions {
  /** The `oauth_problem` value Jira sent, as sent (e.g. `token_revoked`, which maps to `token_rejected`). */
  problem?: string;
  /** The HTTP status of Jira's answer. */
  status?: number;
  details?: UpstreamDetails;
  retryAfterSeconds?: number;
  cause?: unknown;
}

/**
 * What a protocol step's parse function returns instead of a result (panva/oauth4webapi style: expected
 * failures are values). `code` is stable and drives the edge's status table; `message` is a sentence for a
 * Jira admin saying what to fix; `problem` keeps Jira's own word for it.
 */
export class OAuth1Error extends TwofoldError {
  readonly problem: string | undefined;
  readonly status: number | undefined;
  /** Every OAuth 1.0a failure code has the upstream details shape. */
  declare readonly details?: UpstreamDetails;

  constructor(code: ErrorCode, message: string, options: OAuth1ErrorOptions = {}) {
    super(code, message, {
      ...(options.details === undefined ? {} : { details: options.details }),
      ...(options.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: options.retryAfterSeconds }),
      ...(options.cause === undefined ? {} : { cause: options.cause }),
    });
    this.name = 'OAuth1Error';
    this.problem = options.problem;
    this.status = options.status;
  }
}

export function isOAuth1Error(value: unknown): value is OAuth1Error {
  return value instanceof OAuth1Error;
}
