import type { AuditEntry, AuditLog, AuditPage, AuditQuery, StoredAuditEntry } from '../../../../src/domain/audit/audit-log';
import type { DirectoryPage, DirectoryUser, UserDirectory } from '../../../../src/domain/directory/user-directory';
import type { IdMapping, IdMappingRepository, IdSource } from '../../../../src/domain/idmap/two-factor-ids';
import { NO_FAILURES, type FailureState } from '../../../../src/domain/mfa/lockout';
import type {
  Activation,
  BackupCode,
  BackupCodeRepository,
  EnrollmentState,
  FailureCounterRepository,
  NewTotpCredential,
  TotpCredential,
  TotpCredentialRepository,
  VerificationSessionRepository,
  VerificationSuccess,
} from '../../../../src/domain/mfa/ports';
import type { BrowserSessionRecord, BrowserSessionRepository } from '../../../../src/domain/mfa/browser-session';
import type { VerificationSession } from '../../../../src/domain/mfa/session';
import type { TenantPolicy } from '../../../../src/domain/policy/policy';
import type { PolicyRepository } from '../../../../src/domain/policy/policy-service';
import type { Tenant } from '../../../../src/domain/tenancy/tenant';

/**
 * The MFA ports in memory, for unit tests of the services. Each keeps the contract of the port
 * (atomic steps are single synchronous updates here: no await between a read and its write), so that
 * the services can be tested with a frozen clock and no database, concurrency included.
 */
const key = (tenant: string, accountId: string) => `${tenant}\u0000${accountId}`;

export class InMemoryTotpCredentials implements TotpCredentialRepository {
  readonly rows: TotpCredential[] = [];
  private sequence = 0;

  /** The stores that `activate` and `removeSecondFactor` write in the same (synchronous) step. */
  constructor(
    private readonly linked: { backupCodes: InMemoryBackupCodes; sessions: InMemorySessions } = {
      backupCodes: new InMemoryBackupCodes(),
      sessions: new InMemorySessions(),
    },
  ) {}

