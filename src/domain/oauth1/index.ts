/**
 * OAuth 1.0a (RFC 5849) for the Jira Server/Data Center connector: signing, one spec step a file, and the
 * three-step flow as build-request / parse-response pairs that never perform I/O themselves.
 */
export { percentEncode, percentDecode, parseFormEncoded } from './percent-encoding';
export { baseStringUri } from './base-string-uri';
export { collectRequestParameters, type ParameterSources } from './request-parameters';
export { normalizeParameters } from './parameters-normalization';
export { signatureBaseString, type BaseStringInput } from './signature-base-string';
export { signHmacSha1 } from './hmac-sha1';
export { signRsaSha1 } from './rsa-sha1';
export { formatAuthorizationHeader, parseAuthChallenges, parseOAuthParams, type AuthChallenge } from './authorization-header';
export { generateNonce, generateTimestamp } from './nonce-and-timestamp';
export { createProtocolParameters, computeSignature, signRequest, type SignOptions } from './making-requests';
export { OAuth1Error, isOAuth1Error, type OAuth1ErrorOptions } from './oauth1-error';
export { readOAuthProblem, baseStringUriOf, type OAuthProblemReport } from './problem-reporting';
export { oauth1ErrorFromProblem, type ProblemContext } from './problem-advice';
export { oauth1ErrorFromResponse, malformedAnswer, type ResponseContext } from './unsuccessful-response';
export { jiraServerEndpoints, normalizeJiraBaseUrl, type OAuth1Endpoints } from './jira-endpoints';
export { buildRequestTokenRequest, parseRequestTokenResponse, type RequestTokenInput, type TemporaryCredentials } from './temporary-credentials';
export { buildAuthorizeUrl, parseAuthorizationCallback, type AuthorizationCallback } from './resource-owner-authorization';
export { buildAccessTokenRequest, parseAccessTokenResponse, type AccessTokenInput, type AccessTokenResult } from './token-credentials';
export type { ClientCredentials, OAuth1Request, ProtocolParameters, TokenCredentials } from './types';
