import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { writesRequire } from '../auth/authorize.ts';
import type { AppEnv } from '../http/env.ts';
import { bodyResponses, Id, LineInput, notFoundResponse, PolygonInput, problemResponses, problems, RegionCode, validationHook, writeResponses } from '../http/schemas.ts';
import { readZippedShapefile } from '../imports/shapefile.ts';
import { PlanGrids, PlanPreview, PlanValidation, PublishResult } from './plans.schema.ts';
import { previewPlan, publishPlan } from './plans.publish.ts';
import {
  createPlan, deleteGrid, discardPlan, drawGrid, importGrids, mergeGrids, planView, reshapeGrid, splitGrid, undoRedo,
} from './plans.service.ts';

/** Changing plans needs editPlans; row security then limits the planner to their scope. */
const planners = writesRequire('editPlans');

const Version = z.number().int().positive().optional()
  .openapi({ description: 'the plan version the edit is based on; a stale one answers 409' });
const PlanView = z.object({
  id: z.number().int(), scopeCode: z.string(), scopeName: z.string(), name: z.string(), status: z.string(),
  version: z.number().int(), lockedBy: z.object({ id: z.number().int(), name: z.string() }), lockExpiresAt: z.string(),
  canUndo: z.boolean(), canRedo: z.boolean(), grids: PlanGrids, validation: PlanValidation,
  norms: z.object({ urban: z.number(), rural: z.number(), tolerance: z.number() }),
}).openapi('PlanView');
const planResponse = (description: string) => ({
  200: { description, content: { 'application/json': { schema: PlanView } } }, ...bodyResponses, ...notFoundResponse,
  409: { ...problems[409], description: 'Stale version, the draft is no longer open, or it is locked by someone else' },
  422: { ...problems[422], description: 'The geometry cannot be used (says why and where)' },
});
const PlanId = z.object({ id: Id });
const json = <T extends z.ZodTypeAny>(schema: T) => ({ body: { required: true, content: { 'application/json': { schema } } } });

const undoRedoRoute = (direction: 'undo' | 'redo') => createRoute({
  method: 'post', path: `/{id}/${direction}`, tags: ['planning'], summary: direction === 'undo' ? 'Undo the latest edit' : 'Redo the latest undone edit',
  request: { params: PlanId, body: { required: false, content: { 'application/json': { schema: z.object({ version: Version }) } } } },
  responses: planResponse('The draft after the edit'),
});
async function undoRedoView(c: Context<AppEnv>, id: number, direction: 'undo' | 'redo') {
  const body = c.req.header('content-type')?.includes('json') ? await c.req.json().catch(() => ({})) : {};
  await undoRedo(c.get('db'), c.get('user')!, id, direction, typeof body?.version === 'number' ? body.version : undefined);
  return await planView(c.get('db'), id);
}

