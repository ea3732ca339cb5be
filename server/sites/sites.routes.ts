import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { SITE_GEOMETRY_KINDS } from '../domain/enums.ts';
import { toFeature, toFeatureCollection } from '../db/geo.ts';
import type { AppEnv } from '../http/env.ts';
import { writesRequire } from '../auth/authorize.ts';
import { problem } from '../http/problem.ts';
import { Bbox, bodyResponses, feature, featureCollection, Id, notFoundResponse, problemResponses, problems, RegionCode, validationHook, writeResponses } from '../http/schemas.ts';
import { createSite, deleteSite, updateSite } from './sites.service.ts';
import { regionPrefix } from '../regions/regions.repository.ts';
import { getSite, listSiteCategories, listSites } from './sites.repository.ts';
import { checkSite, violationFeatures } from '../rules/rules.repository.ts';
import { RuleViolations } from '../rules/rules.schema.ts';

const SiteProperties = z.object({
  id: z.number().int(), category: z.string(), name: z.string(), regionCode: z.string(), gridId: z.number().int().nullable(),
  attrs: z.record(z.string(), z.unknown()), entrances: z.array(z.array(z.number())).nullable(),
});
const SiteCollection = featureCollection('SiteCollection', SiteProperties);
const SiteDetail = feature('SiteDetail', SiteProperties.extend({
  categoryName: z.string(), categoryNameEn: z.string(), villageName: z.string(),
  gridCode: z.string().nullable(), gridName: z.string().nullable(), updatedAt: z.string(), version: z.number().int(),
}));
/** An added or changed site, with the violations of the rules concerning it, checked at once (null when only the name changed). */
const EditedSite = SiteDetail.extend({
  // a union, not .nullable(): on a named schema OpenAPI 3.1 would not say that null is allowed
  violations: z.union([RuleViolations, z.null()]),
}).openapi('EditedSite');
const violationsOf = async (db: Parameters<typeof checkSite>[0], id: number, previous: Parameters<typeof checkSite>[2]) =>
  ({ type: 'FeatureCollection' as const, features: violationFeatures(await checkSite(db, id, previous)) });
const SiteCategory = z.object({
  code: z.string(), name: z.string(), nameEn: z.string(), geometryKind: z.enum(SITE_GEOMETRY_KINDS),
  hasEntrances: z.boolean(), color: z.string(), icon: z.string(), attrSchema: z.record(z.string(), z.unknown()),
}).openapi('SiteCategory');

const Categories = z.string().regex(/^[a-z_]+(,[a-z_]+)*$/, 'comma-separated category codes')
  .transform((v) => v.split(','));

const Position = z.tuple([z.number().min(-180).max(180), z.number().min(-90).max(90)]);
/** Site geometry input: any of the kinds a category may have, with lon/lat ranges checked. */
export const SiteGeometry = z.discriminatedUnion('type', [
  z.object({ type: z.literal('Point'), coordinates: Position }),
  z.object({ type: z.literal('LineString'), coordinates: z.array(Position).min(2).max(20000) }),
  z.object({ type: z.literal('MultiLineString'), coordinates: z.array(z.array(Position).min(2)).min(1).max(1000) }),
  z.object({ type: z.literal('Polygon'), coordinates: z.array(z.array(Position).min(4).max(20000)).min(1).max(100) }),
  z.object({ type: z.literal('MultiPolygon'), coordinates: z.array(z.array(z.array(Position).min(4)).min(1)).min(1).max(100) }),
]).openapi('SiteGeometry');
const SiteBody = z.object({
  category: z.string().regex(/^[a-z_]{2,40}$/), name: z.string().trim().min(1).max(200), geometry: SiteGeometry,
  entrances: z.array(Position).min(1).max(50).nullable().optional(), attrs: z.record(z.string(), z.unknown()).optional(),
});
/** Changing key sites needs editSites; row security then limits the editor to their scope. */
const editors = writesRequire('editSites');

