import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { AddOn } from 'atlassian-connect-express';
import express, { type Express } from 'express';
import { apiRouter } from '../routes/api';
import { healthRouter } from '../routes/health';
import { landingRouter } from '../routes/landing';
import { lifecycleRouter } from '../routes/lifecycle';
import { sandboxRouter } from '../routes/sandbox';
import type { Config } from './config/config';
import { bootAce, PROJECT_ROOT } from './adapters/connect/ace-bootstrap';
import { ConnectJwtVerifier } from './adapters/connect/connect-jwt-verifier';
import { EncryptedTenantStore } from './adapters/connect/encrypted-tenant-store';
import { JiraCloudHostClient } from './adapters/connect/jira-cloud-host-client';
import { AesGcmSecretBox } from './adapters/crypto/aes-gcm-secret-box';
import { openDatabase, type Database } from './adapters/db/database';
import { migrate } from './adapters/db/migrate';
import { ALL_TENANTS, startTenantChangeNotifier } from './adapters/db/tenant-change-notifier';
import { SequelizeTenantRepository } from './adapters/db/tenant-repository';
import { errorMiddleware, notFound } from './adapters/http/error-middleware';
import { requestLog } from './adapters/http/request-log';
import { securityHeaders } from './adapters/http/security-headers';
import { handlebarsEngine } from './adapters/http/views';
import { AxiosHttpTransport } from './adapters/http-transport/axios-transport';
import { createModeLogger, type Logger } from './adapters/logging/logger';
import type { Clock } from './domain/ports/clock';
import type { HttpTransport } from './domain/ports/http-transport';
import type { Random } from './domain/ports/random';
import { AdminCheck } from './domain/tenancy/admin-check';
import type { Tenant } from './domain/tenancy/tenant';
import { TenantCache } from './domain/tenancy/tenant-cache';
import { startUninstalledTenantPurge } from './jobs/purge-uninstalled-tenants';
import { createSandbox, SANDBOX_PATH, type Sandbox } from './sandbox';
import { composeTwoStep, type TwoStep } from './compose/two-step';
import { composeConnector, type Connector } from './compose/connector';
import { composeAuthentication } from './compose/authentication';

