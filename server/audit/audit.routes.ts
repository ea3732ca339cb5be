import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { sql } from 'kysely';
import type { AppEnv } from '../http/env.ts';
import { requireCapability } from '../auth/authorize.ts';
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
    let query = c.get('db').selectFrom('auditLog as a')
      .select(['a.id', 'a.at', 'a.actorId', sql<string | null>`app.user_name(a.actor_id)`.as('actorName'), 'a.action', 'a.entity',
        'a.entityId', 'a.regionCode', 'a.before', 'a.after'])
      .orderBy('a.id', 'desc').limit(q.limit + 1);
    if (q.entity) query = query.where('a.entity', '=', q.entity);
    if (q.entityId) query = query.where('a.entityId', '=', q.entityId);
    if (q.actor) query = query.where('a.actorId', '=', q.actor);
    if (q.actorName) {
      const like = `%${q.actorName.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
      query = query.where(sql<boolean>`app.user_name(a.actor_id) ilike ${like}`);
    }
    if (q.from) query = query.where('a.at', '>=', q.from);
    if (q.to) query = query.where('a.at', '<', q.to);
    if (q.before) query = query.where('a.id', '<', q.before);
    const rows = await query.execute();
    const items = rows.slice(0, q.limit).map((r) => ({ ...r, id: Number(r.id), at: r.at.toISOString() }));
    return c.json({ items, next: rows.length > q.limit ? items[items.length - 1].id : null }, 200);
  });
}
