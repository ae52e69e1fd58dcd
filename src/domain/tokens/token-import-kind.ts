import type { AuditEntry, AuditLog } from '../audit/audit-log';
import { isTwofoldError } from '../errors';
import type { ItemOutcome, JobContext, JobKind, JobTransaction, PlannedItem, PlannedPage } from '../jobs/job-kind';
import type { Clock } from '../ports/clock';
import type { HardwareTokenRepository, TokenCredentialWriter } from './hardware-tokens';

export interface TokenImportParams {
  readonly importId: string;
  /** Replace a user's existing app or token; else such a user keeps theirs and the item fails. */
  readonly replace: boolean;
}

const PAGE = 100;

/** What one item writes, together: the credential, the token's state and the audit entry. */
export interface TokenItemWrites {
  importActive: TokenCredentialWriter['importActive'];
  markAssigned: HardwareTokenRepository['markAssigned'];
  remove: HardwareTokenRepository['remove'];
  audit: (tenant: string, entry: AuditEntry) => Promise<void>;
}

/**
 * `token_import`: assigns each staged token of one import to its user as their active TOTP credential
 * (sealed like any seed), usable for verification at once, and audits it (serial and model, never the
 * seed). Rerunnable: the credential's id is the token's, so an item interrupted after the credential
 * was written finds it and only finishes the bookkeeping.
 */
export class TokenImportKind implements JobKind<TokenImportParams> {
  readonly kind = 'token_import';
  readonly concurrency = 4;

  constructor(
    private readonly deps: {
      tokens: HardwareTokenRepository;
      credentials: TokenCredentialWriter;
      audit: AuditLog;
      clock: Clock;
      /** Stores the user's 2FA ID if none is stored yet, as a set-up in the app does (so that sync mirrors it). */
      ensureId: (tenant: string, accountId: string) => Promise<void>;
      /** The item's writes in the runner's transaction; without it (unit tests) the repositories write alone. */
      writesIn?: (transaction: JobTransaction) => TokenItemWrites;
    },
  ) {}

  parseParams(raw: unknown): TokenImportParams {
    const record = (raw ?? {}) as { importId?: unknown; replace?: unknown };
    if (typeof record.importId !== 'string') throw new TypeError('a token import names its importId');
    return { importId: record.importId, replace: record.replace === true };
  }

  async plan(context: JobContext, params: TokenImportParams, cursor: string | null): Promise<PlannedPage> {
    const ids = await this.deps.tokens.pageOfImport(context.tenant, params.importId, cursor, PAGE);
    const last = ids.at(-1);
    return { items: ids.map((id) => ({ key: id, payload: null })), nextCursor: ids.length === PAGE && last ? last : null };
  }

  async runItem(context: JobContext, params: TokenImportParams, item: PlannedItem): Promise<ItemOutcome> {
    const found = await this.deps.tokens.findWithSecret(context.tenant, item.key);
    if (found === null) return { ok: false, code: 'not_found', message: 'The token was removed before it was assigned.' };
    const { token, secret } = found;
    if (token.state === 'assigned' || secret === null) return { ok: true, detail: { serial: token.serial, result: 'assigned' } };
    // The token works whatever happens here; an ID that cannot be stored now is derived later.
    await this.deps.ensureId(context.tenant, token.accountId).catch((error: unknown) => {
      if (!isTwofoldError(error)) throw error;
    });
    const at = this.deps.clock.now();
    const assign = async (writes: TokenItemWrites): Promise<ItemOutcome> => {
      const result = await writes.importActive(context.tenant, token.accountId, token.id, { secret, period: token.period }, at, params.replace);
      if (result === 'already_enrolled') {
        // The user set up an app since the file was checked: their factor stays, the token is not kept.
        await writes.remove(context.tenant, token.id);
        return { ok: false, code: 'already_enrolled', message: `Token ${token.serial}: the user set up another factor meanwhile; it was kept.` };
      }
      await writes.markAssigned(context.tenant, token.id, at);
      if (result !== 'already_done') {
        await writes.audit(context.tenant, {
          at,
          actorAccountId: context.actorAccountId,
          action: 'token.assigned',
          subjectAccountId: token.accountId,
          detail: { serial: token.serial, manufacturer: token.manufacturer, model: token.model, replaced: result === 'replaced', jobId: context.jobId },
        });
      }
      return { ok: true, detail: { serial: token.serial, result } };
    };
    // In the item's transaction: the credential, the token's state, the audit entry and `done` commit together.
    const { writesIn } = this.deps;
    if (context.transaction && writesIn) return context.transaction((transaction) => assign(writesIn(transaction)));
    return assign({
      importActive: (...args) => this.deps.credentials.importActive(...args),
      markAssigned: (tenant, id, when) => this.deps.tokens.markAssigned(tenant, id, when),
      remove: (tenant, id) => this.deps.tokens.remove(tenant, id),
      audit: (tenant, entry) => this.deps.audit.record(tenant, entry),
    });
  }
}
