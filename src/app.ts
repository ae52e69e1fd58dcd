import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { AddOn } from 'atlassian-connect-express';
import express, { type Express } from 'express';
import { apiRouter } from '../routes/api';
import { healthRouter } from '../routes/health';
import { landingRouter } from '../routes/landing';
import { lifecycleRouter } from '../routes/lifecycle';
import { openApiRouter } from '../routes/openapi';
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
import { apiErrorAnswer, errorMiddleware, notFound } from './adapters/http/error-middleware';
import { logRequest, requestLog, requestLogLevel } from './adapters/http/request-log';
import { securityHeaderList, securityHeaders } from './adapters/http/security-headers';
import { apiLane } from './http/api-lane';
import { apiTokenCheck } from './adapters/connect/authenticate';
import { ClientRateLimiter } from './domain/http/client-rate-limit';
import { rateLimitByClient } from './http/rate-limit-by-client';
import { UNAUTHENTICATED_LIMITS } from './http/unauthenticated-limits';
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
import { composeJobs, type Jobs } from './compose/jobs';
import { composeSync, type Sync } from './compose/sync';
import { composeTokens } from './compose/tokens';
import { JiraCloudUserDirectory } from './adapters/connect/jira-cloud-user-directory';
import { WriteBackAuditHook } from './domain/idmap/write-back-audit-hook';
import { composeGate, type Gate } from './compose/gate';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Outbox } from './adapters/mail/outbox';
import { SmtpMailSender } from './adapters/mail/smtp-mail-sender';
import type { MailSender } from './domain/ports/mail-sender';
import { composeAccessPass, pairedDeviceRows, type AccessPass } from './compose/access-pass';

