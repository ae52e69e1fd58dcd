/**
 * Typed errors with stable codes. Tests and clients rely on `code`, never on `message`.
 * The HTTP status of each code lives in one table at the edge (src/http/error-status.ts),
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
  // email codes
  'too_many_emails',
  'mail_not_configured',
  'email_hidden',
  'email_not_confirmed',
  'rate_limited',
  // the access pass (src/domain/approvals)
  'no_device',
  'pairing_used',
  'pairing_expired',
  'bad_signature',
  'wrong_symbol',
  'challenge_closed',
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
  // durable jobs
  'job_running',
  'directory_not_mirrored',
  'invalid_token_file',
  // host and infrastructure
  'host_unreachable',
  'service_unavailable',
  'connector_not_ready',
  'bad_origin',
  'approval_closed',
  'internal_error',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** One problem with one input field: `field` is a dotted path (`totp.digits`), `problem` says what is allowed. */
export interface FieldProblem {
  readonly field: string;
  readonly problem: string;
}

/** The details of a refused input: every bad field at once, so that a client can fix them all. */
export interface FieldDetails {
  readonly fields: readonly FieldProblem[];
}

/**
 * What Jira (or the Connect host) answered instead of what we asked for; every field is optional because
 * each failure knows only some of them. `status`: Jira's HTTP status; `location`: where a redirect pointed;
 * `reason` and `host`: why and where a call got no answer; `problem`, `jiraAdvice`, `acceptableTimestamps`,
 * `jiraSignedUri`, `signedUri`: an OAuth 1.0a problem report; `code`: the refusal latched earlier;
 * `group`, `path`: what was asked for.
 */
export interface UpstreamDetails {
  readonly status?: number;
  readonly location?: string;
  readonly reason?: string;
  readonly host?: string;
  readonly problem?: string | null;
  readonly jiraAdvice?: string;
  readonly acceptableTimestamps?: { readonly from: number; readonly to: number };
  readonly jiraSignedUri?: string;
  readonly signedUri?: string;
  readonly code?: string;
  readonly group?: string;
  readonly path?: string;
}

/**
 * Why the connector cannot be used: its `status` (as in GET /api/v1/admin/connector), and when Jira
 * refused its credentials, the refusal's code (`reason`) and Jira's own word (`problem`).
 */
export interface ConnectorStateDetails {
  readonly status?: string;
  readonly reason?: string;
  readonly problem?: string | null;
}

/**
 * The one shape of `error.details` for each code (`never`: the code has no details). A producer that
 * gives another shape does not compile; docs/contract-extensions.md describes them for clients.
 */
