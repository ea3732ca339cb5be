import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { AppEnv } from '../http/env.ts';
import { requireCapability } from '../auth/authorize.ts';
import { listAudit } from './audit.repository.ts';
import { Instant, problemResponses, problems, validationHook } from '../http/schemas.ts';

const Entry = z.object({
  id: z.number().int(), at: z.string(), actorId: z.number().int().nullable(), actorName: z.string().nullable(), action: z.string(),
  entity: z.string(), entityId: z.string().nullable(), regionCode: z.string().nullable(), before: z.unknown(), after: z.unknown(),
}).openapi('AuditEntry');

/** The audit log, newest first. Row security shows administrators the entries of their scope only. */
export function auditRoutes() {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(createRoute({
    method: 'get', path: '/', tags: ['admin'], summary: 'Every change, by whom: filter by entity, entity id, actor and time',
    request: { query: z.object({
      entity: z.string().regex(/^[a-z_]{2,40}$/).optional(), entityId: z.string().max(100).optional(),
      actor: z.coerce.number().int().positive().optional(),
      actorName: z.string().trim().min(1).max(40).optional().openapi({ description: 'part of the actor\'s display name' }), from: Instant.optional(), to: Instant.optional(),
      limit: z.coerce.number().int().min(1).max(1000).default(100), before: z.coerce.number().int().positive().optional(),
    }) },
    responses: { 200: { description: 'Entries', content: { 'application/json': { schema: z.object({ items: z.array(Entry), next: z.number().int().nullable() }) } } }, ...problemResponses,
      403: { ...problems[403], description: 'The audit log is for administrators' } },
  }), async (c) => {
    await requireCapability(c, 'viewAudit');
    const q = c.req.valid('query');
    const rows = await listAudit(c.get('db'), { ...q, limit: q.limit + 1 });
    const items = rows.slice(0, q.limit).map((r) => ({ ...r, id: Number(r.id), at: r.at.toISOString() }));
    return c.json({ items, next: rows.length > q.limit ? items[items.length - 1].id : null }, 200);
  });
}
