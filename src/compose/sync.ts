import type { Router, RequestHandler } from 'express';
import type { Sequelize } from 'sequelize';
import { adminSyncRouter } from '../../routes/admin-sync';
import { HostUserPropertyGateway } from '../adapters/connect/host-user-property-gateway';
import type { JiraCloudHostClient } from '../adapters/connect/jira-cloud-host-client';
import { SequelizeAuditLog, auditLogIn } from '../adapters/db/audit-log-repository';
import { unitOfJob } from '../adapters/db/job-transaction';
import { SequelizeIdMappingRepository } from '../adapters/db/id-mapping-repository';
import { SequelizeTotpCredentialRepository } from '../adapters/db/totp-credential-repository';
import { SequelizeWriteBackQueue, writeBackQueueIn } from '../adapters/db/write-back-queue-repository';
import { ConnectorUserPropertyGateway, asJobSignal } from '../adapters/jira-server/connector-user-property-gateway';
import type { Logger } from '../adapters/logging/logger';
import type { ConnectorService } from '../domain/connector/connector-service';
import { SyncExportKind, type SyncDependencies } from '../domain/idmap/sync-export-kind';
import { SyncImportKind } from '../domain/idmap/sync-import-kind';
import type { TwoFactorIds } from '../domain/idmap/two-factor-ids';
import type { UserPropertyGateway, UserPropertyGateways } from '../domain/idmap/user-property-gateway';
import { WRITE_BACK_KIND, WriteBackKind, WriteBackTrigger } from '../domain/idmap/write-back';
import { JobStop } from '../domain/jobs/job-kind';
import type { Clock } from '../domain/ports/clock';
import type { SecretBox } from '../domain/ports/secret-box';
import type { PolicyService } from '../domain/policy/policy-service';
import type { Tenant } from '../domain/tenancy/tenant';
import type { JobRunner } from '../jobs/job-runner';

/** How often tenants with queued write-back changes get their job started (after a job that ran meanwhile). */
const WRITE_BACK_SWEEP_MS = 30_000;

export interface SyncDeps {
  sequelize: Sequelize;
  secretBox: SecretBox;
  hostClient: JiraCloudHostClient;
  findTenant: (clientKey: string) => Promise<Tenant | null>;
  connectorService: () => ConnectorService;
  policies: () => PolicyService;
  ids: () => TwoFactorIds;
  runner: JobRunner;
  clock: Clock;
  logger: Logger;
  requireVerification: RequestHandler;
}

/**
 * Directory sync wired together: the user property gateways (Cloud host, connector), the job kinds
 * `sync_export`, `sync_import` and `sync_write_back` registered on the runner, write-back's trigger
 * and sweep, and `POST /api/v1/admin/sync`. Some parts are reached late (`() => …`): two-step
 * verification is composed before this, but records its audit entries through `writeBack`.
 */
export function composeSync(deps: SyncDeps) {
  const mappings = new SequelizeIdMappingRepository(deps.sequelize);
  const credentials = new SequelizeTotpCredentialRepository(deps.sequelize, deps.secretBox);
  const queue = new SequelizeWriteBackQueue(deps.sequelize);

  const gateways: UserPropertyGateways = {
    async forTarget(clientKey, target): Promise<UserPropertyGateway> {
      if (target === 'connector') {
        try {
          return new ConnectorUserPropertyGateway(await deps.connectorService().clientFor(clientKey));
        } catch (error) {
          throw asJobSignal(error);
        }
      }
      const tenant = await deps.findTenant(clientKey);
      if (tenant === null) throw new JobStop('unknown_tenant', 'The app is no longer installed on this site.');
      return new HostUserPropertyGateway(deps.hostClient, tenant, deps.clock);
    },
  };
  const syncDeps: SyncDependencies = {
    mappings,
    enrolledAmong: (tenant, accountIds) => credentials.activeAccounts(tenant, accountIds),
    gateways,
    audit: new SequelizeAuditLog(deps.sequelize),
    auditIn: (transaction) => auditLogIn(unitOfJob(transaction)),
    clock: deps.clock,
  };
  const adoptId = async (clientKey: string, actor: string | null, accountId: string, twoFactorId: string) => {
    const tenant = await deps.findTenant(clientKey);
    if (tenant === null) throw new JobStop('unknown_tenant', 'The app is no longer installed on this site.');
    await deps.ids().assign(tenant, actor ?? 'system', accountId, twoFactorId, 'admin', await deps.policies().get(tenant));
  };
  deps.runner.register(new SyncExportKind(syncDeps));
  deps.runner.register(new SyncImportKind({ ...syncDeps, adoptId }));
  deps.runner.register(new WriteBackKind(syncDeps, queue, writeBackQueueIn));

  const trigger = new WriteBackTrigger({
    queue,
    enabled: async (clientKey) => {
      const tenant = await deps.findTenant(clientKey);
      return tenant !== null && (await deps.policies().get(tenant)).writeBack;
    },
    enqueue: async (tenant) => {
      await deps.runner.enqueue(tenant, WRITE_BACK_KIND, {}, null);
    },
    now: () => deps.clock.now().getTime(),
    onError: (error) => deps.logger.warn({ err: error }, 'could not start a write-back job; the sweep tries again'),
  });
  let sweepTimer: NodeJS.Timeout | undefined;

  return {
    /** Called for each change of a user's ID or enrollment (the audit hook): never fails the change. */
    async writeBack(tenant: string, accountId: string): Promise<void> {
      await trigger.changed(tenant, accountId).catch((error: unknown) => deps.logger.warn({ err: error, tenant }, 'could not queue a write-back'));
    },
    /** Pushes what is queued now (tests), as the sweep does on its timer. */
    sweep: () => trigger.sweep(),
    startSweep(): void {
      sweepTimer = setInterval(
        () => void trigger.sweep().catch((error: unknown) => deps.logger.warn({ err: error }, 'write-back sweep failed')),
        WRITE_BACK_SWEEP_MS,
      );
      sweepTimer.unref();
    },
    stopSweep(): void {
      if (sweepTimer) clearInterval(sweepTimer);
    },
    adminRouter(): Router {
      return adminSyncRouter({
        enqueue: (tenant, kind, params, actor) => deps.runner.enqueue(tenant, kind, params, actor),
        requireVerification: deps.requireVerification,
      });
    },
  };
}

export type Sync = ReturnType<typeof composeSync>;
