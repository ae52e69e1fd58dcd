import { Client } from 'pg';
import type { Logger } from '../logging/logger';
import type { Database } from './database';

const CHANNEL = 'twofold_tenant_changed';
/** Sent after a reconnect: notifications may have been missed, so everything cached is suspect. */
export const ALL_TENANTS = '*';

export interface TenantChangeNotifier {
  /** Tells every app instance (this one included) that a tenant was installed, reinstalled or uninstalled. */
  publish(clientKey: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Cross-instance invalidation of the tenant cache. On Postgres it is LISTEN/NOTIFY on a connection
 * of its own, reconnecting with a delay when it drops; SQLite is one process, where local
 * invalidation is enough.
 */
export async function startTenantChangeNotifier(database: Database, onChange: (clientKey: string) => void, logger: Logger): Promise<TenantChangeNotifier> {
  if (database.dialect !== 'postgres') {
    return { publish: async (clientKey) => onChange(clientKey), close: async () => {} };
  }

  let client: Client | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;

  const connect = async (): Promise<void> => {
    const next = new Client({ connectionString: database.url });
    next.on('notification', (message) => {
      if (message.channel === CHANNEL && message.payload) onChange(message.payload);
    });
    next.on('error', (error) => {
      logger.warn({ err: error }, 'tenant change listener lost its connection; reconnecting');
      next.end().catch(() => {});
      if (client === next) client = undefined;
      scheduleReconnect();
    });
    await next.connect();
    await next.query(`LISTEN ${CHANNEL}`);
    client = next;
    onChange(ALL_TENANTS);
  };
  const scheduleReconnect = () => {
    if (closed || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      connect().catch((error) => {
        logger.warn({ err: error }, 'tenant change listener could not reconnect');
        scheduleReconnect();
      });
    }, 1000);
    retry.unref();
  };

  await connect();
  return {
    async publish(clientKey) {
      onChange(clientKey);
      await database.sequelize.query('SELECT pg_notify(:channel, :clientKey)', { replacements: { channel: CHANNEL, clientKey } });
    },
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      await client?.end();
    },
  };
}
