import { hkdfSync } from 'node:crypto';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler, Router } from 'express';
import type { Sequelize } from 'sequelize';
import { adminGatesRouter } from '../../routes/admin-gates';
import { gatePagesRouter } from '../../routes/gate-pages';
import { meApprovalsRouter } from '../../routes/me-approvals';
import { SequelizeAuditLog } from '../adapters/db/audit-log-repository';
import { SequelizeApprovalRepository, SequelizeGateRepository } from '../adapters/db/gate-repository';
import { HttpDataCenterSite } from '../adapters/jira-server/data-center-site';
import type { Logger } from '../adapters/logging/logger';
import { logFailure } from '../adapters/logging/log-failure';
import { qrCodePngDataUrl } from '../adapters/qr/qr-code-png';
import type { AccessPassService } from '../domain/approvals/access-pass-service';
import type { ConnectorService } from '../domain/connector/connector-service';
import { DataCenterIdentity } from '../domain/gate/data-center-identity';
import { GateAdmin } from '../domain/gate/gate-admin';
import { GateCheck } from '../domain/gate/gate-check';
import { GateCookieSigner } from '../domain/gate/gate-cookie';
import { GateKeys } from '../domain/gate/gate-keys';
import { GateSignIn } from '../domain/gate/gate-sign-in';
import type { ConnectorStatus, ConnectorStatusReader } from '../domain/gate/ports';
import { TtlCache } from '../domain/gate/ttl-cache';
import type { Clock } from '../domain/ports/clock';
import type { HttpTransport } from '../domain/ports/http-transport';
import type { Random } from '../domain/ports/random';
import type { Tenant } from '../domain/tenancy/tenant';
import { gateCheckListener } from '../http/gate-check-handler';
import type { TwoStep } from './two-step';
import type { ClientRateLimiter } from '../domain/http/client-rate-limit';

/** How long a gate key is trusted from memory (revocation also clears it at once, by notification). */
const GATE_KEY_CACHE_MS = 30_000;
/** How long the connector's base URL and status are trusted from memory. */
const CONNECTOR_CACHE_MS = 30_000;
/** A Data Center session's user (at most a minute, by the contract) and a user's groups. */
const SESSION_CACHE_MS = 60_000;
const USER_CACHE_MS = 60_000;
const MAX_CACHED = 50_000;

export interface GateDeps {
  /** Limits the gate's POSTs per client address (shared with the app's other unauthenticated endpoints). */
  rateLimiter: ClientRateLimiter;
  sequelize: Sequelize;
  masterKey: Buffer;
  transport: HttpTransport;
  clock: Clock;
  random: Random;
  logger: Logger;
  appBaseUrl: string;
  projectRoot: string;
  twoStep: TwoStep;
  /** The access pass, offered on the gate's page through the same service as inside Jira. */
  accessPass: AccessPassService;
  connector: ConnectorService;
  findTenant(clientKey: string): Promise<Tenant | null>;
  requireVerification: RequestHandler;
  /** Tells every instance that a tenant's cached state (here: its gates) changed. */
  onTenantChange(clientKey: string): void;
}

/**
 * The forward-auth gate wired together: its repositories, the Data Center site (asked with the user's
 * own cookie, and through the connector), the check (served before Express by {@link listener}), the
 * gate's pages and the admin API.
 */
