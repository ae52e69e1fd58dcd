import type { ErrorCode, UpstreamDetails } from '../errors';
import { OAuth1Error } from './oauth1-error';
import { baseStringUriOf, type OAuthProblemReport } from './problem-reporting';

/** What the caller knows that makes the sentence precise. */
export interface ProblemContext {
  status?: number;
  consumerKey?: string;
  /** The base string URI we signed, to compare with the one Jira reports on `signature_invalid`. */
  signedUri?: string;
}

type Advice = { code: ErrorCode; sentence: (report: OAuthProblemReport, context: ProblemContext) => string };

const REAUTHORIZE = 'Reauthorize the connector in Twofold (Jira connector › Authorize).';

/**
 * One entry per `oauth_problem` value of the Problem Reporting extension: the stable code it maps to and a
 * sentence that tells a Jira admin what to fix. Several of Jira's words share a code where the fix is the same.
 */
const ADVICE: Record<string, Advice> = {
  token_rejected: {
    code: 'token_rejected',
    sentence: () =>
      `Jira rejected the access token: it was revoked in Jira (Profile › Tools › View OAuth Access Tokens), or the Application Link was deleted or recreated. ${REAUTHORIZE}`,
  },
  token_revoked: { code: 'token_rejected', sentence: () => `A Jira user or admin revoked the access token. ${REAUTHORIZE}` },
  token_used: {
    code: 'token_rejected',
    sentence: () => 'Jira says this request token was already exchanged. Start the authorization again from Twofold.',
  },
  token_expired: {
    code: 'access_token_expired',
    sentence: () => `The token has expired (Jira's access tokens last 5 years by default; request tokens 10 minutes). ${REAUTHORIZE}`,
  },
  signature_invalid: { code: 'signature_invalid', sentence: signatureInvalid },
  signature_method_rejected: {
    code: 'signature_method_rejected',
    sentence: () =>
      "Jira refused the RSA-SHA1 signature method for this consumer: set the Application Link's incoming authentication to use the public key that Twofold shows.",
  },
  consumer_key_unknown: { code: 'consumer_key_unknown', sentence: consumerUnknown },
  consumer_key_rejected: { code: 'consumer_key_unknown', sentence: consumerUnknown },
  consumer_key_refused: {
    code: 'unauthorized',
    sentence: () => 'Jira temporarily refuses this consumer (too many requests, or the link is disabled). Try again later; check the Application Link in Jira.',
  },
  timestamp_refused: { code: 'timestamp_refused', sentence: timestampRefused },
  nonce_used: {
    code: 'nonce_used',
    sentence: () =>
      "Jira saw this request's nonce before: something between Twofold and Jira replayed the request (a proxy that retries), or two Twofold instances share a clock that jumped. Try again; if it persists, check the proxy.",
  },
  parameter_absent: {
    code: 'parameter_absent',
    sentence: (report) =>
      `Jira did not receive the OAuth parameters${list(report.parametersAbsent)}: a proxy or load balancer in front of Jira may strip the Authorization header. Configure it to pass the header through.`,
  },
  parameter_rejected: {
    code: 'parameter_rejected',
    sentence: (report) =>
      `Jira rejected the OAuth parameters${list(report.parametersRejected)}. Start the authorization again; if it persists, report it with Jira's version.`,
  },
  version_rejected: {
    code: 'version_rejected',
    sentence: (report) =>
      `Jira does not accept OAuth version 1.0${report.acceptableVersions === undefined ? '' : ` (it accepts ${report.acceptableVersions})`}.`,
  },
  permission_unknown: {
    code: 'permission_unknown',
    sentence: () =>
      "The request token was not approved yet: the Jira user must click Allow on Jira's authorization page before Twofold can exchange it. Start the authorization again.",
  },
  permission_denied: {
    code: 'permission_denied',
    sentence: () => "The Jira user chose Deny on Jira's authorization page. Start the authorization again and choose Allow.",
  },
};

/** Turns a problem report into a typed error with a sentence for the admin. */
export function oauth1ErrorFromProblem(report: OAuthProblemReport, context: ProblemContext = {}): OAuth1Error {
  const advice = ADVICE[report.problem];
  const details: { -readonly [K in keyof UpstreamDetails]: UpstreamDetails[K] } = { problem: report.problem };
  if (report.advice !== undefined) details.jiraAdvice = report.advice;
  if (report.acceptableTimestamps !== undefined) details.acceptableTimestamps = report.acceptableTimestamps;
  const jiraUri = report.signatureBaseString === undefined ? undefined : baseStringUriOf(report.signatureBaseString);
  if (jiraUri !== undefined) details.jiraSignedUri = jiraUri;
  if (context.signedUri !== undefined) details.signedUri = context.signedUri;
  const message =
    advice === undefined
      ? `Jira refused the request (oauth_problem=${report.problem})${report.advice === undefined ? '' : `: ${report.advice}`}.`
      : advice.sentence(report, context);
  return new OAuth1Error(advice?.code ?? 'unauthorized', message, {
    problem: report.problem,
    ...(context.status === undefined ? {} : { status: context.status }),
    details,
  });
}

function signatureInvalid(report: OAuthProblemReport, context: ProblemContext): string {
  const jiraUri = report.signatureBaseString === undefined ? undefined : baseStringUriOf(report.signatureBaseString);
  const seen =
    jiraUri !== undefined && context.signedUri !== undefined && jiraUri !== context.signedUri
      ? ` Jira checked the signature for ${jiraUri}, Twofold signed ${context.signedUri}.`
      : '';
  return (
    `Jira could not verify the signature. Usually the base URL Jira sees differs from the one configured here: check the proxy in front of Jira and Jira's Base URL setting (scheme, host, port and context path must match).${seen}` +
    " Otherwise the public key in Jira's Application Link is not the one Twofold shows: paste it again."
  );
}

function consumerUnknown(_report: OAuthProblemReport, context: ProblemContext): string {
  const key = context.consumerKey === undefined ? 'this consumer key' : `the consumer key "${context.consumerKey}"`;
  return `Jira has no Application Link with ${key}. In Jira (Administration › Applications › Application links), set the link's incoming authentication to exactly this consumer key and the public key that Twofold shows.`;
}

function timestampRefused(report: OAuthProblemReport): string {
  const range = report.acceptableTimestamps;
  const accepted =
    range === undefined ? '' : ` Jira accepts timestamps from ${new Date(range.from * 1000).toISOString()} to ${new Date(range.to * 1000).toISOString()}.`;
  return `Jira refused the request's timestamp: the clocks of Twofold's server and Jira's server differ by more than Jira allows (about 5 minutes).${accepted} Synchronise both servers with NTP.`;
}

function list(names: string[] | undefined): string {
  return names === undefined || names.length === 0 ? '' : ` (${names.join(', ')})`;
}
