import { TwofoldError } from '../errors';
import type { IdMappingRepository } from '../idmap/two-factor-ids';
import type { UserDirectory } from '../directory/user-directory';
import type { Tenant } from '../tenancy/tenant';
import type { Clock } from '../ports/clock';
import type { AuditLog } from '../audit/audit-log';
import { parseCsvRecords } from './csv-records';
import type { HardwareTokenRepository } from './hardware-tokens';
import { parseTokenSeedFile, type TokenRowProblem } from './token-seed-file';

/** Users listed per host call while matching `upn` to email addresses. */
const DIRECTORY_PAGE = 1000;

export interface TokenImportDeps {
  readonly mappings: IdMappingRepository & { findByIdKeys(tenant: string, keys: readonly string[]): Promise<Map<string, string>> };
  readonly directory: UserDirectory;
  readonly enrolledAmong: (tenant: string, accountIds: readonly string[]) => Promise<Set<string>>;
  readonly tokens: HardwareTokenRepository;
  readonly enqueue: (tenant: string, importId: string, replace: boolean, actorAccountId: string) => Promise<string>;
  readonly clock: Clock;
  /** New ids (the composition root gives randomUUID). */
  readonly newId: () => string;
  readonly audit: AuditLog;
}

/**
 * `POST /api/v1/admin/tokens/import`: checks every row of a seed file before anything is stored, then
 * stages the tokens (seeds sealed) and starts the `token_import` job that assigns them. A file with any
 * bad row stores nothing and answers `400 invalid_token_file` with every bad row. Beyond the file's own
 * checks (token-seed-file.ts): `unknown_upn` (neither a 2FA ID nor the email address of a user of the
 * site), `serial_exists` (the site has that token already: unassign it first), and, unless the admin
 * asked to replace factors, `already_enrolled` (the user has an app or token already).
 */
export class TokenImport {
  constructor(private readonly deps: TokenImportDeps) {}

  async start(tenant: Tenant, actorAccountId: string, file: string, options: { replace: boolean }): Promise<string> {
    const upnToAccount = await this.resolveUpns(tenant, file);
    const parsed = parseTokenSeedFile(file, { isKnownUpn: (upn) => upnToAccount.has(upn.toLowerCase()) });
    if (!parsed.ok) throw invalidFile(parsed.rows);

    const accountOf = (upn: string) => upnToAccount.get(upn.toLowerCase()) as string;
    const [taken, enrolled] = await Promise.all([
      this.deps.tokens.existingSerials(
        tenant.clientKey,
        parsed.tokens.map((token) => token.serial.toLowerCase()),
      ),
      options.replace
        ? Promise.resolve(new Set<string>())
        : this.deps.enrolledAmong(
            tenant.clientKey,
            parsed.tokens.map((token) => accountOf(token.upn)),
          ),
    ]);
    const problems: TokenRowProblem[] = [];
    const accounts = new Set<string>();
    for (const token of parsed.tokens) {
      const accountId = accountOf(token.upn);
      if (taken.has(token.serial.toLowerCase())) problems.push({ line: token.line, reason: 'serial_exists' });
      else if (enrolled.has(accountId)) problems.push({ line: token.line, reason: 'already_enrolled' });
      else if (accounts.has(accountId)) problems.push({ line: token.line, reason: 'duplicate_upn' }); // an email and an ID of one user
      accounts.add(accountId);
    }
    if (problems.length > 0) throw invalidFile(problems);

    const importId = this.deps.newId();
    const staged = parsed.tokens.map((token) => ({
      id: this.deps.newId(),
      serial: token.serial,
      manufacturer: token.manufacturer,
      model: token.model,
      accountId: accountOf(token.upn),
      period: token.period,
      secret: token.secret,
    }));
    if (!(await this.deps.tokens.stage(tenant.clientKey, importId, staged, this.deps.clock.now()))) {
      throw invalidFile([{ line: 1, reason: 'serial_exists' }]);
    }
    try {
      return await this.deps.enqueue(tenant.clientKey, importId, options.replace, actorAccountId);
    } catch (error) {
      await this.deps.tokens.dropStaged(tenant.clientKey, importId);
      throw error;
    }
  }

  /**
   * An admin takes a token away (lost, or handed to someone else): the token and, if it is still the
   * user's factor, their TOTP credential go; the user then sets up an app or gets another token. Audited
   * as `token.unassigned`. `404 not_found` for a serial the site does not have.
   */
  async unassign(tenant: Tenant, actorAccountId: string, serial: string): Promise<void> {
    const token = await this.deps.tokens.unassign(tenant.clientKey, serial);
    if (token === null) throw new TwofoldError('not_found', 'This site has no hardware token with that serial number.');
    await this.deps.audit.record(tenant.clientKey, {
      at: this.deps.clock.now(),
      actorAccountId,
      action: 'token.unassigned',
      subjectAccountId: token.accountId,
      detail: { serial: token.serial, manufacturer: token.manufacturer, model: token.model },
    });
  }

  /**
   * upn (lower case) → accountId: first as a 2FA ID (one indexed query), then, for the rest, as an
   * email address among the site's users (listed from the host a page at a time, only when needed).
   */
  private async resolveUpns(tenant: Tenant, file: string): Promise<Map<string, string>> {
    const records = parseCsvRecords(file);
    const upns = new Set(records.ok ? records.records.slice(1).map((record) => (record.fields[0] ?? '').trim().toLowerCase()) : []);
    upns.delete('');
    const resolved = await this.deps.mappings.findByIdKeys(tenant.clientKey, [...upns]);
    const rest = new Set([...upns].filter((upn) => !resolved.has(upn)));
    for (let startAt = 0; rest.size > 0; startAt += DIRECTORY_PAGE) {
      const page = await this.deps.directory.listUsers(tenant, startAt, DIRECTORY_PAGE);
      for (const user of page.users) {
        const email = user.emailAddress?.trim().toLowerCase();
        if (email && rest.has(email)) {
          resolved.set(email, user.accountId);
          rest.delete(email);
        }
      }
      if (page.isLast || page.users.length === 0) break;
    }
    return resolved;
  }
}

function invalidFile(rows: readonly TokenRowProblem[]): TwofoldError<'invalid_token_file'> {
  return new TwofoldError('invalid_token_file', `The file has ${rows.length} bad row${rows.length === 1 ? '' : 's'}; nothing was imported.`, {
    details: { rows: rows.map(({ line, reason }) => ({ line, reason })) },
  });
}
