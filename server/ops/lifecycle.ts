import type { Server } from 'node:http';
import type { Logger } from 'pino';

/** Whether the process is shutting down: readiness then answers 503 so load balancers stop sending. */
export const lifecycle = { draining: false };

/**
 * Graceful shutdown on SIGTERM/SIGINT: readiness turns 503 at once; after `drainMs` (load balancers
 * notice, and requests already on the wire are read: PGlite queries block the event loop, so a
 * request can sit unread in a socket for a while) the server stops accepting connections and
 * closes idle ones, lets in-flight requests finish, closes the database and exits 0. After
 * `graceMs` the remaining connections are cut and the process exits 1.
 */
export function shutdownOnSignals(server: Server, closeDb: () => Promise<void>, logger: Logger,
  { drainMs = Number(process.env.SHUTDOWN_DRAIN_MS) || 1000, graceMs = 25_000 }: { drainMs?: number; graceMs?: number } = {}) {
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
    setTimeout(() => {
      // (Node closes idle keep-alive connections in close(); busy ones close after their response)
      server.close(() => {
        closeDb()
          .then(() => { logger.info('stopped'); process.exit(0); })
          .catch((error) => { logger.error({ err: error }, 'closing the database failed'); process.exit(1); });
      });
      server.closeIdleConnections();
    }, drainMs);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
