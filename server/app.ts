import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { serveStatic } from '@hono/node-server/serve-static';
import { bodyLimit } from 'hono/body-limit';
import { secureHeaders } from 'hono/secure-headers';
import { adminRoutes } from './admin/admin.routes.ts';
import type { BackupService } from './admin/backups.service.ts';
import { auditRoutes } from './audit/audit.routes.ts';
import { authRoutes } from './auth/auth.routes.ts';
import type { SessionPolicy } from './auth/auth.repository.ts';
import { authenticate, scopedTransaction } from './auth/scope.ts';
import { contentSecurityPolicy, csrfGuard } from './auth/web-security.ts';
import { type Logger, requestIdOf, requestLogging, silentLogger } from './ops/logging.ts';
import type { Config } from './config.ts';
import type { Db } from './db/connection.ts';
import { gridRoutes } from './grids/grids.routes.ts';
import { locateRoutes } from './grids/locate.routes.ts';
import { exportRoutes } from './exports/exports.routes.ts';
import { importRoutes } from './imports/imports.routes.ts';
import type { JobOwner } from './imports/job-owner.ts';
import { incidentRoutes } from './incidents/incidents.routes.ts';
import { ogcRoutes } from './ogc/ogc.routes.ts';
import { open311Routes } from './open311/open311.routes.ts';
import { patrolRoutes } from './patrols/patrols.routes.ts';
import { peopleRoutes } from './people/people.routes.ts';
import { planRoutes } from './plans/plans.routes.ts';
import { tileRoutes } from './tiles/tiles.routes.ts';
import type { AppEnv } from './http/env.ts';
import { compression } from './http/compression.ts';
import { ProblemError, problem, problemResponse } from './http/problem.ts';
import { regionRoutes } from './regions/regions.routes.ts';
import { ruleRoutes } from './rules/rules.routes.ts';
import { siteCategoryRoutes, siteRoutes } from './sites/sites.routes.ts';
import { statsRoutes } from './stats/stats.routes.ts';
import { systemRoutes } from './system/system.routes.ts';

export const webDist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/web');

export type AppOptions = Pick<Config, 'demo' | 'basemap' | 'sessionHours'>
  & Partial<Pick<Config, 'sessionIdleMinutes' | 'basemapOrigins'>> & {
    logger?: Logger;
    /** This process as the owner of the background jobs it starts (the server registers one; in-process test apps may not). */
    jobOwner?: JobOwner;
    /** Online backups (the server passes one; without it the /api/admin routes are not there). */
    backups?: BackupService;
  };

