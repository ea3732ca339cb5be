import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { Kysely } from 'kysely';
import type { BasemapConfig } from '../config.ts';
import type { DbKind } from '../db/connection.ts';
import { postgisVersion } from '../db/connection.ts';
import type { Database } from '../db/schema.ts';
import type { AppEnv } from '../http/env.ts';
import { problem } from '../http/problem.ts';
import { problems } from '../http/schemas.ts';
import { lifecycle } from '../ops/lifecycle.ts';
import { firstCounty, ping } from './system.repository.ts';

const Health = z.object({ ok: z.boolean(), db: z.enum(['pglite', 'postgres']), postgis: z.string() }).openapi('Health');
const ClientConfig = z.object({
  demo: z.boolean(),
  county: z.object({ code: z.string(), name: z.string(), bbox: z.array(z.number()).length(4) }).nullable(),
  basemap: z.object({ kind: z.enum(['none', 'tianditu', 'xyz']), url: z.string().optional(), key: z.string().optional(), attribution: z.string().optional() }),
}).openapi('ClientConfig');

/** Public endpoints: liveness and what the web client needs before sign-in. */
export function systemRoutes(owner: Kysely<Database>, kind: DbKind, demo: boolean, basemap: BasemapConfig) {
  return new OpenAPIHono<AppEnv>()

  .openapi(createRoute({
    method: 'get', path: '/health', tags: ['system'], summary: 'Liveness and database engine',
    responses: { 200: { description: 'Healthy', content: { 'application/json': { schema: Health } } } },
  }), async (c) => c.json({ ok: true, db: kind, postgis: await postgisVersion(owner) }, 200))

  .openapi(createRoute({
    method: 'get', path: '/health/live', tags: ['system'], summary: 'Liveness: the process answers (no database query)',
    responses: { 200: { description: 'Alive', content: { 'application/json': { schema: z.object({ ok: z.literal(true) }) } } } },
  }), (c) => c.json({ ok: true as const }, 200))

  .openapi(createRoute({
    method: 'get', path: '/health/ready', tags: ['system'],
    summary: 'Readiness: the database answers within 2 s and the server is not shutting down (else 503)',
    responses: {
      200: { description: 'Ready', content: { 'application/json': { schema: z.object({ ok: z.literal(true), db: z.enum(['pglite', 'postgres']), ms: z.number() }) } } },
      503: { ...problems[503], description: 'Not ready' },
    },
  }), async (c) => {
    if (lifecycle.draining) throw problem('server.draining');
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        ping(owner),
        new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('the database did not answer within 2 s')), 2000); }),
      ]);
    } catch (error) {
      // the reason is for operators, a member beside the sentence
      throw problem('server.database-unavailable', { reason: error instanceof Error ? error.message : String(error) });
    } finally {
      clearTimeout(timer);
    }
    return c.json({ ok: true as const, db: kind, ms: Math.round((performance.now() - started) * 10) / 10 }, 200);
  })

  .openapi(createRoute({
    method: 'get', path: '/config', tags: ['system'], summary: 'Client settings: demo flag, the county, the opt-in base map',
    responses: { 200: { description: 'Settings', content: { 'application/json': { schema: ClientConfig } } } },
  }), async (c) => {
    const county = await firstCounty(owner);
    return c.json({ demo, county: county ? { ...county, bbox: county.bbox.map(Number) } : null, basemap }, 200);
  });
}
