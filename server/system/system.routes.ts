import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { type Kysely, sql } from 'kysely';
import type { BasemapConfig } from '../config.ts';
import type { DbKind } from '../db/connection.ts';
import { postgisVersion } from '../db/connection.ts';
import type { Database } from '../db/schema.ts';
import type { AppEnv } from '../http/env.ts';

const Health = z.object({ ok: z.boolean(), db: z.enum(['pglite', 'postgres']), postgis: z.string() }).openapi('Health');
const ClientConfig = z.object({
  demo: z.boolean(),
  county: z.object({ code: z.string(), name: z.string(), bbox: z.array(z.number()).length(4) }).nullable(),
  basemap: z.object({ kind: z.enum(['none', 'tianditu', 'xyz']), url: z.string().optional(), key: z.string().optional(), attribution: z.string().optional() }),
}).openapi('ClientConfig');

/** Public endpoints: liveness and what the web client needs before sign-in. */
export function systemRoutes(owner: Kysely<Database>, kind: DbKind, demo: boolean, basemap: BasemapConfig) {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(createRoute({
    method: 'get', path: '/health', tags: ['system'], summary: 'Liveness and database engine',
    responses: { 200: { description: 'Healthy', content: { 'application/json': { schema: Health } } } },
  }), async (c) => c.json({ ok: true, db: kind, postgis: await postgisVersion(owner) }, 200));

  app.openapi(createRoute({
    method: 'get', path: '/config', tags: ['system'], summary: 'Client settings: demo flag, the county, the opt-in base map',
    responses: { 200: { description: 'Settings', content: { 'application/json': { schema: ClientConfig } } } },
  }), async (c) => {
    const county = await owner.selectFrom('regions as r')
      .select(['r.code', 'r.name', sql<number[]>`array[ST_XMin(r.boundary), ST_YMin(r.boundary), ST_XMax(r.boundary), ST_YMax(r.boundary)]`.as('bbox')])
      .where('r.level', '=', 'county').orderBy('r.code').executeTakeFirst();
    return c.json({ demo, county: county ? { ...county, bbox: county.bbox.map(Number) } : null, basemap }, 200);
  });

  return app;
}
