import type { Server } from 'node:http';
import type { Logger } from './adapters/logging/logger';

/**
 * Stops an HTTP server gracefully: no new connections, idle keep-alive connections closed, requests in
 * flight allowed to finish (up to `timeoutMs`, then their sockets are cut), and only then the app's
 * resources (database, listeners) closed, so that no request loses its database mid-way.
 */
export async function shutDownGracefully(server: Server, closeResources: () => Promise<void>, options: { timeoutMs: number; logger: Logger }): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const idleSweep = setInterval(() => server.closeIdleConnections(), 250);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), options.timeoutMs);
  });
  const outcome = await Promise.race([closed.then(() => 'drained' as const), deadline]);
  clearInterval(idleSweep);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    options.logger.warn({ timeoutMs: options.timeoutMs }, 'requests still running at the shutdown deadline; closing their connections');
    server.closeAllConnections();
    await closed;
  }
  await closeResources();
}