const CONNECT_CDN_ALL_JS = 'https://connect-cdn.atl-paas.net/all.js';
const APP_VERSION: string = (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

export interface AppOverrides {
  clock?: Clock;
  random?: Random;
  logger?: Logger;
  transport?: HttpTransport;
  /** Where mail goes instead of what the configuration gives; `null`: no mail at all, as in production without SMTP_URL. */
  mail?: MailSender | null;
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
  /** The durable job runner (started with the app, stopped by `close`); job kinds are registered on it. */
  jobs: Jobs;
  /** Directory sync: the sync job kinds, write-back and its sweep. */
  sync: Sync;
  /** The forward-auth gate (its check is answered by `handler` before Express). */
  gate: Gate;
  /** Node's request listener: the gate's check, then the Express app. Servers listen with this, not `app`. */
  handler: (req: IncomingMessage, res: ServerResponse) => void;
  /** Development without SMTP_URL: the mail Twofold sent, as the sandbox's outbox page shows it. */
  outbox: Outbox | undefined;
  /** Paired phones and the access pass. */
  accessPass: AccessPass;
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
  // Write-back listens to the audited ID and enrollment changes; `sync` is composed further down.
  let onPropertyChange: (tenant: string, accountId: string) => Promise<void> = async () => undefined;
  // Mail: SMTP when configured; else the sandbox's outbox in development; else none (production:
  // email codes are unavailable and say so, rather than being dropped).
  const smtp = config.mail.smtpUrl === undefined ? undefined : new SmtpMailSender(config.mail.smtpUrl, config.mail.from);
  const outbox = smtp === undefined && config.sandbox.enabled ? new Outbox(config.mail.from, () => clock.now()) : undefined;
  const mail: MailSender | null = overrides.mail !== undefined ? overrides.mail : (smtp ?? outbox ?? null);
  const devices = pairedDeviceRows(database.sequelize, secretBox);
  const twoStep = composeTwoStep({
    decorateAudit: (audit) => new WriteBackAuditHook(audit, (tenant, accountId) => onPropertyChange(tenant, accountId)),
    mail,
    pairedDevices: devices,
    sequelize: database.sequelize,
    secretBox,
    hostClient,
    clock,
    random,
    logger,
    onTenantChange: (clientKey) => tenantChanged(clientKey),
    // Data Center users' addresses come from Data Center (the connector is composed just below).
    dataCenterClient: (clientKey) => connector.service.clientFor(clientKey),
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
  // Endpoints anyone can call without a Jira token are limited per client address (client-rate-limit.ts).
  const rateLimiter = new ClientRateLimiter(clock);
  const accessPass = composeAccessPass({
    sequelize: database.sequelize,
    devices,
    twoStep,
    clock,
    random,
    logger,
    findTenant: (clientKey) => tenantCache.get(clientKey),
    appBaseUrl: config.localBaseUrl,
    webPush: config.webPush,
    projectRoot: PROJECT_ROOT,
  });
  const gate = composeGate({
    rateLimiter,
    sequelize: database.sequelize,
    masterKey: config.masterKeys.current,
    transport,
    clock,
    random,
    logger,
    appBaseUrl: config.localBaseUrl,
    projectRoot: PROJECT_ROOT,
    twoStep,
    accessPass: accessPass.accessPass,
    connector: connector.service,
    findTenant: (clientKey) => tenantCache.get(clientKey),
    requireVerification: twoStep.requireVerification,
    onTenantChange: (clientKey) => tenantChanged(clientKey),
  });
  const forgetTenant = (clientKey: string) => {
    if (clientKey === ALL_TENANTS) {
      gate.forgetTenant(undefined);
      twoStep.forgetTenant(undefined);
      adminCheck.forgetAll();
      return tenantCache.clear();
    }
    tenantCache.invalidate(clientKey);
    gate.forgetTenant(clientKey);
    adminCheck.forgetTenant(clientKey);
    twoStep.forgetTenant(clientKey);
  };
  const notifier = await startTenantChangeNotifier(database, forgetTenant, logger);
  const tenantChanged = (clientKey: string) => {
    notifier.publish(clientKey).catch((error: unknown) => logger.warn({ err: error, clientKey }, 'could not notify other instances'));
  };
  const jobs = composeJobs({
    database,
    config,
    clock,
    logger,
    requireVerification: twoStep.requireVerification,
    policies: twoStep.policies,
    directory: twoStep.directory,
    findTenant: (clientKey) => tenantCache.get(clientKey),
    connectorClient: (clientKey) => connector.service.clientFor(clientKey),
  });
  const sync = composeSync({
    sequelize: database.sequelize,
    secretBox,
    hostClient,
    findTenant: (clientKey) => tenantCache.get(clientKey),
    connectorService: () => connector.service,
    policies: () => twoStep.policies,
    ids: () => twoStep.ids,
    runner: jobs.runner,
    clock,
    logger,
    requireVerification: twoStep.requireVerification,
  });
  onPropertyChange = (tenant, accountId) => sync.writeBack(tenant, accountId);
  const tokens = composeTokens({
    sequelize: database.sequelize,
    secretBox,
    directory: new JiraCloudUserDirectory(hostClient),
    runner: jobs.runner,
    clock,
    decorateAudit: (audit) => new WriteBackAuditHook(audit, (tenant, accountId) => onPropertyChange(tenant, accountId)),
    requireVerification: twoStep.requireVerification,
    ensureId: async (clientKey, accountId) => {
      const tenant = await tenantCache.get(clientKey);
      if (tenant) await twoStep.ids.ensure(tenant, accountId, await twoStep.policies.get(tenant));
    },
  });
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
  const headersOfEveryAnswer = { frameAncestors: ["'self'", sandboxOrigin, 'https://*.atlassian.net', 'https://*.jira.com'] };
  app.use(securityHeaders(headersOfEveryAnswer));
  app.use(express.json({ limit: '64kb' }));
  app.use(express.urlencoded({ extended: false, limit: '16kb' }));
  // Static files are the one thing that may be cached: drop the no-store default so serve-static sets its own.
  const staticOptions = { maxAge: config.mode === 'production' ? '1h' : 0, setHeaders: (res: express.Response) => res.removeHeader('Cache-Control') };
  app.use('/public', express.static(join(PROJECT_ROOT, 'public'), staticOptions));
  // Endpoints anyone can call without a Jira token: one client address cannot flood them.
  for (const { paths, bucket, rule } of UNAUTHENTICATED_LIMITS) app.use(paths, rateLimitByClient(rateLimiter, bucket, rule));

  const store = new EncryptedTenantStore(database.sequelize, tenants, secretBox, clock, tenantChanged);
  const addon = await bootAce(app, config, store, logger);

  const sandbox = config.sandbox.enabled
    ? createSandbox({ appBaseUrl: config.localBaseUrl, stateFile: config.sandbox.stateFile, clock, logger, outbox, staff: config.sandbox.staff })
    : undefined;
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
  app.use(openApiRouter(APP_VERSION));
  app.use(
    apiRouter({
      csvRoutes: ['POST /tokens/import'],
      authenticate: auth.api,
      requireJiraAdmin: auth.jiraAdmin,
      adminCheck,
      appVersion: APP_VERSION,
      userRouters: [...twoStep.userRouters(), ...gate.userRouters(), ...accessPass.userRouters()],
      adminRouters: [
        ...jobs.adminRouters(),
        ...twoStep.adminRouters(),
        ...connector.adminRouters(),
        sync.adminRouter(),
        tokens.adminRouter(),
        ...gate.adminRouters(),
        ...accessPass.adminRouters(),
      ],
    }),
  );
  app.use(accessPass.companionRouter());
  for (const router of twoStep.pagesRouters(auth, hostScriptUrlFor)) app.use(router);
  app.use(connector.pagesRouter(auth, hostScriptUrlFor));
  app.use(gate.pagesRouter());
  app.use(sandbox ? sandboxRouter(sandbox) : landingRouter(config.localBaseUrl));
  app.use(notFound);
  app.use(errorMiddleware(logger));

  const purge = startUninstalledTenantPurge({ tenants, clock, logger, graceDays: config.uninstallGraceDays });
  await jobs.start();
  sync.startSweep();

  return {
    app,
    config,
    logger,
    database,
    sandbox,
    connect: { addon, verifier },
    twoStep,
    connector,
    jobs,
    sync,
    gate,
    handler: gate.listener(
      apiLane(
        twoStep.laneRoutes(),
        {
          authenticate: apiTokenCheck(verifier),
          headers: securityHeaderList(headersOfEveryAnswer),
          logAnswered: (request) => logRequest(logger, requestLogLevel(request.method, request.statusCode), request),
          answerError: (error, request) => apiErrorAnswer(logger, error, request),
        },
        app,
      ),
    ),
    outbox,
    accessPass,
    async close() {
      sync.stopSweep();
      // Items in flight are recorded before the database closes; what is left resumes on the next start.
      await jobs.stop();
      purge.stop();
      smtp?.close();
      await notifier.close();
      await database.close();
    },
  };

  function appKey(): string {
    return (JSON.parse(readFileSync(join(PROJECT_ROOT, 'atlassian-connect.json'), 'utf8')) as { key: string }).key;
  }
}
