import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.ts';

type Db = Kysely<Database>;

/**
 * What publishing a draft does to each grid, as SQL shared by preview and publish:
 * - a plan grid whose published source no other plan grid shares (or the largest of several, after a
 *   split) continues the source's code: `unchanged` if shape and name are equal, else `changed`;
 * - any other plan grid is `added` and gets the next free code of its village, numbered north→south
 *   then west→east by centroid;
 * - a base grid that no plan grid continues is `removed`.
 */
function outcomes(planId: number) {
  return sql`
    pg as (
      select pg.*, row_number() over (partition by pg.source_grid_id order by ST_Area(pg.geom) desc, pg.id) as rank
      from plan_grids pg where pg.plan_id = ${planId}),
    continued as (
      select pg.id as plan_grid_id, s.id as grid_id, s.code, pg.name, pg.village_code, pg.geom,
        -- vertex-exact (robust on GEOS 3.11); a copied, untouched grid is equal vertex for vertex
        case when ST_OrderingEquals(pg.geom, s.geom) and pg.name = s.name then 'unchanged' else 'changed' end as outcome
      from pg join grids s on s.id = pg.source_grid_id and s.valid_to is null
      where pg.rank = 1),
    fresh as (
      select pg.id as plan_grid_id, null::bigint as grid_id, pg.name, pg.village_code, pg.geom,
        row_number() over (partition by pg.village_code order by ST_Y(ST_Centroid(pg.geom)) desc, ST_X(ST_Centroid(pg.geom)), pg.id) as n
      from pg where pg.id not in (select plan_grid_id from continued)),
    added as (
      select f.plan_grid_id, f.grid_id, f.village_code || lpad((coalesce((
          select max(right(g.code, 3)::int) from grids g where g.village_code = f.village_code and right(g.code, 3)::int < 900), 0)
          + f.n)::text, 3, '0') as code, f.name, f.village_code, f.geom, 'added' as outcome
      from fresh f),
    outcome as (select plan_grid_id, grid_id, code::text, name, village_code, geom, outcome from continued
      union all select plan_grid_id, grid_id, code, name, village_code, geom, outcome from added),
    removed as (
      select g.id as grid_id, g.code, g.name, g.village_code from grids g
      where g.id = any((select base_grid_ids from plans where id = ${planId})::bigint[]) and g.valid_to is null
        and g.id not in (select grid_id from continued))`;
}

/** The plan as preview needs it, or undefined. */
export async function planForPreview(db: Db, planId: number) {
  return db.selectFrom('plans').select(['id', 'scopePrefix', 'baseGridIds', 'status']).where('id', '=', planId).executeTakeFirst();
}

/** Every grid's outcome (removed base grids included), by code. */
export async function previewOutcomes(db: Db, planId: number) {
  return sql<{ planGridId: number | null; gridId: number | null; code: string; name: string; villageCode: string; outcome: 'unchanged' | 'changed' | 'added' | 'removed' }>`
    with ${outcomes(planId)}
    select plan_grid_id, grid_id, code, name, village_code, outcome from outcome
    union all select null, grid_id, code, name, village_code, 'removed' from removed
    order by code`.execute(db);
}

/** The current members of the given (published) grids, by grid code and name. */
export async function currentMembersOf(db: Db, gridIds: number[]) {
  return (await sql<{ assignmentId: number; personId: number; name: string; duty: string; gridId: number; gridCode: string }>`
    select a.id as assignment_id, p.id as person_id, p.name, a.duty, g.id as grid_id, g.code as grid_code
    from grid_assignments a join grids g on g.id = a.grid_id join people p on p.id = a.person_id
    where a.valid_to is null and a.grid_id = any(${gridIds}::bigint[]) order by g.code, p.name`.execute(db)).rows;
}

/** Sites of the draft's base grids with their grid code now and after publishing. */
export async function sitesAfterPublish(db: Db, planId: number) {
  return sql<{ id: number; name: string; category: string; fromCode: string; toCode: string | null }>`
    with ${outcomes(planId)}
    select s.id, s.name, s.category, g.code as from_code,
      (select o.code from outcome o where ST_Intersects(o.geom, ST_PointOnSurface(s.geom)) order by o.code limit 1) as to_code
    from sites s join grids g on g.id = s.grid_id
    where g.id = any((select base_grid_ids from plans where id = ${planId})::bigint[])
    order by s.id`.execute(db);
}