  /** Not a port method: tests look at the active credential with it. */
  async findActive(tenant: string, accountId: string) {
    return this.rows.find((r) => r.tenant === tenant && r.accountId === accountId && r.status === 'active') ?? null;
  }
  /** How many times the services asked for a secret-free state (tests check that no secret is read). */
  stateReads = 0;
  async enrollmentState(tenant: string, accountId: string): Promise<EnrollmentState> {
    this.stateReads += 1;
    const mine = this.rows.filter((r) => r.tenant === tenant && r.accountId === accountId);
    const active = mine.find((r) => r.status === 'active');
    return {
      active: active ? { params: active.params, confirmedAt: active.confirmedAt } : null,
      pending: mine.some((r) => r.status === 'pending'),
      unusedBackupCodes: await this.linked.backupCodes.countUnused(tenant, accountId),
    };
  }
  async findPending(tenant: string, accountId: string) {
    return this.rows.find((r) => r.tenant === tenant && r.accountId === accountId && r.status === 'pending') ?? null;
  }
  async createPending(tenant: string, accountId: string, credential: NewTotpCredential) {
    this.remove((r) => r.tenant === tenant && r.accountId === accountId && r.status === 'pending');
    const row: TotpCredential = {
      id: `cred-${++this.sequence}`,
      tenant,
      accountId,
      status: 'pending',
      secret: Buffer.from(credential.secret),
      params: credential.params,
      lastUsedStep: null,
      createdAt: credential.createdAt,
      confirmedAt: null,
    };
    this.rows.push(row);
    return row;
  }
  async activate(tenant: string, accountId: string, credentialId: string, step: number, at: Date, backupCodeHashes: readonly string[]): Promise<Activation> {
    const index = this.rows.findIndex((r) => r.id === credentialId && r.tenant === tenant && r.accountId === accountId && r.status === 'pending');
    if (index < 0) return { activated: false };
    // The transaction: no await from here on.
    const replaced = this.remove((r) => r.tenant === tenant && r.accountId === accountId && r.status === 'active') > 0;
    const i = this.rows.findIndex((r) => r.id === credentialId);
    this.rows[i] = { ...this.rows[i]!, status: 'active', lastUsedStep: step, confirmedAt: at };
    this.linked.backupCodes.replaceNow(tenant, accountId, backupCodeHashes);
    return { activated: true, replaced };
  }
  async acceptStep(tenant: string, accountId: string, credentialId: string, step: number, success?: VerificationSuccess) {
    const i = this.rows.findIndex((r) => r.id === credentialId && r.tenant === tenant && r.accountId === accountId && r.status === 'active');
    const row = this.rows[i];
    if (!row || (row.lastUsedStep !== null && row.lastUsedStep >= step)) return false;
    // The transaction: all or nothing, with no await in between; a store made to fail fails first.
    if (success) this.linked.backupCodes.failIfAsked();
    this.rows[i] = { ...row, lastUsedStep: step };
    if (success) this.linked.backupCodes.writeSuccessNow(tenant, accountId, success);
    return true;
  }
  async removeSecondFactor(tenant: string, accountId: string) {
    // The transaction: no await in between.
    const totpCredentials = this.remove((r) => r.tenant === tenant && r.accountId === accountId);
    const backupCodesRemoved = this.linked.backupCodes.removeNow(tenant, accountId);
    this.linked.sessions.rows.delete(key(tenant, accountId));
    return { totpCredentials, backupCodesRemoved };
  }
  async removePending(tenant: string, accountId: string) {
    return this.remove((r) => r.tenant === tenant && r.accountId === accountId && r.status === 'pending');
  }
  async activeAccounts(tenant: string, accountIds: readonly string[]) {
    return new Set(this.rows.filter((r) => r.tenant === tenant && r.status === 'active' && accountIds.includes(r.accountId)).map((r) => r.accountId));
  }
  private remove(match: (row: TotpCredential) => boolean): number {
    let removed = 0;
    for (let i = this.rows.length - 1; i >= 0; i -= 1) {
      if (match(this.rows[i]!)) {
        this.rows.splice(i, 1);
        removed += 1;
      }
    }
    return removed;
  }
}

export class InMemoryBackupCodes implements BackupCodeRepository {
  readonly sets = new Map<string, BackupCode[]>();
  private sequence = 0;

  /** The stores that `redeem` writes in the same (synchronous) step; needed only by `redeem`. */
  linked?: { failures: InMemoryFailureCounters; sessions: InMemorySessions; browserSessions: InMemoryBrowserSessions; audit: InMemoryAuditLog };

