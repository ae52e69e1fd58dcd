import { headerValue } from '../ports/http-transport';
import { parseOAuthParams } from './authorization-header';
import { parseFormEncoded, percentDecode } from './percent-encoding';

/**
 * What a server said about a refused OAuth request. Jira (like every server built on net.oauth) puts
 * `oauth_problem` in the `WWW-Authenticate: OAuth …` challenge and, at its token endpoints, in a form-encoded
 * body, sometimes with extra fields that say what it expected.
 * @see OAuth Problem Reporting extension (wiki.oauth.net/ProblemReporting), RFC 5849 §3.2
 */
export interface OAuthProblemReport {
  problem: string;
  /** Free text from the server; shown to the admin as Jira's own words, never trusted as markup. */
  advice?: string;
  /** `oauth_acceptable_timestamps`: the range of Unix seconds the server would have accepted. */
  acceptableTimestamps?: { from: number; to: number };
  acceptableVersions?: string;
  parametersAbsent?: string[];
  parametersRejected?: string[];
  /** Jira's own base string on `signature_invalid`: the URI it signed shows what Jira thinks its URL is. */
  signatureBaseString?: string;
}

/** Reads the problem from the `WWW-Authenticate` header and/or the body; undefined when there is none. */
export function readOAuthProblem(headers: Readonly<Record<string, string>>, body: string): OAuthProblemReport | undefined {
  const fields = new Map<string, string>();
  const challenge = headerValue(headers, 'www-authenticate');
  const fromHeader = challenge === undefined ? undefined : parseOAuthParams(challenge);
  for (const [name, value] of fromHeader ?? []) if (name.startsWith('oauth_')) fields.set(name, value);
  const trimmed = body.trim();
  // Only a body that is itself a form with oauth_problem in it: an HTML error page is not parsed.
  if (/^[^\s<]*(?:^|&)oauth_problem=/.test(trimmed)) {
    for (const [name, value] of parseFormEncoded(trimmed)) if (!fields.has(name)) fields.set(name, value);
  }
  const problem = fields.get('oauth_problem');
  if (problem === undefined || problem === '') return undefined;

  const report: OAuthProblemReport = { problem };
  const advice = fields.get('oauth_problem_advice');
  if (advice !== undefined) report.advice = advice;
  const range = /^(\d+)-(\d+)$/.exec(fields.get('oauth_acceptable_timestamps') ?? '');
  if (range !== null) report.acceptableTimestamps = { from: Number(range[1]), to: Number(range[2]) };
  const versions = fields.get('oauth_acceptable_versions');
  if (versions !== undefined) report.acceptableVersions = versions;
  const absent = nameList(fields.get('oauth_parameters_absent'));
  if (absent !== undefined) report.parametersAbsent = absent;
  const rejected = nameList(fields.get('oauth_parameters_rejected'));
  if (rejected !== undefined) report.parametersRejected = rejected;
  const baseString = fields.get('oauth_signature_base_string');
  if (baseString !== undefined) report.signatureBaseString = baseString;
  return report;
}

/**
 * The base string URI inside a server's base string (its second `&`-separated part, decoded): on
 * `signature_invalid` it shows the URL Jira believes it is serving, which differs from ours behind a
 * misconfigured proxy.
 */
export function baseStringUriOf(baseString: string): string | undefined {
  const part = baseString.split('&')[1];
  return part === undefined || part === '' ? undefined : percentDecode(part);
}

/** The extension encodes parameter lists as names joined with `&`, each percent-encoded. */
function nameList(value: string | undefined): string[] | undefined {
  if (value === undefined || value === '') return undefined;
  return value.split('&').map((name) => percentDecode(name));
}
