export type { CredentialsRejection, JiraPage, JiraServerClient, JiraServerCredentials, JiraUser, JiraUserRef } from '../../domain/ports/jira-server-client';
export { HttpJiraServerClient, type HttpJiraServerClientOptions } from './http-jira-server-client';
export { HttpJiraServerGateway, type HttpJiraServerGatewayOptions } from './jira-server-gateway';
export { JiraServerOAuthDance, type JiraServerOAuthDanceOptions } from './oauth-dance';
export { assertSecureBaseUrl, isLoopbackHost } from './secure-url';
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry-policy';
