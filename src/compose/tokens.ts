import { randomUUID } from 'node:crypto';
import type { RequestHandler, Router } from 'express';
import type { Sequelize } from 'sequelize';
import { adminTokensRouter } from '../../routes/admin-tokens';
import { SequelizeAuditLog } from '../adapters/db/audit-log-repository';
import { SequelizeHardwareTokenRepository } from '../adapters/db/hardware-token-repository';
import { SequelizeIdMappingRepository } from '../adapters/db/id-mapping-repository';
import { SequelizeTotpCredentialRepository } from '../adapters/db/totp-credential-repository';
import { tokenImportWritesIn } from '../adapters/db/token-import-writes';
import type { AuditLog } from '../domain/audit/audit-log';
import type { UserDirectory } from '../domain/directory/user-directory';
import type { Clock } from '../domain/ports/clock';
import type { SecretBox } from '../domain/ports/secret-box';
import { TokenImport } from '../domain/tokens/token-import';
import { TokenImportKind } from '../domain/tokens/token-import-kind';
import type { JobRunner } from '../jobs/job-runner';

export interface TokensDeps {
  sequelize: Sequelize;
  secretBox: SecretBox;
  directory: UserDirectory;
  runner: JobRunner;
  clock: Clock;
  /** Wraps the audit log (write-back hears of a token that became a user's factor). */
  decorateAudit: (audit: AuditLog) => AuditLog;
  requireVerification: RequestHandler;
  /** Stores a user's 2FA ID if none is stored (TwoFactorIds.ensure with the tenant's policy). */
  ensureId: (tenant: string, accountId: string) => Promise<void>;
}

/** Hardware token import: the `token_import` kind on the runner, and its admin routes. */
export function composeTokens(deps: TokensDeps) {
  const tokens = new SequelizeHardwareTokenRepository(deps.sequelize, deps.secretBox);
  const credentials = new SequelizeTotpCredentialRepository(deps.sequelize, deps.secretBox);
  deps.runner.register(
    new TokenImportKind({
      tokens,
      credentials,
      audit: deps.decorateAudit(new SequelizeAuditLog(deps.sequelize)),
      clock: deps.clock,
      ensureId: deps.ensureId,
      writesIn: (transaction) => tokenImportWritesIn(transaction, deps.secretBox),
    }),
  );
  const importer = new TokenImport({
    mappings: new SequelizeIdMappingRepository(deps.sequelize),
    directory: deps.directory,
    enrolledAmong: (tenant, accountIds) => credentials.activeAccounts(tenant, accountIds),
    tokens,
    enqueue: (tenant, importId, replace, actor) => deps.runner.enqueue(tenant, 'token_import', { importId, replace }, actor),
    clock: deps.clock,
    newId: randomUUID,
    audit: deps.decorateAudit(new SequelizeAuditLog(deps.sequelize)),
  });
  return {
    adminRouter(): Router {
      return adminTokensRouter({
        startImport: (tenant, actor, file, options) => importer.start(tenant, actor, file, options),
        list: (tenant) => tokens.list(tenant),
        unassign: (tenant, actor, serial) => importer.unassign(tenant, actor, serial),
        requireVerification: deps.requireVerification,
      });
    },
  };
}