export function planRoutes() {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.use('*', planners);
  return app

  .openapi(createRoute({
    method: 'post', path: '/', tags: ['planning'], summary: 'Open a draft plan for a village or a township (one open draft per area)',
    request: json(z.object({ region: RegionCode, name: z.string().max(200).optional() })),
    responses: { ...planResponse('The new draft'), 201: { description: 'The new draft', content: { 'application/json': { schema: PlanView } } } },
  }), async (c) => {
    const { region, name } = c.req.valid('json');
    const id = await createPlan(c.get('db'), c.get('user')!, region, name ?? '');
    return c.json(await planView(c.get('db'), id), 201);
  })

  .openapi(createRoute({
    method: 'get', path: '/{id}', tags: ['planning'], summary: 'The draft: its grids with households and area, and its live validation',
    request: { params: PlanId },
    responses: { 200: { description: 'The draft', content: { 'application/json': { schema: PlanView } } }, ...problemResponses, ...notFoundResponse },
  }), async (c) => c.json(await planView(c.get('db'), c.req.valid('param').id), 200))

  .openapi(createRoute({
    method: 'delete', path: '/{id}', tags: ['planning'], summary: 'Discard a draft',
    request: { params: PlanId },
    responses: { 204: { description: 'Discarded' }, ...writeResponses, ...notFoundResponse, 409: { ...problems[409], description: 'The plan is not an open draft, or someone else holds its lock' } },
  }), async (c) => {
    await discardPlan(c.get('db'), c.get('user')!, c.req.valid('param').id);
    return c.body(null, 204);
  })

  .openapi(createRoute({
    method: 'post', path: '/{id}/grids', tags: ['planning'],
    summary: 'Draw a grid: snapped to neighbours and the village boundary, clipped to the village and against neighbours',
    request: { params: PlanId, ...json(z.object({ geometry: PolygonInput, villageCode: RegionCode.optional(), name: z.string().min(1).max(100).optional(), version: Version })) },
    responses: planResponse('The draft after the edit'),
  }), async (c) => {
    const { id } = c.req.valid('param');
    await drawGrid(c.get('db'), c.get('user')!, id, c.req.valid('json'));
    return c.json(await planView(c.get('db'), id), 200);
  })

  .openapi(createRoute({
    method: 'patch', path: '/{id}/grids/{gid}', tags: ['planning'],
    summary: 'Reshape or rename a grid; neighbours follow a moved boundary unless follow is false ("disconnect")',
    request: { params: z.object({ id: Id, gid: Id }), ...json(z.object({
      geometry: PolygonInput.optional(), name: z.string().min(1).max(100).optional(), follow: z.boolean().optional(), version: Version,
    }).refine((b) => b.geometry || b.name, 'give a geometry, a name, or both')) },
    responses: planResponse('The draft after the edit'),
  }), async (c) => {
    const { id, gid } = c.req.valid('param');
    await reshapeGrid(c.get('db'), c.get('user')!, id, gid, c.req.valid('json'));
    return c.json(await planView(c.get('db'), id), 200);
  })

  .openapi(createRoute({
    method: 'delete', path: '/{id}/grids/{gid}', tags: ['planning'], summary: 'Delete a grid (its area becomes a gap to fill before publishing)',
    request: { params: z.object({ id: Id, gid: Id }), query: z.object({ version: z.coerce.number().int().positive().optional() }) },
    responses: planResponse('The draft after the edit'),
  }), async (c) => {
    const { id, gid } = c.req.valid('param');
    await deleteGrid(c.get('db'), c.get('user')!, id, gid, c.req.valid('query').version);
    return c.json(await planView(c.get('db'), id), 200);
  })

  .openapi(createRoute({
    method: 'post', path: '/{id}/split', tags: ['planning'], summary: 'Split a grid along a line drawn across it; the parts\' areas sum to the original',
    request: { params: PlanId, ...json(z.object({ gridId: Id, line: LineInput, version: Version })) },
    responses: planResponse('The draft after the edit'),
  }), async (c) => {
    const { id } = c.req.valid('param');
    await splitGrid(c.get('db'), c.get('user')!, id, c.req.valid('json'));
    return c.json(await planView(c.get('db'), id), 200);
  })

  .openapi(createRoute({
    method: 'post', path: '/{id}/merge', tags: ['planning'], summary: 'Merge grids of one village that share a boundary',
    request: { params: PlanId, ...json(z.object({ gridIds: z.array(Id).min(2).max(50), version: Version })) },
    responses: planResponse('The draft after the edit'),
  }), async (c) => {
    const { id } = c.req.valid('param');
    await mergeGrids(c.get('db'), c.get('user')!, id, c.req.valid('json'));
    return c.json(await planView(c.get('db'), id), 200);
  })

  .openapi(createRoute({
    method: 'post', path: '/{id}/import', tags: ['planning'],
    summary: 'Import a grid layer (GeoJSON FeatureCollection) into the draft, replacing the grids of the villages it covers',
    request: { params: PlanId, ...json(z.object({
      type: z.literal('FeatureCollection'),
      features: z.array(z.object({ type: z.literal('Feature'), geometry: PolygonInput, properties: z.record(z.string(), z.unknown()).nullable().optional() })).min(1).max(5000),
      replace: z.boolean().optional(), version: Version,
    })) },
    responses: planResponse('The draft after the import, with its validation report'),
  }), async (c) => {
    const { id } = c.req.valid('param');
    await importGrids(c.get('db'), c.get('user')!, id, c.req.valid('json'));
    return c.json(await planView(c.get('db'), id), 200);
  })

  .openapi(createRoute({
    method: 'post', path: '/{id}/import/shapefile', tags: ['planning'],
    summary: 'Import a grid layer from a zipped Shapefile (.prj honoured) into the draft, as the GeoJSON import does',
    request: {
      params: PlanId,
      query: z.object({ replace: z.enum(['true', 'false']).default('true'), version: z.coerce.number().int().positive().optional() }),
      body: { required: true, content: { 'application/zip': { schema: z.any().openapi({ type: 'string', format: 'binary' }) } } },
    },
    responses: planResponse('The draft after the import, with its validation report'),
  }), async (c) => {
    const { id } = c.req.valid('param');
    const { replace, version } = c.req.valid('query');
    const features = await readZippedShapefile(await c.req.arrayBuffer());
    await importGrids(c.get('db'), c.get('user')!, id, { features, replace: replace === 'true', version });
    return c.json(await planView(c.get('db'), id), 200);
  })

  .openapi(undoRedoRoute('undo'), async (c) => c.json(await undoRedoView(c, c.req.valid('param').id, 'undo'), 200))

  .openapi(undoRedoRoute('redo'), async (c) => c.json(await undoRedoView(c, c.req.valid('param').id, 'redo'), 200))

  .openapi(createRoute({
    method: 'get', path: '/{id}/preview', tags: ['planning'],
    summary: 'What publishing would do: grids added, changed and removed, members affected, sites and open incidents that move',
    request: { params: PlanId },
    responses: { 200: { description: 'Preview', content: { 'application/json': { schema: PlanPreview } } }, ...problemResponses, ...notFoundResponse },
  }), async (c) => c.json(await previewPlan(c.get('db'), c.req.valid('param').id), 200))

  .openapi(createRoute({
    method: 'post', path: '/{id}/publish', tags: ['planning'],
    summary: 'Publish the draft: new grid versions, re-homed sites and incidents, carried members — atomically',
    request: { params: PlanId, body: { required: false, content: { 'application/json': { schema: z.object({
      endAssignmentIds: z.array(Id).max(10000).optional()
        .openapi({ description: 'assignments of changed grids (from the preview) that end instead of moving to the new version' }),
    }) } } } },
    responses: { 200: { description: 'Published', content: { 'application/json': { schema: PublishResult } } }, ...bodyResponses, ...notFoundResponse,
      409: { ...problems[409], description: 'The published grids changed since the draft was opened, or the draft is not open' },
      422: { ...problems[422], description: 'The draft has gaps, overlaps or parts outside its villages' } },
  }), async (c) => {
    const body = c.req.header('content-type')?.includes('json') ? c.req.valid('json') : {};
    return c.json(await publishPlan(c.get('db'), c.get('user')!, c.req.valid('param').id, body), 200);
  });
}