  async replaceSet(tenant: string, accountId: string, hashes: readonly string[]) {
    this.replaceNow(tenant, accountId, hashes);
  }
  /** Not a port method: the set replaced synchronously, as part of another store's step. */
  replaceNow(tenant: string, accountId: string, hashes: readonly string[]) {
    this.sets.set(
      key(tenant, accountId),
      hashes.map((hash) => ({ id: `code-${++this.sequence}`, hash, usedAt: null })),
    );
  }
  /** Not a port method: the set deleted synchronously; answers how many codes it had. */
  removeNow(tenant: string, accountId: string): number {
    const n = this.sets.get(key(tenant, accountId))?.length ?? 0;
    this.sets.delete(key(tenant, accountId));
    return n;
  }
  async list(tenant: string, accountId: string) {
    return [...(this.sets.get(key(tenant, accountId)) ?? [])];
  }
  async redeem(
    tenant: string,
    accountId: string,
    codeId: string,
    at: Date,
    success: { session: VerificationSession | null; browserSession: BrowserSessionRecord | null; audit: AuditEntry },
  ) {
    const linked = this.linked;
    if (!linked) throw new Error('InMemoryBackupCodes.redeem needs linked stores (see service-harness.ts)');
    const set = this.sets.get(key(tenant, accountId)) ?? [];
    const i = set.findIndex((c) => c.id === codeId && c.usedAt === null);
    if (i < 0) return false;
    // The transaction: all or nothing, with no await in between; a store made to fail fails first.
    linked.audit.failIfAsked();
    set[i] = { ...set[i]!, usedAt: at };
    this.writeSuccessNow(tenant, accountId, success);
    return true;
  }
  /** Fails as the audit log was asked to (the first store of a success's transaction). */
  failIfAsked(): void {
    if (!this.linked) throw new Error('InMemoryBackupCodes needs linked stores (see service-harness.ts)');
    this.linked.audit.failIfAsked();
  }
  /** What a verification's success writes with its code (redeem, acceptStep): no await in between. */
  writeSuccessNow(tenant: string, accountId: string, success: VerificationSuccess): void {
    const linked = this.linked;
    if (!linked) throw new Error('InMemoryBackupCodes needs linked stores (see service-harness.ts)');
    if (linked.failures.rows.has(key(tenant, accountId))) linked.failures.rows.set(key(tenant, accountId), NO_FAILURES);
    if (success.session) linked.sessions.rows.set(key(tenant, accountId), success.session);
    if (success.browserSession) linked.browserSessions.createNow(tenant, accountId, success.browserSession);
    linked.audit.entries.push({ ...success.audit, tenant, id: String(linked.audit.entries.length + 1) });
  }
  async countUnused(tenant: string, accountId: string) {
    return (this.sets.get(key(tenant, accountId)) ?? []).filter((c) => c.usedAt === null).length;
  }
  async countUnusedMany(tenant: string, accountIds: readonly string[]) {
    const out = new Map<string, number>();
    for (const accountId of accountIds) {
      const n = await this.countUnused(tenant, accountId);
      if (n > 0) out.set(accountId, n);
    }
    return out;
  }
}

export class InMemoryFailureCounters implements FailureCounterRepository {
  readonly rows = new Map<string, FailureState>();
  /** Counts the places reserved and released, for tests of the order of operations. */
  reservations = 0;
  releases = 0;

  /** Not a port method: the user's counter as stored. */
  user(tenant: string, accountId: string): FailureState {
    return this.rows.get(key(tenant, accountId)) ?? NO_FAILURES;
  }
  /** Not a port method: the tenant's counter as stored. */
  tenant(tenant: string): FailureState {
    return this.rows.get(key(tenant, '')) ?? NO_FAILURES;
  }
  async reserveAttempt(tenant: string, accountId: string, now: Date, windowMinutes: number) {
    this.reservations += 1;
    return this.increment(key(tenant, accountId), now, windowMinutes);
  }
  async releaseAttempt(tenant: string, accountId: string, windowStartedAt: Date) {
    this.releases += 1;
    const current = this.user(tenant, accountId);
    if (current.windowStartedAt?.getTime() !== windowStartedAt.getTime() || current.failures <= 0) return;
    this.rows.set(key(tenant, accountId), { ...current, failures: current.failures - 1 });
  }
  async lockUser(tenant: string, accountId: string, windowStartedAt: Date, until: Date) {
    const current = this.user(tenant, accountId);
    if (current.windowStartedAt?.getTime() !== windowStartedAt.getTime()) return;
    if (current.lockedUntil !== null && current.lockedUntil.getTime() >= until.getTime()) return;
    this.rows.set(key(tenant, accountId), { ...current, lockedUntil: until });
  }
  async countTenantFailure(tenant: string, now: Date, windowMinutes: number) {
    return this.increment(key(tenant, ''), now, windowMinutes);
  }
  async resetUser(tenant: string, accountId: string) {
    if (this.rows.has(key(tenant, accountId))) this.rows.set(key(tenant, accountId), NO_FAILURES);
  }
  async lockedUntilMany(tenant: string, accountIds: readonly string[], now: Date) {
    const out = new Map<string, Date>();
    for (const accountId of accountIds) {
      const until = this.user(tenant, accountId).lockedUntil;
      if (accountId !== '' && until !== null && until.getTime() > now.getTime()) out.set(accountId, until);
    }
    return out;
  }
  /** The upsert of failure-counter-repository.ts: read and write with no await in between. */
  private increment(rowKey: string, now: Date, windowMinutes: number): FailureState {
    const current = this.rows.get(rowKey) ?? NO_FAILURES;
    const open = current.failures > 0 && current.windowStartedAt !== null && current.windowStartedAt.getTime() > now.getTime() - windowMinutes * 60_000;
    const state: FailureState = open
      ? { ...current, failures: current.failures + 1 }
      : { failures: 1, windowStartedAt: new Date(now.getTime()), lockedUntil: current.lockedUntil };
    this.rows.set(rowKey, state);
    return state;
  }
}

