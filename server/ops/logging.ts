import { randomUUID } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { pino, type Logger } from 'pino';

export type { Logger };

/** The structured log: one JSON object per line on stdout (pino); `silent` in tests. */
export function createLogger(level = 'info'): Logger {
  return pino({ level, base: { service: 'pingan-grid' }, timestamp: pino.stdTimeFunctions.isoTime });
}

export const silentLogger: Logger = pino({ level: 'silent' });

const ids = new WeakMap<Request, string>();
const acceptable = /^[A-Za-z0-9._:-]{1,128}$/;

/** The request's id: the caller's X-Request-Id when it is sane, else a new UUID. */
export function requestIdOf(c: Context): string {
  return ids.get(c.req.raw) ?? '-';
}

/**
 * Gives every request an id (X-Request-Id in and out) and logs one line per request with its
 * method, path, status, duration and user; 5xx at error level, 4xx at info, the rest at debug
 * for health probes and tiles (they are many) and info otherwise.
 */
export function requestLogging(logger: Logger): MiddlewareHandler {
  return async (c, next) => {
    const incoming = c.req.header('x-request-id');
    const id = incoming && acceptable.test(incoming) ? incoming : randomUUID();
    ids.set(c.req.raw, id);
    const started = performance.now();
    await next();
    c.res.headers.set('x-request-id', id);
    const status = c.res.status;
    const user = (c.get('user' as never) as { id: number } | null | undefined)?.id ?? null;
    const entry = { reqId: id, method: c.req.method, path: c.req.path, status, ms: Math.round((performance.now() - started) * 10) / 10, user };
    if (status >= 500) logger.error(entry, 'request failed');
    else if (/^\/(tiles\/|glyphs\/|assets\/|api\/health)/.test(c.req.path)) logger.debug(entry, 'request');
    else logger.info(entry, 'request');
  };
}
