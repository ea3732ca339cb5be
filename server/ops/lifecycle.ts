import type { Server } from 'node:http';
import type { Logger } from 'pino';

/** Whether the process is shutting down: readiness then answers 503 so load balancers stop sending. */
export const lifecycle = { draining: false };

/**
 * Graceful shutdown on SIGTERM/SIGINT: stop accepting connections, let in-flight requests finish
 * (idle keep-alive connections are closed at once), close the database, exit 0. After `graceMs`
 * the remaining connections are cut and the process exits 1.
 */
export function shutdownOnSignals(server: Server, closeDb: () => Promise<void>, logger: Logger, graceMs = 25_000) {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    lifecycle.draining = true;
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    const timer = setTimeout(() => {
      logger.warn({ graceMs }, 'grace period over: closing remaining connections');
      server.closeAllConnections();
      closeDb().finally(() => process.exit(1));
    }, graceMs);
    timer.unref();
    server.close(() => {
      closeDb()
        .then(() => { logger.info('stopped'); process.exit(0); })
        .catch((error) => { logger.error({ err: error }, 'closing the database failed'); process.exit(1); });
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
