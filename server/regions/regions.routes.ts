import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { toFeature, toFeatureCollection } from '../db/geo.ts';
import type { AppEnv } from '../http/env.ts';
import { problem } from '../http/problem.ts';
import { RegionCode, RegionOrPrefectureCode, feature, featureCollection, notFoundResponse, problemResponses, validationHook } from '../http/schemas.ts';
import { getPrefecture, getRegion, isPrefectureCode, listRegions, scopeCoversPrefecture } from './regions.repository.ts';

const Level = z.enum(['county', 'township', 'village']);
const RegionProperties = z.object({
  code: z.string(), name: z.string(), level: Level, parentCode: z.string().nullable(), urban: z.boolean(),
  childCount: z.number().int(), boundaryDerived: z.boolean(),
});
const RegionCollection = featureCollection('RegionCollection', RegionProperties);
const RegionDetail = feature('RegionDetail', RegionProperties.extend({
  level: z.enum(['prefecture', 'county', 'township', 'village']),
  bbox: z.array(z.number()).length(4).nullable(),
  ancestors: z.array(z.object({ code: z.string(), name: z.string(), level: Level })),
  stats: z.object({
    townships: z.number().int(), villages: z.number().int(), grids: z.number().int(),
    households: z.number().int(), population: z.number().int(), sites: z.number().int(),
  }),
}));

export function regionRoutes() {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })

  .openapi(createRoute({
    method: 'get', path: '/', tags: ['regions'],
    summary: 'Regions as a FeatureCollection: children of `parent`, a `level` within a subtree, or the caller\'s scope root',
    description: 'The scope root of a prefecture-wide account (4-digit scope) is its counties; `parent` may be a 4-digit prefecture code, whose children are its counties.',
    request: { query: z.object({
      parent: RegionOrPrefectureCode.optional(), level: Level.optional(), within: RegionCode.optional(),
      geometry: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
    }) },
    responses: { 200: { description: 'Regions', content: { 'application/json': { schema: RegionCollection } } }, ...problemResponses, ...notFoundResponse },
  }), async (c) => {
    const rows = await listRegions(c.get('db'), c.req.valid('query'), c.get('user')!.scopeCode);
    if (!rows) throw problem('region.not-found');
    return c.json(toFeatureCollection(rows) as z.infer<typeof RegionCollection>, 200);
  })

  .openapi(createRoute({
    method: 'get', path: '/{code}', tags: ['regions'], summary: 'One region with its boundary (derived from its grids when it has none), ancestors and totals',
    description: 'A 4-digit prefecture code gives the prefecture (level `prefecture`, no boundary: the bbox of its counties, totals over them).',
    request: { params: z.object({ code: RegionOrPrefectureCode }) },
    responses: { 200: { description: 'Region', content: { 'application/json': { schema: RegionDetail } } }, ...problemResponses, ...notFoundResponse },
  }), async (c) => {
    const { code } = c.req.valid('param');
    // a prefecture is a region only for those whose scope covers it (a county's staff never see one)
    const region = !isPrefectureCode(code) ? await getRegion(c.get('db'), code)
      : scopeCoversPrefecture(c.get('user')!.scopeCode, code) ? await getPrefecture(c.get('db'), code) : undefined;
    if (!region) throw problem('region.not-found');
    return c.json(toFeature(region) as z.infer<typeof RegionDetail>, 200);
  });
}