export function siteRoutes() {

  const edited = (description: string) => ({
    200: { description, content: { 'application/json': { schema: EditedSite } } }, ...bodyResponses, ...notFoundResponse,
    409: { ...problems[409], description: 'Stale version' },
    422: { ...problems[422], description: 'Geometry or attributes do not fit the category' },
  });
  const detail = async (db: Parameters<typeof getSite>[0], id: number) => {
    const site = (await getSite(db, id))!;
    return toFeature({ ...site, updatedAt: site.updatedAt.toISOString() }) as z.infer<typeof SiteDetail>;
  };
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.use('*', editors);
  return app

  .openapi(createRoute({
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
    if (region && !prefix) throw problem('region.not-found');
    const rows = await listSites(db, { ...rest, categories: category, prefix, gridId: grid });
    return c.json(toFeatureCollection(rows), 200);
  })

  .openapi(createRoute({
    method: 'get', path: '/{id}', tags: ['sites'], summary: 'One key site with its village and grid',
    request: { params: z.object({ id: Id }) },
    responses: { 200: { description: 'Site', content: { 'application/json': { schema: SiteDetail } } }, ...problemResponses, ...notFoundResponse },
  }), async (c) => {
    const site = await getSite(c.get('db'), c.req.valid('param').id);
    if (!site) throw problem('site.not-found');
    return c.json(toFeature({ ...site, updatedAt: site.updatedAt.toISOString() }), 200);
  })

  .openapi(createRoute({
    method: 'get', path: '/{id}/violations', tags: ['sites', 'rules'],
    summary: 'The violations of the rules that concern this site (as subject or as target), checked now',
    request: { params: z.object({ id: Id }) },
    responses: { 200: { description: 'Violations', content: { 'application/json': { schema: RuleViolations } } }, ...problemResponses, ...notFoundResponse },
  }), async (c) => {
    const { id } = c.req.valid('param');
    if (!(await getSite(c.get('db'), id))) throw problem('site.not-found');
    return c.json(await violationsOf(c.get('db'), id, null), 200);
  })

  .openapi(createRoute({
    method: 'post', path: '/', tags: ['sites'], summary: 'Add a key site; its village and grid follow from where it lies',
    request: { body: { required: true, content: { 'application/json': { schema: SiteBody } } } },
    responses: { ...edited('The new site'), 201: { description: 'The new site, with the violations of the rules concerning it', content: { 'application/json': { schema: EditedSite } } } },
  }), async (c) => {
    const body = c.req.valid('json');
    const id = await createSite(c.get('db'), c.get('user')!, { ...body, entrances: body.entrances as [number, number][] | null | undefined });
    return c.json({ ...await detail(c.get('db'), id), violations: await violationsOf(c.get('db'), id, null) }, 201);
  })

  .openapi(createRoute({
    method: 'patch', path: '/{id}', tags: ['sites'], summary: 'Move, reshape or re-describe a site (send `version` to detect concurrent edits)',
    request: { params: z.object({ id: Id }), body: { required: true, content: { 'application/json': {
      schema: SiteBody.partial().extend({ version: z.number().int().positive().optional() }) } } } },
    responses: edited('The site after the change'),
  }), async (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    const { previousGeometry } = await updateSite(c.get('db'), c.get('user')!, id, { ...body, entrances: body.entrances as [number, number][] | null | undefined });
    const moved = body.geometry !== undefined || body.entrances !== undefined || body.category !== undefined || body.attrs !== undefined;
    return c.json({ ...await detail(c.get('db'), id), violations: moved ? await violationsOf(c.get('db'), id, previousGeometry) : null }, 200);
  })

  .openapi(createRoute({
    method: 'delete', path: '/{id}', tags: ['sites'], summary: 'Delete a site',
    request: { params: z.object({ id: Id }), query: z.object({ version: z.coerce.number().int().positive().optional() }) },
    responses: { 204: { description: 'Deleted' }, ...writeResponses, ...notFoundResponse,
      409: { ...problems[409], description: 'Stale version, or other records (open incidents, patrols) still refer to the site' } },
  }), async (c) => {
    await deleteSite(c.get('db'), c.get('user')!, c.req.valid('param').id, c.req.valid('query').version);
    return c.body(null, 204);
  });
}

export function siteCategoryRoutes() {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(createRoute({
    method: 'get', path: '/', tags: ['sites'], summary: 'Site categories: geometry kind, attribute schema, map symbol',
    responses: { 200: { description: 'Categories', content: { 'application/json': { schema: z.object({ items: z.array(SiteCategory) }) } } }, ...problemResponses },
  }), async (c) => c.json({ items: (await listSiteCategories(c.get('db'))) }, 200));
}
