import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { AppEnv } from '../http/env.ts';
import { ProblemError, notFound } from '../http/problem.ts';
import { Id, notFoundResponse, problemResponses, validationHook } from '../http/schemas.ts';
import { importSites } from './site-import.ts';

const Report = z.object({
  id: z.number().int(), format: z.string(), crs: z.string(), dryRun: z.boolean(), total: z.number().int(), valid: z.number().int(),
  imported: z.number().int(), errors: z.array(z.object({ row: z.number().int(), field: z.string(), message: z.string() })), preview: z.any(),
}).openapi('ImportReport');

export function importRoutes() {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(createRoute({
    method: 'post', path: '/', tags: ['imports'],
    summary: 'Import key sites from GeoJSON, CSV (lon/lat columns) or a zipped Shapefile; crs converts GCJ-02/BD-09; dryRun only reports',
    request: { body: { required: true, content: { 'multipart/form-data': { schema: z.object({
      file: z.any().openapi({ type: 'string', format: 'binary' }),
      kind: z.literal('sites'),
      crs: z.enum(['wgs84', 'cgcs2000', 'gcj02', 'bd09']).default('wgs84'),
      category: z.string().regex(/^[a-z_]{2,40}$/).optional(),
      dryRun: z.enum(['true', 'false']).default('true'),
    }) } } } },
    responses: { 200: { description: 'The import report', content: { 'application/json': { schema: Report } } }, ...problemResponses,
      422: { description: 'Rows that cannot be imported (nothing was)', content: { 'application/problem+json': { schema: z.any() } } } },
  }), async (c) => {
    if (!['planner', 'admin'].includes(c.get('user')!.role)) throw new ProblemError(403, 'forbidden', 'only planners and administrators import data');
    const form = c.req.valid('form');
    const file = form.file as unknown;
    if (!(file instanceof File)) throw new ProblemError(400, 'validation', 'attach the data as the multipart field "file"');
    const report = await importSites(c.get('db'), c.get('user')!, {
      fileName: file.name, bytes: new Uint8Array(await file.arrayBuffer()), crs: form.crs, category: form.category, dryRun: form.dryRun === 'true',
    });
    return c.json(report as z.infer<typeof Report>, 200);
  });

  app.openapi(createRoute({
    method: 'get', path: '/{id}', tags: ['imports'], summary: 'An import\'s report: counts, row errors, preview of the converted features',
    request: { params: z.object({ id: Id }) },
    responses: { 200: { description: 'The report', content: { 'application/json': { schema: Report } } }, ...problemResponses, ...notFoundResponse },
  }), async (c) => {
    const job = await c.get('db').selectFrom('importJobs')
      .select(['id', 'format', 'crs', 'dryRun', 'total', 'valid', 'imported', 'errors', 'preview'])
      .where('id', '=', c.req.valid('param').id).executeTakeFirst();
    if (!job) throw notFound('import');
    return c.json({ ...job, id: Number(job.id) } as z.infer<typeof Report>, 200);
  });

  return app;
}
