import type { RequestHandler, Router } from 'express';
import type { Sequelize } from 'sequelize';
import { connectorRouter } from '../../routes/connector';
import { connectorPagesRouter } from '../../routes/connector-pages';
import { ForgeRsaKeyPairGenerator } from '../adapters/crypto/rsa-key-pair-generator';
import { SequelizeAuditLog } from '../adapters/db/audit-log-repository';
import { SequelizeAuthorizationRepository } from '../adapters/db/connector-authorization-repository';
import { SequelizeConnectorRepository } from '../adapters/db/connector-repository';
import { HttpJiraServerGateway, type HttpJiraServerGatewayOptions } from '../adapters/jira-server/jira-server-gateway';
import type { AuditLog } from '../domain/audit/audit-log';
import { ConnectorAuthorization } from '../domain/connector/connector-authorization';
import { ConnectorService } from '../domain/connector/connector-service';
import type { KeyPairGenerator } from '../domain/connector/ports';
import type { Clock } from '../domain/ports/clock';
import type { HttpTransport } from '../domain/ports/http-transport';
import type { Random } from '../domain/ports/random';
import type { SecretBox } from '../domain/ports/secret-box';
import type { AdminCheck } from '../domain/tenancy/admin-check';
import type { Tenant } from '../domain/tenancy/tenant';
import type { Authentication } from './authentication';

export interface ConnectorDeps {
  sequelize: Sequelize;
  secretBox: SecretBox;
  transport: HttpTransport;
  clock: Clock;
  random: Random;
  /** Twofold's public base URL: the callback and the Application Link values are built from it. */
  appBaseUrl: string;
  adminCheck: AdminCheck;
  findTenant(clientKey: string): Promise<Tenant | null>;
  /** Admin step-up (two-step verification's require-verification.ts), on every connector write. */
  requireVerification: RequestHandler;
  audit?: AuditLog;
  keys?: KeyPairGenerator;
  /** Tests shorten the REST client's backoff. */
  clientOptions?: HttpJiraServerGatewayOptions['clientOptions'];
}

/**
 * The Jira Server/Data Center connector wired together: repositories on the app's database, the
 * HTTP gateway toward Jira, the domain services and their routers. Called from app.ts, which mounts
 * the routers; `service.clientFor(tenant)` is how rollout and sync reach Jira Server/DC.
 */
export function composeConnector(deps: ConnectorDeps) {
  const { sequelize, secretBox, clock, random } = deps;
  const connectors = new SequelizeConnectorRepository(sequelize, secretBox);
  const authorizations = new SequelizeAuthorizationRepository(sequelize, secretBox);
  const gateway = new HttpJiraServerGateway({ transport: deps.transport, clock, random, ...(deps.clientOptions ? { clientOptions: deps.clientOptions } : {}) });
  const service = new ConnectorService({
    connectors,
    authorizations,
    gateway,
    keys: deps.keys ?? new ForgeRsaKeyPairGenerator(),
    audit: deps.audit ?? new SequelizeAuditLog(sequelize),
    clock,
    appBaseUrl: deps.appBaseUrl,
  });
  const authorization = new ConnectorAuthorization({
    service,
    connectors,
    authorizations,
    gateway,
    clock,
    random,
    appBaseUrl: deps.appBaseUrl,
    async stillAdmin(clientKey, accountId) {
      const tenant = await deps.findTenant(clientKey);
      return tenant !== null && (await deps.adminCheck.isAdmin(tenant, accountId));
    },
  });

  return {
    service,
    authorization,
    adminRouters(): Router[] {
      return [connectorRouter({ connector: service, authorization, requireVerification: deps.requireVerification })];
    },
    /** The admin page and the browser's OAuth callback. */
    pagesRouter(auth: Authentication, hostScriptUrlFor: (tenant: Tenant) => string): Router {
      return connectorPagesRouter({ authenticatePage: auth.page, requireJiraAdmin: auth.jiraAdmin, authorization, hostScriptUrlFor });
    },
  };
}

export type Connector = ReturnType<typeof composeConnector>;
