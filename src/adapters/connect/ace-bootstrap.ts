import { resolve } from 'node:path';
import ace from 'atlassian-connect-express';
import type { Express } from 'express';
import type { Config } from '../../config/config';
import type { Logger } from '../logging/logger';
import { aceLogger } from './ace-logger';
import type { EncryptedTenantStore } from './encrypted-tenant-store';

import { PROJECT_ROOT } from '../../config/project-root';

export { PROJECT_ROOT };
const STORE_ADAPTER = 'twofold';

/**
 * Boots atlassian-connect-express on the app: it serves the descriptor; its install-hook verification
 * and saving (through our encrypted store) are mounted by routes/lifecycle.ts. Resolves once ACE has
 * mounted its routes, so that routes added afterwards (404, errors) come last.
 */
export async function bootAce(app: Express, config: Config, store: EncryptedTenantStore, logger: Logger): Promise<ace.AddOn> {
  // The registry is process-wide; the factory runs synchronously inside ace() below, so each app
  // instance gets its own store even when tests run several in one process.
  useConnectKeysUrl(config.connectKeysCdnUrl);
  ace.store.register(STORE_ADAPTER, () => store as unknown as ace.StoreAdapter);

  // ACE mounts the descriptor at the route named by its file name, and reads it from the working folder.
  if (resolve(process.cwd()) !== PROJECT_ROOT) {
    throw new Error(`Start Twofold from its project folder (${PROJECT_ROOT}): ACE reads atlassian-connect.json from the working folder`);
  }
  const modeOverrides = { localBaseUrl: config.localBaseUrl, port: String(config.port), store: { adapter: STORE_ADAPTER } };
  const before = process.listeners('unhandledRejection');
  let addon: ace.AddOn | undefined;
  await new Promise<void>((done) => {
    addon = ace(
      app,
      { config: { [config.mode]: modeOverrides } },
      aceLogger(logger),
      { descriptorFilename: 'atlassian-connect.json', configFileName: resolve(PROJECT_ROOT, 'config.json') },
      done,
    );
  });
  // ACE adds a process-wide unhandledRejection logger per instance; the server owns process handlers.
  for (const listener of process.listeners('unhandledRejection')) {
    if (!before.includes(listener)) process.removeListener('unhandledRejection', listener);
  }
  if (addon === undefined) throw new Error('ACE did not create its add-on');
  return addon;
}

/**
 * ACE reads CONNECT_KEYS_CDN_URL from the process environment when an install hook arrives; it has no
 * option for it. Set once here, at start, from the validated configuration, so that no request ever
 * writes process.env. Several instances in one process (the tests) share it: the last one booted wins.
 */
function useConnectKeysUrl(url: string | undefined): void {
  if (url === undefined) delete process.env.CONNECT_KEYS_CDN_URL;
  else process.env.CONNECT_KEYS_CDN_URL = url;
}