export interface ErrorDetailsByCode {
  invalid_request: FieldDetails & {
    /** For a malformed TOTP code: how many digits the user's factor has. */
    readonly digits?: number;
  };
  not_found: never;
  method_not_allowed: never;
  payload_too_large: never;
  unsupported_media_type: never;
  unauthenticated: never;
  token_expired: never;
  unknown_tenant: never;
  install_unauthorized: never;
  not_admin: never;
  forbidden: never;
  verification_required:
    | { readonly reason: 'session' | 'recent'; readonly withinMinutes: number }
    | { readonly reason: 'code'; readonly action: string; readonly accepts: readonly ('code' | 'backupCode')[] };
  invalid_code: { readonly attemptsLeft: number };
  code_reused: never;
  locked_out: { readonly retryAfterSeconds: number; readonly until: string; readonly scope: 'user' | 'tenant' };
  not_enrolled: never;
  no_pending_enrollment: never;
  id_taken: never;
  invalid_policy: FieldDetails;
  method_disabled: never;
  too_many_emails: { readonly retryAfterSeconds: number };
  mail_not_configured: never;
  email_hidden: never;
  email_not_confirmed: never;
  no_device: never;
  pairing_used: never;
  pairing_expired: never;
  bad_signature: never;
  wrong_symbol: never;
  challenge_closed: never;
  invalid_consumer_key: FieldDetails;
  insecure_url: { readonly host: string };
  connector_not_configured: ConnectorStateDetails;
  connector_needs_reauthorization: ConnectorStateDetails;
  authorization_state_invalid: never;
  token_rejected: UpstreamDetails;
  access_token_expired: UpstreamDetails;
  signature_invalid: UpstreamDetails;
  consumer_key_unknown: UpstreamDetails;
  timestamp_refused: UpstreamDetails;
  nonce_used: UpstreamDetails;
  permission_unknown: UpstreamDetails;
  unauthorized: UpstreamDetails;
  unreachable: UpstreamDetails;
  upstream_error: UpstreamDetails;
  parameter_absent: UpstreamDetails;
  parameter_rejected: UpstreamDetails;
  signature_method_rejected: UpstreamDetails;
  version_rejected: UpstreamDetails;
  permission_denied: UpstreamDetails;
  /** The job of the same kind already queued or running for the tenant (`GET /api/v1/admin/jobs/{jobId}`). */
  job_running: { readonly jobId: string; readonly kind: string };
  directory_not_mirrored: never;
  /** Every bad row of a hardware token seed file, with its line (1-based) and a stable reason code. */
  invalid_token_file: { readonly rows: readonly { readonly line: number; readonly reason: string }[] };
  host_unreachable: UpstreamDetails;
  service_unavailable: never;
  /** Too many requests from one client address (client-rate-limit.ts), or ID checks of one user. */
  rate_limited: { readonly retryAfterSeconds: number };
  connector_not_ready: { readonly status: string };
  bad_origin: never;
  approval_closed: never;
  /** Never any: an internal error says nothing about our insides to the caller. */
  internal_error: never;
}

/** A code added to ERROR_CODES without its details shape above is a type error here. */
const everyCodeHasADetailsShape: Exclude<ErrorCode, keyof ErrorDetailsByCode> extends never ? true : never = true;
void everyCodeHasADetailsShape;

export type ErrorDetails<C extends ErrorCode = ErrorCode> = ErrorDetailsByCode[C];

export interface TwofoldErrorOptions<C extends ErrorCode = ErrorCode> {
  cause?: unknown;
  /** Machine-readable specifics that are safe to show, in the code's one shape (ErrorDetailsByCode). */
  details?: ErrorDetails<C>;
  /** Seconds after which the client may try again (rendered as Retry-After). */
  retryAfterSeconds?: number;
}

/**
 * A refusal the caller can act on (a bad input, a wrong code, Jira said no): a 4xx or 5xx with its code.
 * Misuse of our own code and corrupt data are InvariantError instead.
 */
export class TwofoldError<C extends ErrorCode = ErrorCode> extends Error {
  readonly code: C;
  readonly details?: ErrorDetails<C>;
  readonly retryAfterSeconds?: number;

  constructor(code: C, message: string, options: TwofoldErrorOptions<C> = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TwofoldError';
    this.code = code;
    if (options.details !== undefined) this.details = options.details;
    if (options.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/**
 * A programming or data error: an impossible parameter, a corrupt row, a broken random source. Never the
 * caller's mistake, so it is `500 internal_error`, logged at error level with the request id; its message
 * and `facts` are for the log only and never reach the response.
 */
export class InvariantError extends TwofoldError<'internal_error'> {
  /** What the log needs to find the bug (never a secret). */
  readonly facts: Readonly<Record<string, unknown>> | undefined;

  constructor(message: string, facts?: Record<string, unknown>, cause?: unknown) {
    super('internal_error', message, cause === undefined ? {} : { cause });
    this.name = 'InvariantError';
    this.facts = facts;
  }
}

export function isTwofoldError(value: unknown): value is TwofoldError {
  return value instanceof TwofoldError;
}

/** The details of `error` when it has `code`, typed by that code's shape. */
export function detailsOf<C extends ErrorCode>(error: unknown, code: C): ErrorDetails<C> | undefined {
  return error instanceof TwofoldError && error.code === code ? (error.details as ErrorDetails<C> | undefined) : undefined;
}
