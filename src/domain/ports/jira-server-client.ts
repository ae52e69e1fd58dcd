/**
 * The connector as the rest of Twofold sees it: user lookup, group members and user properties on a Jira
 * Server/Data Center, whatever the authentication (OAuth 1.0a or Basic). Rollout and sync jobs depend on
 * this interface only; the connector service (src/domain/connector) hands it out.
 */
export interface JiraServerClient {
  /** `GET /rest/api/2/myself`: who Twofold acts as ("Test connection"). */
  myself(): Promise<JiraUser>;
  /** `GET /rest/api/2/user?username=` or `?key=`; null when Jira has no such user. */
  findUser(user: JiraUserRef): Promise<JiraUser | null>;
  /** `GET /rest/api/2/user?…&expand=groups`: the user with the names of their groups; null when Jira has no such user. */
  findUserWithGroups(user: JiraUserRef): Promise<(JiraUser & { groups: string[] }) | null>;
  /**
   * One page of `GET /rest/api/2/group/member`. Pass the returned `next` back as `cursor` until it is null.
   * Throws `upstream_error` (`details.status` 404) for a group Jira does not know.
   */
  groupMembers(group: string, cursor?: string | null): Promise<JiraPage<JiraUser>>;
  /** `GET /rest/api/2/user/properties/{propertyKey}`; the stored JSON value, or null when not set. */
  getUserProperty(user: JiraUserRef, propertyKey: string): Promise<unknown>;
  /** `PUT` of a JSON value (Jira limits a property to 32 kB). */
  setUserProperty(user: JiraUserRef, propertyKey: string, value: unknown): Promise<void>;
  /** `DELETE`; deleting a property that is not set is not an error. */
  deleteUserProperty(user: JiraUserRef, propertyKey: string): Promise<void>;
}

/**
 * A user named by key or by username. They differ on Jira Server: the key is stable (`JIRAUSER10100` for
 * users created since Jira 8), the username can be renamed.
 */
export type JiraUserRef = { key: string } | { username: string };

export interface JiraUser {
  key: string;
  /** The username. */
  name: string;
  displayName: string;
  emailAddress: string | null;
  active: boolean;
}

export interface JiraPage<T> {
  items: T[];
  /** Opaque cursor for the next page, or null after the last one. */
  next: string | null;
  total: number | null;
}

/** Credentials as the caller unsealed them. The client keeps them out of logs, inspection and JSON. */
export type JiraServerCredentials =
  | { type: 'oauth1'; consumerKey: string; privateKeyPem: string; accessToken: string; tokenSecret: string }
  | { type: 'basic'; username: string; secret: string };

/** Why Jira refused the credentials; given once to `onCredentialsRejected`. */
export interface CredentialsRejection {
  code: 'token_rejected' | 'access_token_expired' | 'unauthorized';
  /** Jira's `oauth_problem` (e.g. `token_revoked`), or a Basic-auth reason such as `captcha_required`. */
  problem: string | null;
  status: number;
  message: string;
}
