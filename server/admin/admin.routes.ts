import { createReadStream, statSync } from 'node:fs';
import { Readable } from 'node:stream';
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { missingCapability } from '../auth/authorize.ts';
import { roleMay } from '../auth/capabilities.ts';
import type { AppEnv } from '../http/env.ts';
import { problem } from '../http/problem.ts';
import { Problem, notFoundResponse, problemResponses, validationHook } from '../http/schemas.ts';
import type { BackupService } from './backups.service.ts';

const Backup = z.object({
  name: z.string().openapi({ description: 'the file under DATA_DIR/backups; download it from GET /api/admin/backups/{name}' }),
  bytes: z.number().int(),
  takenAt: z.string(),
  tables: z.record(z.string(), z.number().int()).openapi({ description: 'rows per table in the backup (the state it captured, not the live database)' }),
  checksum: z.record(z.string(), z.object({ rows: z.number().int(), md5: z.string() })).optional().openapi({ description: 'with checksum=true: per table, rows and an md5 of the rows (server/ops/checksum.ts) of the captured state' }),
}).openapi('Backup');

const forbiddenResponse = { 403: { description: 'Only administrators take backups', content: { 'application/problem+json': { schema: Problem } } } } as const;

function requireAdmin(c: Context<AppEnv>) {
  const user = c.get('user');
  if (!user) throw problem('auth.unauthenticated');
  // a role capability needs no query: these routes run outside the scoped transaction
  if (!roleMay(user.role, 'manageBackups')) throw missingCapability('manageBackups');
  return user;
}

/**
 * Administration: online backups of the running server's database (embedded: no outage, requests
 * wait for the moment the archive is taken between transactions; PostgreSQL: pg_dump of a snapshot).
 * These routes run outside the caller's scoped transaction: on the embedded engine that
 * transaction would hold the one connection the backup needs.
 */
export function adminRoutes(backups: BackupService) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })

  .openapi(createRoute({
    method: 'post', path: '/backups', tags: ['admin'],
    summary: 'Takes a backup of the whole database now, without stopping the server (administrators only); answers its name and the row counts it holds',
    request: { query: z.object({
      checksum: z.enum(['true', 'false']).default('false').openapi({ description: 'also answer per-table checksums of the captured state (to verify a restore; requests wait longer meanwhile)' }),
    }) },
    responses: {
      201: { description: 'The backup, written under DATA_DIR/backups', content: { 'application/json': { schema: Backup } } },
      ...problemResponses, ...forbiddenResponse,
    },
  }), async (c) => {
    const user = requireAdmin(c);
    const taken = await backups.create(user.id, { checksum: c.req.valid('query').checksum === 'true' });
    return c.json({ name: taken.name!, bytes: taken.bytes, takenAt: taken.takenAt, tables: taken.tables, checksum: taken.checksum }, 201);
  })

  .openapi(createRoute({
    method: 'get', path: '/backups/{name}', tags: ['admin'], summary: 'Downloads a backup taken by POST /api/admin/backups (administrators only)',
    request: { params: z.object({ name: z.string().max(80) }) },
    responses: {
      200: { description: 'The backup file', content: { 'application/octet-stream': { schema: z.any().openapi({ type: 'string', format: 'binary' }) } } },
      ...problemResponses, ...forbiddenResponse, ...notFoundResponse,
    },
  }), async (c) => {
    requireAdmin(c);
    const { name } = c.req.valid('param');
    const file = backups.fileOf(name);
    if (!file) throw problem('backup.not-found');
    return new Response(Readable.toWeb(createReadStream(file)) as ReadableStream, {
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(statSync(file).size), 'content-disposition': `attachment; filename="${name}"` },
    }) as never;
  });
}
