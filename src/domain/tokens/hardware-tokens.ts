/** A hardware token as Twofold keeps it: never its seed once assigned (that lives in the TOTP credential). */
export interface HardwareToken {
  /** Also the id of the TOTP credential the token becomes. */
  readonly id: string;
  readonly serial: string;
  readonly manufacturer: string;
  readonly model: string;
  readonly accountId: string;
  readonly period: 30 | 60;
  /**
   * `staged`: validated, waiting for its import job; `assigned`: the user's TOTP credential;
   * `detached` (in listings): no longer the user's factor (replaced, removed or reset since).
   */
  readonly state: 'staged' | 'assigned' | 'detached';
  readonly importedAt: Date;
  readonly assignedAt: Date | null;
  /** When its last accepted code was valid (the credential's last time step); null if never used. */
  readonly lastUsedAt: Date | null;
}

/** A token to stage: its seed is sealed by the repository. */
export interface StagedToken {
  readonly id: string;
  readonly serial: string;
  readonly manufacturer: string;
  readonly model: string;
  readonly accountId: string;
  readonly period: 30 | 60;
  readonly secret: Buffer;
}

/** The tenant's hardware tokens (src/adapters/db/hardware-token-repository.ts). */
export interface HardwareTokenRepository {
  /** Serials (lower case) of `serialKeys` that the tenant has already. */
  existingSerials(tenant: string, serialKeys: readonly string[]): Promise<Set<string>>;
  /** Stores an import's tokens (seeds sealed) in one transaction; false, storing nothing, if a serial was taken meanwhile. */
  stage(tenant: string, importId: string, tokens: readonly StagedToken[], at: Date): Promise<boolean>;
  /** Drops an import's staged tokens (its job could not be started). */
  dropStaged(tenant: string, importId: string): Promise<void>;
  /** Token ids of an import, in id order after `after`. */
  pageOfImport(tenant: string, importId: string, after: string | null, limit: number): Promise<string[]>;
  /** The token with its seed while staged (null once assigned). */
  findWithSecret(tenant: string, id: string): Promise<{ token: HardwareToken; secret: Buffer | null } | null>;
  /** Marks the token assigned and forgets its staged seed. */
  markAssigned(tenant: string, id: string, at: Date): Promise<void>;
  /** Marks the token failed to assign: removed, so that its serial can be imported again. */
  remove(tenant: string, id: string): Promise<void>;
  list(tenant: string): Promise<HardwareToken[]>;
  /**
   * Unassigns the token with this serial (case-insensitive): in one transaction, the token and, if it is
   * still the user's credential, that credential. Answers the token as it was, or null if there is none.
   */
  unassign(tenant: string, serial: string): Promise<HardwareToken | null>;
}

export type ImportCredentialResult = 'imported' | 'replaced' | 'already_done' | 'already_enrolled';

/**
 * Makes a seed the user's active TOTP credential at once (no confirmation code: the admin vouches for
 * the token). `replace`: an existing active credential is replaced; else the user keeps it and the
 * answer is `already_enrolled`. A credential with `credentialId` already present means this token was
 * imported before (`already_done`), so a rerun after a crash changes nothing.
 */
export interface TokenCredentialWriter {
  importActive(
    tenant: string,
    accountId: string,
    credentialId: string,
    seed: { secret: Buffer; period: 30 | 60 },
    at: Date,
    replace: boolean,
  ): Promise<ImportCredentialResult>;
}