/** Builds the Hono app (no listening): the JSON API, its OpenAPI description and the built web app. */
export function createApp(db: Db, options: AppOptions) {
  const owner = db.kysely;
  const app = new OpenAPIHono<AppEnv>();
  const logger = options.logger ?? silentLogger;
  const sessionPolicy = { absoluteHours: options.sessionHours, idleMinutes: options.sessionIdleMinutes ?? 120 };

  app.onError((error, c) => {
    if (error instanceof ProblemError) return problemResponse(c, error);
    // GEOS gives up on nearly degenerate input (e.g. edges a hair's breadth apart): the geometry's fault
    if (/TopologyException|GEOS\w+: /.test(error.message)) {
      logger.info({ err: error, reqId: requestIdOf(c) }, 'geometry operation failed on the input');
      return problemResponse(c, problem('geometry.operation-failed'));
    }
    // a database constraint that catches what validation did not is the caller's conflict, not a crash
    const sqlState = (error as { code?: unknown }).code;
    if (typeof sqlState === 'string' && /^23[0-9A-Z]{3}$/.test(sqlState)) {
      // the constraint's name says which rule; the database's message (with values) is only logged
      const constraint = (error as { constraint?: string }).constraint ?? sqlState;
      logger.info({ err: error, reqId: requestIdOf(c) }, 'a database constraint refused the change');
      return problemResponse(c, problem(sqlState === '23514' ? 'data.rule-broken' : sqlState === '23503' ? 'data.still-referenced' : 'data.conflict', { constraint }));
    }
    // a value the database cannot hold (a NUL character, a number out of range…) is bad input
    if (typeof sqlState === 'string' && /^22[0-9A-Z]{3}$/.test(sqlState)) {
      logger.info({ err: error, reqId: requestIdOf(c) }, 'a value cannot be stored');
      return problemResponse(c, problem('data.value-not-storable', { sqlState }));
    }
    // Hono's own HTTP errors (e.g. malformed JSON bodies) are client errors too
    const status = (error as { status?: number }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return problemResponse(c, status === 413 ? problem('request.body-too-large') : status === 415 ? problem('request.unsupported-media-type') : problem('request.malformed'));
    }
    logger.error({ err: error, reqId: requestIdOf(c), method: c.req.method, path: c.req.path }, 'unexpected error');
    return problemResponse(c, problem('internal'));
  });

  // request ids (X-Request-Id in and out) and one structured log line per request
  app.use('*', requestLogging(logger));
  // nosniff, no framing, strict referrer, HSTS, and a Content-Security-Policy allowing only this
  // server (plus the configured base map's tiles): see server/auth/web-security.ts
  const csp = contentSecurityPolicy(options.basemap, options.basemapOrigins);
  app.use('*', secureHeaders({ crossOriginEmbedderPolicy: false }));
  app.use('*', async (c, next) => { await next(); c.res.headers.set('content-security-policy', csp); });
  // GeoJSON compresses about 5:1; the county's grids go from ~1.8 MB to ~0.4 MB (tiles gzip themselves)
  for (const area of ['/api/*', '/ogc/*', '/open311/*']) app.use(area, compression());
  // ('/x/*' also matches '/x' itself in Hono)
  // unsafe methods from a browser must come from this origin (cookies are SameSite=Lax too)
  for (const area of ['/api/*', '/tiles/*', '/ogc/*', '/open311/*']) app.use(area, csrfGuard());
  for (const area of ['/api/*', '/tiles/*', '/ogc/*', '/open311/*']) app.use(area, authenticate(owner, sessionPolicy));
  // request bodies: after authentication (headers only), so an unknown caller's large body is refused unread
  app.use('*', bodyLimits());

  // administration (online backups): outside the scoped transaction, as the backup needs the
  // embedded engine's one connection between transactions; the handlers check the capability
  if (options.backups) app.route('/api/admin', adminRoutes(options.backups));

  // Every API route but the public ones sees the database only through the caller's scoped
  // transaction: deny by default, so a new route cannot forget its scope.
  const scoped = scopedTransaction(owner);
  app.use('/api/*', (c, next) => (isPublic(c.req.path) ? next() : scoped(c, next)));
  for (const area of ['/tiles/*', '/ogc/*']) app.use(area, scoped);
  app.route('/api', apiRoutes(db, options, sessionPolicy));
  app.route('/tiles', tileRoutes(db.kind));
  app.route('/ogc', ogcRoutes());
  // Open311 GeoReport v2 for hotline systems (its own token check, scope and error format)
  app.route('/open311/v2', open311Routes(owner));

  app.doc31('/api/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'Pingan Grid (平安网格) API', version: '0.1.0', description: 'Grid management GIS: regions, grids, key sites, grid planning. GeoJSON in and out; errors are RFC 9457 problem+json.' },
  });
  app.all('/api/*', () => { throw problem('api.no-such-endpoint'); });

  if (existsSync(webDist)) {
    app.use('/*', serveStatic({ root: webDist }));
    // single-page app: unknown paths get the shell
    app.get('*', serveStatic({ root: webDist, path: 'index.html' }));
  }
  return app;
}

