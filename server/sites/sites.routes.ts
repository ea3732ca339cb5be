import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { toFeature, toFeatureCollection } from '../db/geo.ts';
import type { AppEnv } from '../http/env.ts';
import { notFound } from '../http/problem.ts';
import { Bbox, Id, RegionCode, feature, featureCollection, notFoundResponse, problemResponses, validationHook } from '../http/schemas.ts';
import { regionPrefix } from '../regions/regions.repository.ts';
import { getSite, listSiteCategories, listSites } from './sites.repository.ts';

const SiteProperties = z.object({
  id: z.number().int(), category: z.string(), name: z.string(), regionCode: z.string(), gridId: z.number().int().nullable(),
  attrs: z.record(z.string(), z.unknown()), entrances: z.array(z.array(z.number())).nullable(),
});
const SiteCollection = featureCollection('SiteCollection', SiteProperties);
const SiteDetail = feature('SiteDetail', SiteProperties.extend({
  categoryName: z.string(), categoryNameEn: z.string(), villageName: z.string(),
  gridCode: z.string().nullable(), gridName: z.string().nullable(), updatedAt: z.string(),
}));
const SiteCategory = z.object({
  code: z.string(), name: z.string(), nameEn: z.string(), geometryKind: z.enum(['point', 'line', 'polygon', 'any']),
  hasEntrances: z.boolean(), color: z.string(), icon: z.string(), attrSchema: z.record(z.string(), z.unknown()),
}).openapi('SiteCategory');

const Categories = z.string().regex(/^[a-z_]+(,[a-z_]+)*$/, 'comma-separated category codes')
  .transform((v) => v.split(','));

export function siteRoutes() {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(createRoute({
    method: 'get', path: '/', tags: ['sites'], summary: 'Key sites as a FeatureCollection, filtered by category, region, grid and bbox',
    request: { query: z.object({
      category: Categories.optional(), region: RegionCode.optional(), grid: Id.optional(), bbox: Bbox.optional(),
      limit: z.coerce.number().int().min(1).max(50000).default(20000),
    }) },
    responses: { 200: { description: 'Sites', content: { 'application/json': { schema: SiteCollection } } }, ...problemResponses, ...notFoundResponse },
  }), async (c) => {
    const { category, region, grid, ...rest } = c.req.valid('query');
    const db = c.get('db');
    const prefix = region ? await regionPrefix(db, region) : undefined;
    if (region && !prefix) throw notFound('region');
    const rows = await listSites(db, { ...rest, categories: category, prefix, gridId: grid });
    return c.json(toFeatureCollection(rows) as z.infer<typeof SiteCollection>, 200);
  });

  app.openapi(createRoute({
    method: 'get', path: '/{id}', tags: ['sites'], summary: 'One key site with its village and grid',
    request: { params: z.object({ id: Id }) },
    responses: { 200: { description: 'Site', content: { 'application/json': { schema: SiteDetail } } }, ...problemResponses, ...notFoundResponse },
  }), async (c) => {
    const site = await getSite(c.get('db'), c.req.valid('param').id);
    if (!site) throw notFound('site');
    return c.json(toFeature({ ...site, updatedAt: site.updatedAt.toISOString() }) as z.infer<typeof SiteDetail>, 200);
  });

  return app;
}

export function siteCategoryRoutes() {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.openapi(createRoute({
    method: 'get', path: '/', tags: ['sites'], summary: 'Site categories: geometry kind, attribute schema, map symbol',
    responses: { 200: { description: 'Categories', content: { 'application/json': { schema: z.object({ items: z.array(SiteCategory) }) } } }, ...problemResponses },
  }), async (c) => c.json({ items: (await listSiteCategories(c.get('db'))) as z.infer<typeof SiteCategory>[] }, 200));
  return app;
}