export class InMemorySessions implements VerificationSessionRepository {
  readonly rows = new Map<string, VerificationSession>();
  async find(tenant: string, accountId: string) {
    return this.rows.get(key(tenant, accountId)) ?? null;
  }
  async save(tenant: string, accountId: string, session: VerificationSession) {
    this.rows.set(key(tenant, accountId), session);
  }
  async clear(tenant: string, accountId: string) {
    this.rows.delete(key(tenant, accountId));
  }
}

export class InMemoryBrowserSessions implements BrowserSessionRepository {
  readonly rows = new Map<string, BrowserSessionRecord & { tenant: string; accountId: string }>();
  async create(tenant: string, accountId: string, session: BrowserSessionRecord, now: Date) {
    for (const [hash, row] of this.rows) {
      if (row.tenant === tenant && row.accountId === accountId && row.verifiedUntil.getTime() <= now.getTime()) this.rows.delete(hash);
    }
    this.createNow(tenant, accountId, session);
  }
  /**
   * Not a port method: stored synchronously, as part of another store's step (`redeem`, `acceptStep`),
   * removing the user's sessions expired by its start, as the database's unit does.
   */
  createNow(tenant: string, accountId: string, session: BrowserSessionRecord) {
    for (const [hash, row] of this.rows) {
      if (row.tenant === tenant && row.accountId === accountId && row.verifiedUntil.getTime() <= session.verifiedAt.getTime()) this.rows.delete(hash);
    }
    if (this.rows.has(session.tokenHash)) throw new Error('duplicate browser session');
    this.rows.set(session.tokenHash, { ...session, tenant, accountId });
  }
  async find(tenant: string, accountId: string, tokenHash: string) {
    const row = this.rows.get(tokenHash);
    return row && row.tenant === tenant && row.accountId === accountId ? { verifiedAt: row.verifiedAt, verifiedUntil: row.verifiedUntil } : null;
  }
  async endAll(tenant: string, accountId: string) {
    let ended = 0;
    for (const [hash, row] of this.rows) {
      if (row.tenant === tenant && row.accountId === accountId) {
        this.rows.delete(hash);
        ended += 1;
      }
    }
    return ended;
  }
}

export class InMemoryAuditLog implements AuditLog {
  readonly entries: Array<StoredAuditEntry & { tenant: string }> = [];
  /** Set by a test: recording fails (a database error), for tests of what a failure leaves behind. */
  failing = false;
  failIfAsked() {
    if (this.failing) throw new Error('audit log unavailable');
  }
  async record(tenant: string, entry: AuditEntry) {
    this.failIfAsked();
    this.entries.push({ ...entry, tenant, id: String(this.entries.length + 1) });
  }
  async page(tenant: string, query: AuditQuery): Promise<AuditPage> {
    const mine = this.entries.filter((e) => e.tenant === tenant).reverse();
    return { entries: mine.slice(0, query.limit), nextCursor: null };
  }
  actions(tenant?: string): string[] {
    return this.entries.filter((e) => tenant === undefined || e.tenant === tenant).map((e) => e.action);
  }
}