const KiB = 1024;
const MiB = 1024 * KiB;
/**
 * The request body limits, one row per route family; the first row whose pattern matches the path
 * applies. A signed-in caller (session or token) may send up to `signedIn`, anyone else up to
 * `anonymous` (sign-in forms, Open311's api_key forms). A declared Content-Length over the limit is
 * refused at once; a streamed body as soon as it passes the limit: 413 payload-too-large.
 */
const bodyLimitTable: ReadonlyArray<{ family: string; path: RegExp; signedIn: number; anonymous: number }> = [
  { family: 'uploads: site imports, incident photos, plan Shapefile import', signedIn: 50 * MiB, anonymous: 64 * KiB,
    path: /^\/api\/(imports(\/|$)|incidents\/\d+\/photos$|plans\/\d+\/import\/shapefile$)/ },
  { family: '/api (JSON)', path: /^\/api(\/|$)/, signedIn: 2 * MiB, anonymous: 64 * KiB },
  { family: '/open311 (GeoReport forms and JSON)', path: /^\/open311(\/|$)/, signedIn: 1 * MiB, anonymous: 64 * KiB },
  { family: '/ogc (read-only)', path: /^\/ogc(\/|$)/, signedIn: 64 * KiB, anonymous: 64 * KiB },
  { family: '/tiles (read-only)', path: /^\/tiles(\/|$)/, signedIn: 64 * KiB, anonymous: 64 * KiB },
  { family: 'anything else (the web app)', path: /^/, signedIn: 64 * KiB, anonymous: 64 * KiB },
];

function bodyLimits(): MiddlewareHandler<AppEnv> {
  const sized = (bytes: number) => bodyLimit({
    maxSize: bytes,
    onError: () => {
      const size = bytes >= MiB ? `${bytes / MiB} MiB` : `${bytes / KiB} KiB`;
      throw problem('request.too-large', { limit: size });
    },
  });
  const rows = bodyLimitTable.map((row) => ({ ...row, signedInLimit: sized(row.signedIn), anonymousLimit: sized(row.anonymous) }));
  return (c, next) => {
    const row = rows.find((r) => r.path.test(c.req.path))!;
    return (c.get('user') ? row.signedInLimit : row.anonymousLimit)(c, next);
  };
}

/**
 * The JSON API as one chained expression: its type (AppType) carries every route, request and
 * response schema, and the web app calls it through Hono's typed client (web/src/lib/api.ts).
 */
function apiRoutes(db: Db, options: AppOptions, sessionPolicy: SessionPolicy) {
  const owner = db.kysely;
  return new OpenAPIHono<AppEnv>()
    .route('/', systemRoutes(owner, db.kind, options.demo, options.basemap))
    .route('/auth', authRoutes(owner, sessionPolicy))
    .route('/regions', regionRoutes())
    .route('/grids', gridRoutes())
    .route('/grids', locateRoutes())
    .route('/sites', siteRoutes())
    .route('/site-categories', siteCategoryRoutes())
    .route('/plans', planRoutes())
    .route('/rules', ruleRoutes())
    .route('/audit', auditRoutes())
    .route('/imports', importRoutes(owner, options.jobOwner))
    .route('/exports', exportRoutes(owner))
    // people, units, assignments (/api/grids/{id}/assignments), staffing, my area
    .route('/', peopleRoutes())
    .route('/', patrolRoutes())
    // incidents, incident categories, incident notifications
    .route('/', incidentRoutes())
    // incident statistics (/api/stats/incidents) and routine reports (/api/reports/{kind})
    .route('/', statsRoutes());
}

/** The API's routes, for the web app's typed client (`hc<AppType>('/api')`). */
export type AppType = ReturnType<typeof apiRoutes>;

const publicPaths = new Set(['/api/health', '/api/health/live', '/api/health/ready', '/api/config', '/api/openapi.json']);
function isPublic(path: string): boolean {
  return publicPaths.has(path) || path.startsWith('/api/auth/') || path.startsWith('/api/admin/');
}

