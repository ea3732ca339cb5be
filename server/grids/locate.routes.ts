import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { GRID_LAYER_KINDS } from '../domain/enums.ts';
import type { AppEnv } from '../http/env.ts';
import { bodyResponses, validationHook } from '../http/schemas.ts';
import { locatePoints } from './locate.repository.ts';

/** Points per request: 10,000 lon/lat pairs are about 400 KB of JSON, well inside the 2 MiB body limit. */
export const MAX_LOCATE_POINTS = 10_000;

const Point = z.tuple([z.number().min(-180).max(180), z.number().min(-90).max(90)])
  .openapi({ type: 'array', items: { type: 'number' }, example: [113.2, 33.95] });

const LocateBody = z.object({
  points: z.array(Point).min(1).max(MAX_LOCATE_POINTS),
  layer: z.enum(GRID_LAYER_KINDS).default('comprehensive'),
}).openapi('LocateRequest');

const Located = z.object({
  gridId: z.number().int(), gridCode: z.string(), gridName: z.string(), villageCode: z.string(), villageName: z.string(),
}).nullable().openapi('LocatedPoint');

const LocateResult = z.object({
  results: z.array(Located).openapi({ description: 'One entry per input point, in input order; null where no visible grid contains it' }),
  located: z.number().int(),
}).openapi('LocateResult');

/** POST /api/grids/locate: bulk point-in-grid routing (incident imports, phone batches, analyses). */
export function locateRoutes() {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(createRoute({
    method: 'post', path: '/locate', tags: ['grids'],
    summary: `The current grid (and its village) containing each of up to ${MAX_LOCATE_POINTS.toLocaleString('en')} lon/lat points, within the caller's scope`,
    description: 'Comprehensive grids by default; a point on an edge shared by two grids goes to the lower grid code. Changes nothing.',
    request: { body: { required: true, content: { 'application/json': { schema: LocateBody } } } },
    responses: { 200: { description: 'Grid per point', content: { 'application/json': { schema: LocateResult } } }, ...bodyResponses },
  }), async (c) => {
    const { points, layer } = c.req.valid('json');
    const results = await locatePoints(c.get('db'), points, layer);
    return c.json({ results, located: results.filter((r) => r !== null).length }, 200);
  });
}