export class InMemoryIdMappings implements IdMappingRepository {
  readonly rows = new Map<string, IdMapping & { tenant: string; key: string }>();
  async find(tenant: string, accountId: string) {
    return this.rows.get(key(tenant, accountId)) ?? null;
  }
  async findMany(tenant: string, accountIds: readonly string[]) {
    const out = new Map<string, IdMapping>();
    for (const accountId of accountIds) {
      const row = this.rows.get(key(tenant, accountId));
      if (row) out.set(accountId, row);
    }
    return out;
  }
  async assign(tenant: string, accountId: string, twoFactorId: string, idKey: string, source: IdSource, at: Date) {
    for (const row of this.rows.values()) if (row.tenant === tenant && row.key === idKey && row.accountId !== accountId) return false;
    this.rows.set(key(tenant, accountId), { tenant, accountId, twoFactorId, key: idKey, source, updatedAt: at });
    return true;
  }
  async listPage(tenant: string, options: { after: string | null; limit: number; dataCenter: boolean }) {
    return [...this.rows.values()]
      .filter(
        (row) => row.tenant === tenant && row.accountId.startsWith('dc:') === options.dataCenter && (options.after === null || row.accountId > options.after),
      )
      .sort((a, b) => (a.accountId < b.accountId ? -1 : 1))
      .slice(0, options.limit)
      .map(({ accountId, twoFactorId, source, updatedAt }) => ({ accountId, twoFactorId, source, updatedAt }));
  }
  async holderOf(tenant: string, idKey: string) {
    for (const row of this.rows.values()) if (row.tenant === tenant && row.key === idKey) return row.accountId;
    return null;
  }
}

export class InMemoryPolicies implements PolicyRepository {
  readonly rows = new Map<string, { document: unknown; version: number }>();
  saves = 0;
  async find(tenant: string) {
    const row = this.rows.get(tenant);
    return row ? { document: JSON.parse(JSON.stringify(row.document)), version: row.version } : null;
  }
  async save(tenant: string, document: TenantPolicy, expectedVersion: number) {
    this.saves += 1;
    if ((this.rows.get(tenant)?.version ?? 0) !== expectedVersion) return false;
    this.rows.set(tenant, { document, version: expectedVersion + 1 });
    return true;
  }
}

/** A user directory from a fixed list; counts calls so that tests can see the cache work. */
export class FakeDirectory implements UserDirectory {
  calls = 0;
  failGroups = false;
  constructor(readonly users: Array<DirectoryUser & { groups: string[] }>) {}
  async getUser(_tenant: Tenant, accountId: string) {
    this.calls += 1;
    const user = this.users.find((u) => u.accountId === accountId);
    return user ? { accountId: user.accountId, displayName: user.displayName, emailAddress: user.emailAddress, active: user.active } : null;
  }
  async userGroups(_tenant: Tenant, accountId: string) {
    this.calls += 1;
    if (this.failGroups) throw new Error('host unreachable');
    return this.users.find((u) => u.accountId === accountId)?.groups ?? [];
  }
  async listUsers(_tenant: Tenant, startAt: number, maxResults: number): Promise<DirectoryPage> {
    const users = this.users.slice(startAt, startAt + maxResults);
    return { users, isLast: startAt + users.length >= this.users.length };
  }
  async groupMembers(_tenant: Tenant, group: string, startAt: number, maxResults: number): Promise<DirectoryPage> {
    const members = this.users.filter((u) => u.groups.includes(group));
    const users = members.slice(startAt, startAt + maxResults);
    return { users, isLast: startAt + users.length >= members.length };
  }
}

export function tenantNamed(clientKey: string, baseUrl = 'https://acme.atlassian.net'): Tenant {
  const at = new Date('2024-01-01T00:00:00Z');
  return { clientKey, baseUrl, productType: 'jira', sharedSecret: 'unused', installedAt: at, updatedAt: at, uninstalledAt: null };
}