/** Open incidents of the draft's base grids with their grid code now and after publishing. */
export async function openIncidentsAfterPublish(db: Db, planId: number) {
  return sql<{ id: number; code: string; title: string; fromCode: string; toCode: string | null }>`
    with ${outcomes(planId)}
    select i.id, i.code, i.title, g.code as from_code,
      (select o.code from outcome o where ST_Intersects(o.geom, i.location) order by o.code limit 1) as to_code
    from incidents i join grids g on g.id = i.grid_id
    where g.id = any((select base_grid_ids from plans where id = ${planId})::bigint[]) and i.state not in ('closed', 'rejected')
    order by i.id`.execute(db);
}

/** The ids of the current comprehensive grids under a region prefix. */
export async function currentGridIds(db: Db, scopePrefix: string) {
  return (await sql<{ id: number }>`select id from grids where valid_to is null and layer_id = 1
    and village_code >= ${scopePrefix} and village_code < ${scopePrefix + ':'}`.execute(db)).rows.map((r) => Number(r.id));
}

/**
 * Writes a publication (the checks are the service's): closes the old versions, inserts new ones with
 * recounted households, carries members of changed grids (but `ended` assignments), ends those of
 * closed versions, re-homes sites and open incidents.
 */
export async function applyPublish(db: Db, planId: number, scopePrefix: string, ended: number[]) {
  // decided once, before anything is closed (closing changes what "current" means)
  await sql`create temp table publish_outcome on commit drop as
    with ${outcomes(planId)} select plan_grid_id, grid_id, code, name, village_code, geom, outcome from outcome`.execute(db);
  await sql`insert into publish_outcome (grid_id, code, name, village_code, outcome)
    with ${outcomes(planId)} select grid_id, code, name, village_code, 'removed' from removed`.execute(db);
  const { rows: changes } = await sql<{ gridId: number | null; code: string; outcome: string }>`
    select grid_id, code, outcome from publish_outcome where outcome <> 'unchanged'`.execute(db);
  const closing = changes.filter((c) => c.outcome === 'changed' || c.outcome === 'removed').map((c) => Number(c.gridId));
  await sql`update grids set valid_to = now() where id = any(${closing}::bigint[])`.execute(db);
  // new versions of changed grids and first versions of added ones, households counted from points
  const { rows: inserted } = await sql<{ id: number; code: string }>`
    insert into grids (code, name, layer_id, village_code, geom, households, population, version, valid_from)
    select o.code, o.name, 1, o.village_code, o.geom,
      (select coalesce(sum(h.households), 0) from household_points h where ST_Intersects(o.geom, h.geom)),
      (select coalesce(sum(h.population), 0) from household_points h where ST_Intersects(o.geom, h.geom)),
      coalesce((select max(version) from grids g where g.code = o.code), 0) + 1, now()
    from publish_outcome o where o.outcome in ('changed', 'added')
    returning id, code`.execute(db);
  const newIdByCode = new Map(inserted.map((r) => [r.code, Number(r.id)]));
  // members of a changed grid follow it to its new version, except those the planner ended in the
  // preview; every assignment of a closed grid version ends
  for (const c of changes.filter((x) => x.outcome === 'changed')) {
    await sql`insert into grid_assignments (grid_id, person_id, duty, valid_from)
      select ${newIdByCode.get(c.code)}, person_id, duty, now() from grid_assignments
      where grid_id = ${c.gridId} and valid_to is null and not id = any(${ended}::bigint[])`.execute(db);
  }
  await sql`update grid_assignments set valid_to = now() where grid_id = any(${closing}::bigint[]) and valid_to is null`.execute(db);
  // sites and open incidents move to whichever current grid of the plan's area now holds them
  const rehome = (table: 'sites' | 'incidents', point: string, extra: string) => sql`
    update ${sql.table(table)} t set grid_id = (select g.id from grids g where g.valid_to is null and g.layer_id = 1
      and g.village_code >= ${scopePrefix} and g.village_code < ${scopePrefix + ':'}
      and ST_Intersects(g.geom, ${sql.raw(point)}) order by g.code limit 1)
    where t.grid_id = any(${closing}::bigint[]) ${sql.raw(extra)}`;
  const sites = await rehome('sites', 'ST_PointOnSurface(t.geom)', '').execute(db);
  const incidents = await rehome('incidents', 't.location', "and t.state not in ('closed', 'rejected')").execute(db);
  return {
    closing, inserted,
    sitesRehomed: Number(sites.numAffectedRows ?? 0), incidentsRehomed: Number(incidents.numAffectedRows ?? 0),
  };
}

export async function markPublished(db: Db, planId: number, version: number) {
  await db.updateTable('plans').set({ status: 'published', publishedAt: new Date(), updatedAt: new Date(), version })
    .where('id', '=', planId).execute();
}
