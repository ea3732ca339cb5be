import type { MiddlewareHandler } from 'hono';
import type { BasemapConfig } from '../config.ts';
import type { AppEnv } from '../http/env.ts';
import { problem } from '../http/problem.ts';
import { bearerToken } from './bearer.ts';

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Cross-site request forgery guard for unsafe methods (POST, PATCH, PUT, DELETE). The session
 * cookie is SameSite=Lax already; on top of that, a browser request must come from this origin:
 * `Sec-Fetch-Site` must be same-origin (or none: typed by the user), and `Origin`, when sent, must
 * name this host. Browsers send at least one of them on every unsafe request; a request with
 * neither comes from a script or a GIS client, which a forged page cannot make. Requests with a
 * well-formed bearer token carry no ambient credential (they authenticate by the token only) and are
 * exempt; a malformed Authorization header is a 401 (server/auth/bearer.ts).
 */
export function csrfGuard(trustedOrigins: string[] = []): MiddlewareHandler<AppEnv> {
  const trusted = new Set(trustedOrigins.map((o) => o.replace(/\/$/, '')));
  return async (c, next) => {
    if (safeMethods.has(c.req.method) || bearerToken(c.req.header('authorization')) !== undefined) return next();
    const site = c.req.header('sec-fetch-site');
    const origin = c.req.header('origin');
    if (site && site !== 'same-origin' && site !== 'none' && !(origin && trusted.has(origin))) {
      throw problem('auth.cross-site', { site });
    }
    if (origin !== undefined && !trusted.has(origin)) {
      let host: string | undefined;
      try { host = origin === 'null' ? undefined : new URL(origin).host; } catch { host = undefined; }
      if (host !== (c.req.header('host') ?? new URL(c.req.url).host)) {
        throw problem('auth.foreign-origin', { origin });
      }
    }
    return next();
  };
}

/** The origins a base map loads tiles from: Tianditu's hosts, or the XYZ template's host(s). */
export function basemapOriginsOf(basemap: BasemapConfig): string[] {
  if (basemap.kind === 'tianditu') return ['https://*.tianditu.gov.cn'];
  if (basemap.kind === 'xyz') {
    const hosts = new Set<string>();
    for (const s of ['a', 'b', 'c']) {
      try { hosts.add(new URL(basemap.url.replace('{s}', s).replace(/\{[a-z]\}/g, '0')).origin); } catch { /* invalid template: nothing */ }
    }
    return [...hosts];
  }
  return [];
}

/**
 * The Content-Security-Policy: scripts, styles, fonts, data and frames from this server only;
 * MapLibre's worker is a blob: URL and its sprites/icons may be data: images; base-map tiles
 * come from the configured base map's origin (plus BASEMAP_ORIGINS). Inline styles are allowed
 * (Svelte's style attributes, the OGC HTML pages' one <style>); inline scripts are not.
 */
export function contentSecurityPolicy(basemap: BasemapConfig, extraOrigins: string[] = []): string {
  const tiles = [...new Set([...basemapOriginsOf(basemap), ...extraOrigins])].join(' ');
  const withTiles = (base: string) => (tiles ? `${base} ${tiles}` : base);
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    withTiles("img-src 'self' data: blob:"),
    withTiles("connect-src 'self'"),
    "worker-src 'self' blob:",
    "child-src 'self' blob:",
    "font-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'self'",
  ].join('; ');
}
