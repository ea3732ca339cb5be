import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { Kysely } from 'kysely';
import { requireCapability } from '../auth/authorize.ts';
import type { Database } from '../db/schema.ts';
import type { AppEnv } from '../http/env.ts';
import { problem } from '../http/problem.ts';
import { Geometry, Id, bodyResponses, notFoundResponse, problemResponses, problems, validationHook } from '../http/schemas.ts';
import { startImportJob } from './import-jobs.ts';
import type { JobOwner } from './job-owner.ts';
import { importReport } from './import-jobs.repository.ts';
import { SYNC_MAX_ROWS, createJob, prepareImport, processImport } from './site-import.ts';

const Status = z.enum(['queued', 'running', 'checked', 'imported', 'failed']);
const Report = z.object({
  id: z.number().int(), format: z.string(), crs: z.string(), dryRun: z.boolean(), status: Status,
  total: z.number().int(), processed: z.number().int(), valid: z.number().int(), imported: z.number().int(),
  errorCount: z.number().int().openapi({ description: 'all row errors; `errors` lists the first 1,000' }),
  errors: z.array(z.object({ row: z.number().int(), field: z.string(), message: z.string(),
    code: z.string().optional(), rule: z.string().optional(), params: z.record(z.string(), z.unknown()).optional() })),
  message: z.string().nullable(),
  reason: z.enum(['row-errors', 'interrupted', 'stopped']).nullable().openapi({
    description: 'why a failed import failed: row-errors (rows that cannot be imported; nothing was), interrupted (the server stopped while it ran; nothing was imported, run it again), stopped (an unexpected error ended it)',
  }),
  preview: z.object({
    type: z.literal('FeatureCollection'),
    features: z.array(z.object({ type: z.literal('Feature'), geometry: Geometry.nullable(), properties: z.object({
      row: z.number().int(), name: z.string(), category: z.string(), villageCode: z.string().nullable(),
    }) })),
  }).nullable().openapi({ description: 'the first converted rows, with the village each falls in (null: none of the caller\'s)' }),
}).openapi('ImportReport');

/** `jobOwner`: this process's job owner (server/imports/job-owner.ts); its number is recorded on every job it runs. */
export function importRoutes(owner: Kysely<Database>, jobOwner?: JobOwner) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })

  .openapi(createRoute({
    method: 'post', path: '/', tags: ['imports'],
    summary: `Import key sites from GeoJSON, CSV (lon/lat columns), KML or a zipped Shapefile; crs converts GCJ-02/BD-09; dryRun only reports. Up to ${SYNC_MAX_ROWS} rows answer at once (200); larger files run as a job (202): poll GET /api/imports/{id}`,
    request: { body: { required: true, content: { 'multipart/form-data': { schema: z.object({
      file: z.any().openapi({ type: 'string', format: 'binary' }),
      kind: z.literal('sites'),
      crs: z.enum(['wgs84', 'cgcs2000', 'gcj02', 'bd09']).default('wgs84'),
      category: z.string().regex(/^[a-z_]{2,40}$/).optional(),
      dryRun: z.enum(['true', 'false']).default('true'),
    }) } } } },
    responses: {
      200: { description: 'The import report', content: { 'application/json': { schema: Report } } },
      202: { description: 'A job: poll GET /api/imports/{id} for progress and the report', content: { 'application/json': { schema: Report } } },
      ...bodyResponses,
      403: { ...problems[403], description: 'Only planners and administrators import (also a read-only token or a cross-site request)' },
      422: { ...problems[422], description: 'Rows that cannot be imported (nothing was): `errors` lists them' },
    },
  }), async (c) => {
    const user = c.get('user')!;
    await requireCapability(c, 'importSites');
    const form = c.req.valid('form');
    const file = form.file as unknown;
    if (!(file instanceof File)) throw problem('file.field-missing');
    const job = await prepareImport({
      fileName: file.name, bytes: new Uint8Array(await file.arrayBuffer()), crs: form.crs, category: form.category, dryRun: form.dryRun === 'true',
    });
    const db = c.get('db');
    if (job.source.total <= SYNC_MAX_ROWS) {
      const id = await createJob(db, user, job, 'running', jobOwner?.id ?? null);
      const report = await processImport((work) => work(db), user, id, job, { throwOnErrors: true });
      return c.json(report as z.infer<typeof Report>, 200);
    }
    const id = await createJob(db, user, job, 'queued', jobOwner?.id ?? null);
    startImportJob(owner, user, id, job);
    return c.json({ id, format: job.format, crs: job.input.crs, dryRun: job.input.dryRun, status: 'queued' as const, total: job.source.total,
      processed: 0, valid: 0, imported: 0, errorCount: 0, errors: [], message: null, reason: null, preview: null }, 202);
  })

  .openapi(createRoute({
    method: 'get', path: '/{id}', tags: ['imports'], summary: 'An import\'s progress (processed of total) and report: counts, row errors, preview of the converted features',
    request: { params: z.object({ id: Id }) },
    responses: { 200: { description: 'The report', content: { 'application/json': { schema: Report } } }, ...problemResponses, ...notFoundResponse },
  }), async (c) => {
    const job = await importReport(c.get('db'), c.req.valid('param').id);
    if (!job) throw problem('import.not-found');
    return c.json({ ...job, id: Number(job.id) } as z.infer<typeof Report>, 200);
  });
}
