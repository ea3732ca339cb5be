import { type Kysely, sql } from 'kysely';
import type { Database, PlanOperationTable } from '../db/schema.ts';
import type { GeoJsonGeometry } from '../db/geo.ts';

/** A plan grid as stored in changesets: enough to put the row back exactly. */
export interface PlanGridRow {
  id: number;
  sourceGridId: number | null;
  name: string;
  villageCode: string;
  geometry: GeoJsonGeometry;
}

/** What one operation does to the draft; its inverse undoes it. */
export interface Changeset {
  put: PlanGridRow[];
  del: number[];
}

export async function lockPlan(db: Kysely<Database>, id: number) {
  return db.selectFrom('plans').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export async function getPlanRow(db: Kysely<Database>, id: number) {
  return db.selectFrom('plans as p')
    .innerJoin('regions as r', 'r.code', 'p.scopeCode')
    .select(['p.id', 'p.scopeCode', 'p.scopePrefix', 'p.name', 'p.status', 'p.version', 'p.lockExpiresAt', 'p.createdAt',
      'p.updatedAt', 'p.publishedAt', 'p.baseGridIds', 'p.lockedBy as lockedById', 'r.name as scopeName',
      sql<string>`app.user_name(p.locked_by)`.as('lockedByName')])
    .where('p.id', '=', id).executeTakeFirst();
}

/** Open drafts whose subtree overlaps `prefix` (an ancestor, a descendant or the same region). */
export async function openDraftsOverlapping(db: Kysely<Database>, prefix: string) {
  return db.selectFrom('plans as p')
    .select(['p.id', 'p.scopeCode', 'p.lockExpiresAt', sql<string>`app.user_name(p.locked_by)`.as('lockedByName')])
    .where('p.status', '=', 'draft')
    // parenthesised as a whole: Kysely ANDs raw conditions as they are written
    .where(sql<boolean>`((p.scope_prefix >= ${prefix} and p.scope_prefix < ${prefix + ':'})
      or (${prefix} >= p.scope_prefix and ${prefix} < p.scope_prefix || ':'))`)
    .execute();
}

/** Creates the draft with a copy of the current comprehensive grids of its scope. */
export async function insertPlan(db: Kysely<Database>, scopeCode: string, prefix: string, name: string, userId: number, lockMinutes: number) {
  const { rows } = await sql<{ id: number }>`
    insert into plans (scope_code, scope_prefix, name, base_grid_ids, created_by, locked_by, lock_expires_at)
    select ${scopeCode}, ${prefix}, ${name}, coalesce(array_agg(g.id order by g.id), '{}'), ${userId}, ${userId},
      now() + make_interval(mins => ${lockMinutes})
    from grids g where g.valid_to is null and g.layer_id = 1 and g.village_code >= ${prefix} and g.village_code < ${prefix + ':'}
    returning id`.execute(db);
  const id = Number(rows[0].id);
  await sql`insert into plan_grids (plan_id, source_grid_id, name, village_code, geom)
    select ${id}, g.id, g.name, g.village_code, g.geom from grids g where g.id = any(
      (select base_grid_ids from plans where id = ${id})::bigint[])`.execute(db);
  return id;
}

/**
 * The draft's grids with their workload: households and population from household points, key
 * sites by category, incidents of the last 12 months, area, and the household target of their
 * village type (settings workload.*, read by the service) with whether they are low, in norm or high.
 */
export async function planGrids(db: Kysely<Database>, planId: number, norms: WorkloadNorms) {
  const rows = await sql<{
    id: number; sourceGridId: number | null; sourceCode: string | null; name: string; villageCode: string; areaM2: number;
    households: number; population: number; sites: Record<string, number>; incidents12m: number; target: number; tolerance: number;
    geometry: GeoJsonGeometry;
  }>`
    with norms as (select ${norms.urban}::numeric as urban, ${norms.rural}::numeric as rural, ${norms.tolerance}::numeric as tolerance)
    select pg.id, pg.source_grid_id, s.code as source_code, pg.name, pg.village_code,
      round(ST_Area(pg.geom::geography)::numeric)::float8 as area_m2,
      coalesce(h.households, 0)::int as households, coalesce(h.population, 0)::int as population,
      coalesce((select json_object_agg(x.category, x.n) from (select st.category, count(*)::int as n from sites st
        where st.geom && pg.geom and ST_Intersects(st.geom, pg.geom) group by st.category) x), '{}'::json) as sites,
      (select count(*)::int from incidents i where i.location && pg.geom and ST_Intersects(i.location, pg.geom)
        and i.created_at > now() - interval '12 months') as incidents12m,
      (case when v.urban then norms.urban else norms.rural end)::float8 as target, norms.tolerance::float8 as tolerance,
      ST_AsGeoJSON(pg.geom, 7)::json as geometry
    from plan_grids pg
    join regions v on v.code = pg.village_code
    left join grids s on s.id = pg.source_grid_id
    cross join norms
    left join lateral (select sum(hp.households) as households, sum(hp.population) as population from household_points hp
      where hp.geom && pg.geom and ST_Intersects(pg.geom, hp.geom)) h on true
    where pg.plan_id = ${planId}
    order by pg.village_code, pg.id`.execute(db);
  return rows.rows.map(({ tolerance, ...r }) => ({
    ...r,
    normStatus: r.households < r.target * (1 - tolerance) ? 'low' as const : r.households > r.target * (1 + tolerance) ? 'high' as const : 'ok' as const,
  }));
}

/** Household targets per grid by village type, and the tolerance either side (a fraction). */
export interface WorkloadNorms {
  urban: number;
  rural: number;
  tolerance: number;
}

/** The rows as they are now, for the inverse of a changeset. */
export async function snapshot(db: Kysely<Database>, planId: number, ids: number[]): Promise<PlanGridRow[]> {
  if (!ids.length) return [];
  return db.selectFrom('planGrids')
    .select(['id', 'sourceGridId', 'name', 'villageCode', sql<GeoJsonGeometry>`ST_AsGeoJSON(geom)::json`.as('geometry')])
    .where('planId', '=', planId).where('id', 'in', ids).execute()
    .then((rows) => rows.map((r) => ({ ...r, id: Number(r.id), sourceGridId: r.sourceGridId === null ? null : Number(r.sourceGridId) })));
}

export async function applyChangeset(db: Kysely<Database>, planId: number, change: Changeset) {
  if (change.del.length) await db.deleteFrom('planGrids').where('planId', '=', planId).where('id', 'in', change.del).execute();
  for (const row of change.put) {
    await sql`insert into plan_grids (id, plan_id, source_grid_id, name, village_code, geom)
      values (${row.id}, ${planId}, ${row.sourceGridId}, ${row.name}, ${row.villageCode},
        ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(row.geometry)}), 4326)))
      on conflict (id) do update set source_grid_id = excluded.source_grid_id, name = excluded.name,
        village_code = excluded.village_code, geom = excluded.geom`.execute(db);
  }
}

export async function newPlanGridIds(db: Kysely<Database>, n: number): Promise<number[]> {
  if (n === 0) return [];
  const { rows } = await sql<{ id: number }>`select nextval(pg_get_serial_sequence('plan_grids', 'id')) as id
    from generate_series(1, ${n})`.execute(db);
  return rows.map((r) => Number(r.id));
}

/** A region a plan may cover, or undefined. */
export async function planRegion(db: Kysely<Database>, code: string) {
  return db.selectFrom('regions').select(['code', 'level', 'prefix', 'name']).where('code', '=', code).executeTakeFirst();
}

/** How many operations of the draft can be undone (done) and redone (undone). */
export async function operationCounts(db: Kysely<Database>, planId: number) {
  const ops = await db.selectFrom('planOperations').select(['undone', (eb) => eb.fn.countAll<number>().as('n')])
    .where('planId', '=', planId).groupBy('undone').execute();
  const count = (undone: boolean) => Number(ops.find((o) => o.undone === undone)?.n ?? 0);
  return { done: count(false), undone: count(true) };
}

/** A user's display name as the plans show it (app.user_name: visible to every planner). */
export async function userName(db: Kysely<Database>, userId: number) {
  const { rows: [row] } = await sql<{ name: string }>`select app.user_name(${userId}) as name`.execute(db);
  return row.name;
}

/** Marks an edit: next version, and the lock renewed to the editor for `lockMinutes`. */
export async function touchPlan(db: Kysely<Database>, planId: number, userId: number, lockMinutes: number) {
  await sql`update plans set version = version + 1, updated_at = now(), locked_by = ${userId},
    lock_expires_at = now() + make_interval(mins => ${lockMinutes}) where id = ${planId}`.execute(db);
}

/** Stores an operation with its inverse; a new operation clears what could be redone. */
export async function recordOperation(db: Kysely<Database>, planId: number, op: { kind: PlanOperationTable['kind']; actorId: number; forward: Changeset; inverse: Changeset }) {
  await db.deleteFrom('planOperations').where('planId', '=', planId).where('undone', '=', true).execute();
  await db.insertInto('planOperations').values({
    planId, kind: op.kind, actorId: op.actorId, forward: JSON.stringify(op.forward), inverse: JSON.stringify(op.inverse),
  }).execute();
}

/** The operation undo would revert (the latest done) or redo would replay (the earliest undone). */
export async function nextOperation(db: Kysely<Database>, planId: number, direction: 'undo' | 'redo') {
  return db.selectFrom('planOperations').select(['id', 'forward', 'inverse', 'kind'])
    .where('planId', '=', planId).where('undone', '=', direction === 'redo')
    .orderBy('id', direction === 'undo' ? 'desc' : 'asc').limit(1).executeTakeFirst();
}

export async function setOperationUndone(db: Kysely<Database>, operationId: number, undone: boolean) {
  await db.updateTable('planOperations').set({ undone }).where('id', '=', operationId).execute();
}

/** How many grids the draft has in a village (to name a new one). */
export async function countVillageGrids(db: Kysely<Database>, planId: number, villageCode: string) {
  const count = await db.selectFrom('planGrids').select((eb) => eb.fn.countAll<number>().as('n'))
    .where('planId', '=', planId).where('villageCode', '=', villageCode).executeTakeFirstOrThrow();
  return Number(count.n);
}

/** The given grids of the draft, largest area first. */
export async function idsByAreaDesc(db: Kysely<Database>, planId: number, ids: number[]) {
  const areas = await db.selectFrom('planGrids').select(['id', sql<number>`ST_Area(geom)`.as('area')])
    .where('planId', '=', planId).where('id', 'in', ids).orderBy('area', 'desc').execute();
  return areas.map((a) => Number(a.id));
}

/** The draft's grids in the given villages. */
export async function gridIdsInVillages(db: Kysely<Database>, planId: number, villageCodes: string[]) {
  return (await db.selectFrom('planGrids').select('id')
    .where('planId', '=', planId).where('villageCode', 'in', villageCodes).execute()).map((r) => Number(r.id));
}

export async function discardPlanRow(db: Kysely<Database>, planId: number) {
  await db.updateTable('plans').set({ status: 'discarded', updatedAt: new Date() }).where('id', '=', planId).execute();
}
