/**
 * Typed errors with stable codes. Tests and clients rely on `code`, never on `message`.
 * The HTTP status of each code lives in one table at the edge (src/adapters/http/error-status.ts),
 * so that the domain stays free of HTTP.
 *
 * Expected outcomes (a wrong code, a token Jira rejected) are usually results, not exceptions;
 * these errors are what crosses the edge when an operation cannot be carried out.
 */
export const ERROR_CODES = [
  // request shape and authentication
  'invalid_request',
  'not_found',
  'method_not_allowed',
  'payload_too_large',
  'unsupported_media_type',
  'unauthenticated',
  'token_expired',
  'unknown_tenant',
  'install_unauthorized',
  'not_admin',
  'forbidden',
  'verification_required',
  // second factors
  'invalid_code',
  'code_reused',
  'locked_out',
  'not_enrolled',
  'no_pending_enrollment',
  'id_taken',
  'invalid_policy',
  'method_disabled',
  // connector
  'invalid_consumer_key',
  'insecure_url',
  'connector_not_configured',
  'connector_needs_reauthorization',
  'authorization_state_invalid',
  'token_rejected',
  'access_token_expired',
  'signature_invalid',
  'consumer_key_unknown',
  'timestamp_refused',
  'nonce_used',
  'permission_unknown',
  'unauthorized',
  'unreachable',
  'upstream_error',
  'parameter_absent',
  'parameter_rejected',
  'signature_method_rejected',
  'version_rejected',
  'permission_denied',
  // host and infrastructure
  'host_unreachable',
  'service_unavailable',
  'internal_error',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface TwofoldErrorOptions {
  cause?: unknown;
  /** Machine-readable specifics that are safe to show (e.g. which fields were invalid). */
  details?: Record<string, unknown>;
  /** Seconds after which the client may try again (rendered as Retry-After). */
  retryAfterSeconds?: number;
}

export class TwofoldError extends Error {
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;
  readonly retryAfterSeconds?: number;

  constructor(code: ErrorCode, message: string, options: TwofoldErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TwofoldError';
    this.code = code;
    if (options.details !== undefined) this.details = options.details;
    if (options.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export function isTwofoldError(value: unknown): value is TwofoldError {
  return value instanceof TwofoldError;
}
