import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { toFeature, toFeatureCollection } from '../db/geo.ts';
import type { AppEnv } from '../http/env.ts';
import { notFound } from '../http/problem.ts';
import { RegionCode, feature, featureCollection, notFoundResponse, problemResponses, validationHook } from '../http/schemas.ts';
import { getRegion, listRegions } from './regions.repository.ts';

const Level = z.enum(['county', 'township', 'village']);
const RegionProperties = z.object({
  code: z.string(), name: z.string(), level: Level, parentCode: z.string().nullable(), urban: z.boolean(),
  childCount: z.number().int(), boundaryDerived: z.boolean(),
});
const RegionCollection = featureCollection('RegionCollection', RegionProperties);
const RegionDetail = feature('RegionDetail', RegionProperties.extend({
  bbox: z.array(z.number()).length(4).nullable(),
  ancestors: z.array(z.object({ code: z.string(), name: z.string(), level: Level })),
  stats: z.object({
    townships: z.number().int(), villages: z.number().int(), grids: z.number().int(),
    households: z.number().int(), population: z.number().int(), sites: z.number().int(),
  }),
}));

export function regionRoutes() {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(createRoute({
    method: 'get', path: '/', tags: ['regions'],
    summary: 'Regions as a FeatureCollection: children of `parent`, a `level` within a subtree, or the caller\'s scope root',
    request: { query: z.object({
      parent: RegionCode.optional(), level: Level.optional(), within: RegionCode.optional(),
      geometry: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
    }) },
    responses: { 200: { description: 'Regions', content: { 'application/json': { schema: RegionCollection } } }, ...problemResponses, ...notFoundResponse },
  }), async (c) => {
    const rows = await listRegions(c.get('db'), c.req.valid('query'), c.get('user')!.scopeCode);
    if (!rows) throw notFound('region');
    return c.json(toFeatureCollection(rows) as z.infer<typeof RegionCollection>, 200);
  });

  app.openapi(createRoute({
    method: 'get', path: '/{code}', tags: ['regions'], summary: 'One region with its boundary (derived from its grids when it has none), ancestors and totals',
    request: { params: z.object({ code: RegionCode }) },
    responses: { 200: { description: 'Region', content: { 'application/json': { schema: RegionDetail } } }, ...problemResponses, ...notFoundResponse },
  }), async (c) => {
    const region = await getRegion(c.get('db'), c.req.valid('param').code);
    if (!region) throw notFound('region');
    return c.json(toFeature(region) as z.infer<typeof RegionDetail>, 200);
  });

  return app;
}
