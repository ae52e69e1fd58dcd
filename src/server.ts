import { createServer } from 'node:http';
import { createTwofoldApp } from './app';
import { readOrCreateDevelopmentMasterKeys } from './adapters/crypto/development-master-key';
import { ConfigError, loadConfig } from './config/load-config';
import { shutDownGracefully } from './shutdown';

const SHUTDOWN_TIMEOUT_MS = 15_000;

async function main(): Promise<void> {
  const config = loadConfig(process.env, { developmentMasterKeys: () => readOrCreateDevelopmentMasterKeys() });
  const twofold = await createTwofoldApp(config);
  const { logger } = twofold;
  const server = createServer(twofold.handler);
  server.keepAliveTimeout = 65_000; // longer than typical proxy idle timeouts, so the proxy closes first

  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing requests in flight');
    shutDownGracefully(server, () => twofold.close(), { timeoutMs: SHUTDOWN_TIMEOUT_MS, logger }).then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  server.listen(config.port, config.host, () => {
    logger.info(
      { url: config.localBaseUrl, descriptor: `${config.localBaseUrl}/atlassian-connect.json`, mode: config.mode, database: config.databaseUrl.split(':')[0] },
      config.sandbox.enabled ? `Twofold is running: open ${config.localBaseUrl}/ for the sandbox Jira site` : 'Twofold is running',
    );
  });
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(`Twofold failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
  process.exit(1);
});
