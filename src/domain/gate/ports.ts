import type { ApprovalRequest } from './approval';

/** A gate as listed to admins: never its key. */
export interface GateRecord {
  readonly id: string;
  readonly tenant: string;
  readonly name: string;
  readonly createdAt: Date;
  readonly lastUsedAt: Date | null;
}

export interface GateRepository {
  create(gate: GateRecord & { readonly keyHash: string; readonly createdBy: string }): Promise<void>;
  /** The tenant's gates that are not revoked, oldest first. */
  list(tenant: string): Promise<GateRecord[]>;
  /** Marks the gate revoked; false when the tenant has no such live gate. */
  revoke(tenant: string, id: string, at: Date): Promise<boolean>;
  /** The live gate whose key has this SHA-256 (hex), by its primary key. */
  findByKeyHash(keyHash: string): Promise<(GateRecord & { readonly keyHash: string }) | null>;
  touch(id: string, at: Date): Promise<void>;
}

export interface ApprovalRepository {
  create(request: ApprovalRequest): Promise<void>;
  /** The newest few requests of this user from this address, newest first. */
  recent(tenant: string, accountId: string, clientAddress: string): Promise<ApprovalRequest[]>;
  find(tenant: string, id: string): Promise<ApprovalRequest | null>;
  /** The user's pending requests created after `since`, newest first. */
  pending(tenant: string, accountId: string, since: Date): Promise<ApprovalRequest[]>;
  /** Answers a pending request (conditional on it still pending); false when it was not. */
  decide(tenant: string, accountId: string, id: string, state: 'approved' | 'denied', at: Date): Promise<boolean>;
}

/** What the gate needs to know of a Data Center user, through the tenant's connector. */
export interface DataCenterUser {
  /** The stable user key (`JIRAUSER10100`): the Twofold accountId is `dc:` + this. */
  readonly key: string;
  readonly name: string;
  readonly emailAddress: string | null;
  readonly active: boolean;
  readonly groups: readonly string[];
}

/** The Data Center site behind a gate, as the gate asks it. */
export interface DataCenterSite {
  /**
   * `GET {baseUrl}/rest/auth/1/session` with the user's own session cookie: the username, or null when
   * Data Center says the cookie is not logged in. Throws when Data Center cannot be asked.
   */
  sessionUser(baseUrl: string, sessionCookie: string): Promise<string | null>;
  /** The user (with groups) through the tenant's connector; null when Data Center has no such user. */
  user(tenant: string, username: string): Promise<DataCenterUser | null>;
}

/** The tenant's connector as the gate needs it: where Data Center is, and whether it is connected. */
export interface ConnectorStatusReader {
  status(tenant: string): Promise<ConnectorStatus>;
}

export interface ConnectorStatus {
  readonly status: string;
  readonly baseUrl: string | null;
  /** The Data Center user the connector acts as with Basic auth (null for OAuth 1.0a). */
  readonly username: string | null;
}