const CONNECT_CDN_ALL_JS = 'https://connect-cdn.atl-paas.net/all.js';
const APP_VERSION: string = (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

export interface AppOverrides {
  clock?: Clock;
  random?: Random;
  logger?: Logger;
  transport?: HttpTransport;
}

export interface TwofoldApp {
  app: Express;
  config: Config;
  logger: Logger;
  database: Database;
  sandbox: Sandbox | undefined;
  /** ACE's add-on and our JWT verifier, for tools that compose routes of their own (bench/). */
  connect: { addon: AddOn; verifier: ConnectJwtVerifier };
  /** Two-step verification's services (tests and bench/ reach the policy and verification through it). */
  twoStep: TwoStep;
  /** The Jira Server/DC connector; `connector.service.clientFor(clientKey)` is the way rollout and sync reach it. */
  connector: Connector;
  /** Stops timers and listeners and closes the database (the HTTP server is closed by its owner). */
  close(): Promise<void>;
}

/** The composition root: the one place where adapters are wired into the domain. */
export async function createTwofoldApp(config: Config, overrides: AppOverrides = {}): Promise<TwofoldApp> {
  const clock: Clock = overrides.clock ?? { now: () => new Date() };
  const random: Random = overrides.random ?? { bytes: (length) => randomBytes(length) };
  const logger = overrides.logger ?? createModeLogger(config.mode, config.logLevel);
  const transport = overrides.transport ?? new AxiosHttpTransport();

  const database = await openDatabase(config.databaseUrl, logger);
  const secretBox = new AesGcmSecretBox(config.masterKeys.current, config.masterKeys.previous);
  await migrate(database, logger, secretBox);

  const tenants = new SequelizeTenantRepository(database.sequelize, secretBox);
  const tenantCache = new TenantCache(tenants, clock, { ttlSeconds: config.tenantCacheSeconds });
  const hostClient = new JiraCloudHostClient(transport, clock, appKey());
  const adminCheck = new AdminCheck(hostClient, clock, config.adminCheckCacheSeconds);
  const twoStep = composeTwoStep({
    sequelize: database.sequelize,
    secretBox,
    hostClient,
    clock,
    random,
    logger,
    onTenantChange: (clientKey) => tenantChanged(clientKey),
  });
  const connector = composeConnector({
    sequelize: database.sequelize,
    secretBox,
    transport,
    clock,
    random,
    appBaseUrl: config.localBaseUrl,
    adminCheck,
    findTenant: (clientKey) => tenantCache.get(clientKey),
    requireVerification: twoStep.requireVerification,
  });
  const forgetTenant = (clientKey: string) => {
    if (clientKey === ALL_TENANTS) {
      twoStep.forgetTenant(undefined);
      adminCheck.forgetAll();
      return tenantCache.clear();
    }
    tenantCache.invalidate(clientKey);
    adminCheck.forgetTenant(clientKey);
    twoStep.forgetTenant(clientKey);
  };
  const notifier = await startTenantChangeNotifier(database, forgetTenant, logger);
  const tenantChanged = (clientKey: string) => {
    notifier.publish(clientKey).catch((error: unknown) => logger.warn({ err: error, clientKey }, 'could not notify other instances'));
  };
  const verifier = new ConnectJwtVerifier(tenantCache, clock, config.localBaseUrl);
  const auth = composeAuthentication(verifier, adminCheck);

  const app = express();
  app.set('env', config.mode);
  app.set('trust proxy', 'loopback');
  app.disable('x-powered-by');
  app.engine('hbs', handlebarsEngine(join(PROJECT_ROOT, 'views')));
  app.set('view engine', 'hbs');
  app.set('views', join(PROJECT_ROOT, 'views'));

  app.use(requestLog(logger, { ignore: (url) => url === '/healthz' }));
  const sandboxOrigin = new URL(config.localBaseUrl).origin;
  app.use(securityHeaders({ frameAncestors: ["'self'", sandboxOrigin, 'https://*.atlassian.net', 'https://*.jira.com'] }));
  app.use(express.json({ limit: '64kb' }));
  app.use(express.urlencoded({ extended: false, limit: '16kb' }));
  app.use('/public', express.static(join(PROJECT_ROOT, 'public'), { maxAge: config.mode === 'production' ? '1h' : 0 }));

  const store = new EncryptedTenantStore(database.sequelize, tenants, secretBox, clock, tenantChanged);
  const addon = await bootAce(app, config, store, logger);

  const sandbox = config.sandbox.enabled ? createSandbox({ appBaseUrl: config.localBaseUrl, stateFile: config.sandbox.stateFile, clock, logger }) : undefined;
  const sandboxBaseUrl = `${config.localBaseUrl}${SANDBOX_PATH}`;
  const hostScriptUrlFor = (tenant: Tenant) =>
    sandbox && tenant.baseUrl === sandboxBaseUrl ? `${sandboxBaseUrl}/atlassian-connect/all.js` : CONNECT_CDN_ALL_JS;

  app.use(healthRouter({ pingDatabase: (timeoutMs) => database.ping(timeoutMs) }));
  app.use(
    lifecycleRouter({
      verifyInstall: [addon.verifyInstallation()],
      saveInstall: addon.postInstallation(),
      authenticateUninstall: [addon.authenticateInstall()],
      uninstall: async (clientKey) => {
        if (await tenants.markUninstalled(clientKey, clock.now())) tenantChanged(clientKey);
      },
    }),
  );
  app.use(
    apiRouter({
      authenticate: auth.api,
      requireJiraAdmin: auth.jiraAdmin,
      adminCheck,
      appVersion: APP_VERSION,
      userRouters: twoStep.userRouters(),
      adminRouters: [...twoStep.adminRouters(), ...connector.adminRouters()],
    }),
  );
  for (const router of twoStep.pagesRouters(auth, hostScriptUrlFor)) app.use(router);
  app.use(connector.pagesRouter(auth, hostScriptUrlFor));
  app.use(sandbox ? sandboxRouter(sandbox) : landingRouter(config.localBaseUrl));
  app.use(notFound);
  app.use(errorMiddleware(logger));

  const purge = startUninstalledTenantPurge({ tenants, clock, logger, graceDays: config.uninstallGraceDays });

  return {
    app,
    config,
    logger,
    database,
    sandbox,
    connect: { addon, verifier },
    twoStep,
    connector,
    async close() {
      purge.stop();
      await notifier.close();
      await database.close();
    },
  };

  function appKey(): string {
    return (JSON.parse(readFileSync(join(PROJECT_ROOT, 'atlassian-connect.json'), 'utf8')) as { key: string }).key;
  }
}
