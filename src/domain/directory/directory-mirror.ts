import type { IdSource } from '../idmap/two-factor-ids';

/**
 * The directory mirror: the site's users (and, for a connector target, the Data Center users by user key)
 * in Twofold's own tables, refreshed by the `directory_refresh` job (directory-refresh-job.ts), so that the
 * users page reads them with indexed queries and asks the host nothing.
 */
export type MirrorSource = 'host' | 'connector';

/** A user as the mirror keeps them. */
export interface MirroredUser {
  /** Atlassian's accountId (`host`), or `dc:` + the Data Center user key (`connector`). */
  readonly accountId: string;
  readonly displayName: string;
  /** Null where the user's privacy settings hide it. */
  readonly emailAddress: string | null;
  /** The Data Center username; null on Cloud. */
  readonly username: string | null;
  readonly active: boolean;
}

/** A mirrored user with what Twofold knows of them, as one row of the users page. */
export interface MirrorRow extends MirroredUser {
  readonly source: MirrorSource;
  readonly groups: readonly string[];
  readonly twoFactorId: string | null;
  readonly twoFactorIdSource: IdSource | null;
  readonly enrolled: boolean;
  readonly lastVerifiedAt: Date | null;
  /** Unused backup codes (0 when not enrolled). */
  readonly unusedBackupCodes: number;
  /** When the user's lockout after wrong codes ends, as stored (it may be past). */
  readonly lockedUntil: Date | null;
}

export interface MirrorQuery {
  /** Members of this group only (case-insensitive, as Jira compares group names). */
  readonly group?: string;
  readonly enrolled?: boolean;
  /** Part of the display name, email address or 2FA ID (case-insensitive). */
  readonly q?: string;
  readonly source?: MirrorSource;
  readonly cursor?: string;
  /** 1..1000. */
  readonly limit: number;
}

export interface MirrorPage {
  readonly rows: MirrorRow[];
  /** Opaque; null on the last page. */
  readonly nextCursor: string | null;
}

export interface MirrorStatus {
  readonly source: MirrorSource;
  readonly refreshedAt: Date;
  readonly userCount: number;
}

/** Reads of the mirror (src/adapters/db/directory-mirror-repository.ts). */
export interface DirectoryMirror {
  /** Sorted by display name, then accountId; keyset-paged. An unreadable cursor is `invalid_request`. */
  page(tenant: string, query: MirrorQuery): Promise<MirrorPage>;
  /** When each source was last refreshed; empty when the mirror was never filled. */
  status(tenant: string): Promise<MirrorStatus[]>;
}

/** The writes of one refresh item, in the item's transaction. */
export interface DirectoryMirrorWrites {
  /**
   * Inserts or updates the user, stamped with the refresh's job. `groups`: the user's whole group list
   * (replaces the memberships the user had in this source); null to leave memberships to `addMembership`.
   */
  upsertUser(tenant: string, source: MirrorSource, user: MirroredUser, jobId: string, groups: readonly string[] | null, at: Date): Promise<void>;
  /** Adds one membership (connector refreshes list group by group). */
  addMembership(tenant: string, source: MirrorSource, accountId: string, group: string, jobId: string): Promise<void>;
}

/** What a refresh does when it ends: forget what it did not see, and say when it ran. */
export interface DirectoryMirrorSweep {
  /**
   * Records the refresh (`jobId`, `at`, the user count) and, with `forgetUnseen`, deletes the users and
   * memberships of `source` that this refresh did not see.
   */
  sweep(tenant: string, source: MirrorSource, jobId: string, at: Date, forgetUnseen: boolean): Promise<void>;
  /** Tenants whose host mirror is older than `before` (or was never filled), for the scheduled refresh. */
  staleTenants(before: Date, limit: number): Promise<string[]>;
}