export function composeGate(deps: GateDeps) {
  const { sequelize, clock } = deps;
  const gates = new SequelizeGateRepository(sequelize);
  const approvals = new SequelizeApprovalRepository(sequelize);
  const audit = new SequelizeAuditLog(sequelize);
  const keys = new GateKeys(gates, clock, GATE_KEY_CACHE_MS, (error) => logFailure(deps.logger, error, 'could not record when a gate was last used'));
  const connectorCache = new TtlCache<ConnectorStatus>(CONNECTOR_CACHE_MS, MAX_CACHED);
  const connector: ConnectorStatusReader = {
    async status(clientKey) {
      const now = clock.now().getTime();
      const cached = connectorCache.get(`${clientKey}\u0000`, now);
      if (cached !== undefined) return cached;
      const tenant = await deps.findTenant(clientKey);
      const view = tenant === null ? null : await deps.connector.view(tenant);
      const status: ConnectorStatus = {
        status: view?.status ?? 'unconfigured',
        baseUrl: view?.baseUrl ?? null,
        username: view?.authType === 'basic' ? view.username : null,
      };
      connectorCache.set(`${clientKey}\u0000`, status, now);
      return status;
    },
  };
  const identity = new DataCenterIdentity(new HttpDataCenterSite(deps.transport, (tenant) => deps.connector.clientFor(tenant)), clock, {
    sessionTtlMs: SESSION_CACHE_MS,
    userTtlMs: USER_CACHE_MS,
    maxEntries: MAX_CACHED,
  });
  // A key of its own for the cookie's MAC, derived from the master key (RFC 5869), never stored.
  const signer = new GateCookieSigner(Buffer.from(hkdfSync('sha256', deps.masterKey, Buffer.alloc(0), 'twofold gate cookie v1', 32)));
  const { forGate } = deps.twoStep;
  const check = new GateCheck({
    keys,
    tenants: { get: (clientKey) => deps.findTenant(clientKey) },
    policies: deps.twoStep.policies,
    connector,
    identity,
    signer,
    browserSessions: forGate.browserSessions,
    hasFactor: forGate.hasFactor,
    approvals,
    clock,
  });
  const signIn = new GateSignIn({
    check,
    verification: deps.twoStep.verification,
    enrollment: forGate.enrollment,
    emailCodes: forGate.emailCodes,
    accessPass: deps.accessPass,
    ids: forGate.ids,
    signer,
    approvals,
    audit,
    clock,
  });
  const admin = new GateAdmin({
    gates,
    connector: {
      // Creating a gate asks the connector afresh: the admin may have connected it a moment ago.
      async status(clientKey) {
        connectorCache.forget(`${clientKey}\u0000`);
        return connector.status(clientKey);
      },
    },
    audit,
    clock,
    random: deps.random,
    appBaseUrl: deps.appBaseUrl,
    onGatesChanged: (clientKey) => deps.onTenantChange(clientKey),
  });

  return {
    check,
    /** Node's request listener: `GET /gate/v1/check` answered here, everything else by `next` (Express). */
    listener(next: (req: IncomingMessage, res: ServerResponse) => void) {
      return gateCheckListener(check, next, (error) => logFailure(deps.logger, error, 'the gate check failed; answered 503 (fail closed)'));
    },
    forgetTenant(clientKey: string | undefined): void {
      keys.forgetTenant(clientKey);
      check.forgetTenant(clientKey);
      identity.forgetTenant(clientKey);
      connectorCache.forget(clientKey === undefined ? undefined : `${clientKey}\u0000`);
    },
    /** Below /api/v1: the user's answer to a Basic-auth client's approval request. */
    userRouters(): Router[] {
      return [meApprovalsRouter({ signIn, browserSessions: forGate.browserSessions, policies: deps.twoStep.policies })];
    },
    adminRouters(): Router[] {
      return [adminGatesRouter({ gates: admin, requireVerification: deps.requireVerification })];
    },
    pagesRouter(): Router {
      return gatePagesRouter({
        signIn,
        siteOf: (gateKey) => check.site(gateKey),
        qrPng: qrCodePngDataUrl,
        rateLimiter: deps.rateLimiter,
        assets: {
          'gate.js': { file: join(deps.projectRoot, 'public', 'js', 'gate.js'), type: 'application/javascript' },
          // The access pass's symbols, drawn as on Twofold's Verify page inside Jira.
          'access-pass-symbols.js': { file: join(deps.projectRoot, 'public', 'js', 'access-pass-symbols.js'), type: 'application/javascript' },
          'twofold.css': { file: join(deps.projectRoot, 'public', 'css', 'twofold.css'), type: 'text/css' },
        },
      });
    },
  };
}

export type Gate = ReturnType<typeof composeGate>;
