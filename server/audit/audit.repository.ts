import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Database } from '../db/schema.ts';

type Db = Kysely<Database>;

/** One audit entry: who did what to which entity, with the entity's state before and after. */
export interface AuditEntry {
  /** the user who acted; null (or absent) for system work: seeding, the CLI, automatic escalation */
  actorId?: number | null;
  action: string;
  entity: string;
  entityId?: string | number | null;
  /** the region the entry belongs to (row security shows it to administrators of that scope) */
  regionCode?: string | null;
  /** any JSON value; null or absent is stored as SQL null */
  before?: unknown;
  after?: unknown;
}

const json = (value: unknown) => (value === undefined || value === null ? null : JSON.stringify(value));

/**
 * The one writer of audit_log rows (every change is audited through here; issue 20 adds a hash chain
 * in this one place). Writes in the given connection or transaction, so an entry commits or rolls
 * back with the change it records.
 */
export async function writeAudit(db: Db, entries: AuditEntry | AuditEntry[]): Promise<void> {
  const list = Array.isArray(entries) ? entries : [entries];
  if (!list.length) return;
  await db.insertInto('auditLog').values(list.map((e) => ({
    actorId: e.actorId ?? null, action: e.action, entity: e.entity,
    entityId: e.entityId === undefined || e.entityId === null ? null : String(e.entityId),
    regionCode: e.regionCode ?? null, before: json(e.before), after: json(e.after),
  }))).execute();
}

/**
 * The set-based form, for statements that change many rows at once (automatic escalation): an
 * `insert into audit_log … select` to embed as a data-modifying CTE. `rows` must select, in this
 * order, at, actor_id, action, entity, entity_id, region_code, before, after.
 */
export function auditRowsFrom(rows: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`insert into audit_log (at, actor_id, action, entity, entity_id, region_code, before, after) ${rows}`;
}

export interface AuditFilter {
  entity?: string;
  entityId?: string;
  actor?: number;
  /** part of the actor's display name */
  actorName?: string;
  from?: Date;
  to?: Date;
  /** entries with a smaller id (paging, newest first) */
  before?: number;
  limit: number;
}

/** Audit entries, newest first, as row security shows them (administrators: their scope's entries). */
export async function listAudit(db: Db, q: AuditFilter) {
  let query = db.selectFrom('auditLog as a')
    .select(['a.id', 'a.at', 'a.actorId', sql<string | null>`app.user_name(a.actor_id)`.as('actorName'), 'a.action', 'a.entity',
      'a.entityId', 'a.regionCode', 'a.before', 'a.after'])
    .orderBy('a.id', 'desc').limit(q.limit);
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
  return query.execute();
}
