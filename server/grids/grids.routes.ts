import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { COVERAGE_PROBLEM_KINDS, GRID_LAYER_KINDS } from '../domain/enums.ts';
import { toFeature, toFeatureCollection } from '../db/geo.ts';
import type { AppEnv } from '../http/env.ts';
import { problem } from '../http/problem.ts';
import { Bbox, Id, dayOrInstant, RegionCode, feature, featureCollection, notFoundResponse, problemResponses, validationHook } from '../http/schemas.ts';
import { regionPrefix } from '../regions/regions.repository.ts';
import { getGrid, gridHistory, gridsAt, listGrids } from './grids.repository.ts';
import { validateCoverage, validationThresholds } from './validation.repository.ts';

const Layer = z.enum(GRID_LAYER_KINDS);
const GridProperties = z.object({
  id: z.number().int(), code: z.string(), name: z.string(), layer: Layer, villageCode: z.string(), villageName: z.string(),
  households: z.number().int(), population: z.number().int(), version: z.number().int(),
  validFrom: z.string(), validTo: z.string().nullable(),
});
const GridCollection = featureCollection('GridCollection', GridProperties);
const GridDetail = feature('GridDetail', GridProperties.extend({
  township: z.object({ code: z.string(), name: z.string() }),
  areaKm2: z.number(),
  members: z.array(z.object({ personId: z.number().int(), name: z.string(), duty: z.string(), phone: z.string().nullable(), validFrom: z.string() })),
  sitesByCategory: z.array(z.object({ category: z.string(), name: z.string(), nameEn: z.string(), count: z.number().int() })),
}));

const ValidationReport = featureCollection('CoverageProblems', z.object({
  kind: z.enum(COVERAGE_PROBLEM_KINDS), villageCode: z.string(),
  gridIds: z.array(z.number().int()), gridCodes: z.array(z.string()), areaM2: z.number(), thinness: z.number(), sliver: z.boolean(),
})).extend({ summary: z.object({
  region: z.string(), gaps: z.number().int(), overlaps: z.number().int(), outside: z.number().int(),
  multipart: z.number().int(), slivers: z.number().int(), publishable: z.boolean(),
  thresholds: z.record(z.string(), z.number()),
}) });

/** `YYYY-MM-DD` (the end of that day, China time) or an ISO instant. */
const At = dayOrInstant('end');

const Lon = z.coerce.number().min(-180).max(180);
const Lat = z.coerce.number().min(-90).max(90);

/** Timestamps as ISO strings in JSON. */
const serialize = <T extends { validFrom: Date; validTo: Date | null }>(row: T) =>
  ({ ...row, validFrom: row.validFrom.toISOString(), validTo: row.validTo?.toISOString() ?? null });

export function gridRoutes() {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })

  .openapi(createRoute({
    method: 'get', path: '/', tags: ['grids'], summary: 'Grids as a FeatureCollection, filtered by region subtree, bbox, layer and date',
    request: { query: z.object({ region: RegionCode.optional(), bbox: Bbox.optional(), layer: Layer.optional(), at: At.optional() }) },
    responses: { 200: { description: 'Grids', content: { 'application/json': { schema: GridCollection } } }, ...problemResponses, ...notFoundResponse },
  }), async (c) => {
    const { region, ...filter } = c.req.valid('query');
    const db = c.get('db');
    const prefix = region ? await regionPrefix(db, region) : undefined;
    if (region && !prefix) throw problem('region.not-found');
    const rows = await listGrids(db, { ...filter, prefix });
    return c.json(toFeatureCollection(rows.map(serialize)) as z.infer<typeof GridCollection>, 200);
  })

  .openapi(createRoute({
    method: 'get', path: '/at', tags: ['grids'], summary: 'The current grids containing a point (lon/lat, WGS84)',
    request: { query: z.object({ lon: Lon, lat: Lat }) },
    responses: { 200: { description: 'Grids containing the point', content: { 'application/json': { schema: GridCollection } } }, ...problemResponses },
  }), async (c) => {
    const { lon, lat } = c.req.valid('query');
    const rows = await gridsAt(c.get('db'), lon, lat);
    return c.json(toFeatureCollection(rows.map(serialize)) as z.infer<typeof GridCollection>, 200);
  })

  .openapi(createRoute({
    method: 'get', path: '/validate', tags: ['grids'],
    summary: 'Coverage problems of the comprehensive grids in a region: gaps, overlaps, parts outside the village, multi-part grids, slivers',
    request: { query: z.object({ region: RegionCode }) },
    responses: { 200: { description: 'Problems as GeoJSON, with a summary', content: { 'application/json': { schema: ValidationReport } } }, ...problemResponses, ...notFoundResponse },
  }), async (c) => {
    const { region } = c.req.valid('query');
    const db = c.get('db');
    const prefix = await regionPrefix(db, region);
    if (!prefix) throw problem('region.not-found');
    const thresholds = await validationThresholds(db);
    const problems = await validateCoverage(db, prefix, thresholds);
    const count = (kind: string) => problems.filter((p) => p.kind === kind).length;
    const summary = {
      region, gaps: count('gap'), overlaps: count('overlap'), outside: count('outside'), multipart: count('multipart'),
      slivers: count('sliver') + problems.filter((p) => p.kind !== 'sliver' && p.sliver).length,
      // publishing a plan requires a tiling: nothing uncovered, nothing covered twice, nothing outside
      publishable: count('gap') + count('overlap') + count('outside') === 0,
      thresholds,
    };
    const features = problems.map(({ geometry, ...properties }, i) => ({ type: 'Feature' as const, id: i + 1, geometry, properties }));
    return c.json({ type: 'FeatureCollection' as const, features, summary } as unknown as z.infer<typeof ValidationReport>, 200);
  })

  .openapi(createRoute({
    method: 'get', path: '/{id}', tags: ['grids'], summary: 'One grid with its members, area and the key sites inside it',
    request: { params: z.object({ id: Id }) },
    responses: { 200: { description: 'Grid', content: { 'application/json': { schema: GridDetail } } }, ...problemResponses, ...notFoundResponse },
  }), async (c) => {
    const grid = await getGrid(c.get('db'), c.req.valid('param').id);
    if (!grid) throw problem('grid.not-found');
    return c.json(toFeature(serialize(grid)) as z.infer<typeof GridDetail>, 200);
  })

  .openapi(createRoute({
    method: 'get', path: '/{id}/history', tags: ['grids'], summary: 'Every version of a grid, newest first',
    request: { params: z.object({ id: Id }) },
    responses: { 200: { description: 'Versions', content: { 'application/json': { schema: GridCollection } } }, ...problemResponses, ...notFoundResponse },
  }), async (c) => {
    const rows = await gridHistory(c.get('db'), c.req.valid('param').id);
    if (!rows) throw problem('grid.not-found');
    return c.json(toFeatureCollection(rows.map(serialize)) as z.infer<typeof GridCollection>, 200);
  });
}
