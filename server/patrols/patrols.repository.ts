import { type Kysely, sql } from 'kysely';
import type { Database, Duty } from '../db/schema.ts';
import { type GeoJsonGeometry, asGeoJson, inCounty, inSubtree } from '../db/geo.ts';

type Db = Kysely<Database>;

export async function listRules(db: Db) {
  const rows = await db.selectFrom('patrolRules as r')
    .innerJoin('siteCategories as c', 'c.code', 'r.category')
    .select(['r.id', 'r.code', 'r.category', 'c.name as categoryName', 'c.nameEn as categoryNameEn', 'r.name', 'r.nameEn',
      'r.months', 'r.weekdays', 'r.windows', 'r.timesPerDay', 'r.maxDistanceM', 'r.basis', 'r.enabled'])
    .orderBy('c.sort').orderBy('r.id').execute();
  return rows.map((r) => ({ ...r, maxDistanceM: Number(r.maxDistanceM) }));
}

/**
 * The site (as the caller sees it), whether it lies in one of the caller's current grids, and the
 * geodesic distance in metres from the point to the site's geometry (0 inside a polygon).
 */
export async function siteWithDistance(db: Db, siteId: number, lon: number, lat: number) {
  const { rows: [row] } = await sql<{
    id: number; name: string; category: string; gridId: number | null; regionCode: string; mine: boolean; distanceM: number;
  }>`
    select s.id, s.name, s.category, s.grid_id, s.region_code,
      s.grid_id is not null and app.member_grid(s.grid_id) as mine,
      ST_Distance(s.geom::geography, ST_SetSRID(ST_MakePoint(${lon}, ${lat}), 4326)::geography) as distance_m
    from sites s where s.id = ${siteId}`.execute(db);
  return row && { ...row, id: Number(row.id), gridId: row.gridId === null ? null : Number(row.gridId), distanceM: Number(row.distanceM) };
}

/**
 * The rule of the site's category whose window contains the instant (local time in `timeZone`),
 * or, when none does, the strictest rule of the category (ruleId null: an extra patrol).
 */
export async function ruleFor(db: Db, category: string, at: Date, timeZone: string) {
  const { rows: [inWindow] } = await sql<{ id: number; maxDistanceM: number; window: string }>`
    with t as (select (${at.toISOString()}::timestamptz at time zone ${timeZone}) as local)
    select r.id, r.max_distance_m, w as window
    from patrol_rules r cross join t cross join unnest(r.windows) as w
    where r.enabled and r.category = ${category}
      and (r.months is null or extract(month from t.local)::int = any(r.months))
      and (r.weekdays is null or extract(isodow from t.local)::int = any(r.weekdays))
      and t.local::time >= split_part(w, '-', 1)::time and t.local::time < split_part(w, '-', 2)::time
    order by r.max_distance_m, r.id limit 1`.execute(db);
  if (inWindow) return { ruleId: Number(inWindow.id), maxDistanceM: Number(inWindow.maxDistanceM), window: inWindow.window };
  const { rows: [strictest] } = await sql<{ maxDistanceM: number | null }>`
    select min(max_distance_m) as max_distance_m from patrol_rules where enabled and category = ${category}`.execute(db);
  return { ruleId: null, maxDistanceM: strictest.maxDistanceM === null ? null : Number(strictest.maxDistanceM), window: null };
}

export interface NewPatrol {
  personId: number; siteId: number; ruleId: number | null; gridId: number; regionCode: string;
  at: Date; lon: number; lat: number; accuracyM: number | null; distanceM: number;
}

export async function insertPatrol(db: Db, p: NewPatrol) {
  const { rows: [row] } = await sql<{ id: number; recordedAt: Date }>`
    insert into patrols (person_id, site_id, rule_id, grid_id, region_code, at, location, accuracy_m, distance_m, accepted)
    values (${p.personId}, ${p.siteId}, ${p.ruleId}, ${p.gridId}, ${p.regionCode}, ${p.at.toISOString()},
      ST_SetSRID(ST_MakePoint(${p.lon}, ${p.lat}), 4326), ${p.accuracyM}, ${p.distanceM}, true)
    returning id, recorded_at`.execute(db);
  return { id: Number(row.id), recordedAt: row.recordedAt };
}

export interface PatrolFilter {
  from: Date; to: Date; prefix?: string; personId?: number; siteId?: number; limit: number;
}

export async function listPatrols(db: Db, f: PatrolFilter) {
  let query = db.selectFrom('patrols as p')
    .innerJoin('sites as s', 's.id', 'p.siteId')
    .innerJoin('people as pe', 'pe.id', 'p.personId')
    .select(['p.id', 'p.personId', 'pe.name as personName', 'p.siteId', 's.name as siteName', 's.category', 'p.ruleId', 'p.gridId',
      'p.regionCode', 'p.at', 'p.recordedAt', 'p.accuracyM', 'p.distanceM', 'p.accepted', asGeoJson('p.location').as('geometry')])
    .where('p.at', '>=', f.from).where('p.at', '<', f.to);
  if (f.prefix) query = query.where(inSubtree('p.regionCode', f.prefix));
  if (f.personId) query = query.where('p.personId', '=', f.personId);
  if (f.siteId) query = query.where('p.siteId', '=', f.siteId);
  const rows = await query.orderBy('p.at', 'desc').orderBy('p.id', 'desc').limit(f.limit).execute();
  return rows.map((r) => ({
    ...r, id: Number(r.id), personId: Number(r.personId), siteId: Number(r.siteId), gridId: Number(r.gridId),
    distanceM: Number(r.distanceM), accuracyM: r.accuracyM === null ? null : Number(r.accuracyM),
    at: new Date(r.at).toISOString(), recordedAt: new Date(r.recordedAt).toISOString(),
    geometry: r.geometry as GeoJsonGeometry | null,
  }));
}

export interface CompliancePeriod {
  prefix: string;
  /** first and last local day, YYYY-MM-DD */
  from: string;
  to: string;
  timeZone: string;
  memberDuties: Duty[];
}

/**
 * Every patrol slot of the period, computed in SQL: sites of the region's grids × the rules of
 * their category × the days the rule applies (months, ISO weekdays) × the rule's windows, each
 * window turned into an instant range in the local time zone. A slot is done when an accepted
 * check-in at the site falls inside it; missed when it has ended without one.
 */
function slots(p: CompliancePeriod) {
  return sql`
    slots as (
      select s.id as site_id, s.grid_id, r.id as rule_id, x.day, w as win, x.starts,
        x.starts + (split_part(w, '-', 2)::time - split_part(w, '-', 1)::time)
          + case when split_part(w, '-', 2)::time <= split_part(w, '-', 1)::time then interval '1 day' else interval '0' end as ends
      from sites s
      join grids g on g.id = s.grid_id
      join patrol_rules r on r.category = s.category and r.enabled
      cross join generate_series(0, ${p.to}::date - ${p.from}::date) as i
      cross join unnest(r.windows) as w
      cross join lateral (select ${p.from}::date + i as day,
        ((${p.from}::date + i) + split_part(w, '-', 1)::time) at time zone ${p.timeZone} as starts) as x
      where ${inSubtree('g.village_code', p.prefix)} and ${inCounty('g.county_code', p.prefix)}
        and (r.months is null or extract(month from x.day)::int = any(r.months))
        and (r.weekdays is null or extract(isodow from x.day)::int = any(r.weekdays))
    ),
    checked as (
      select sl.*, exists (select 1 from patrols p where p.site_id = sl.site_id and p.accepted
        and p.at >= sl.starts and p.at < sl.ends) as done
      from slots sl
    )`;
}

export interface ComplianceCounts { due: number; done: number; missed: number; pending: number }

export async function complianceByGrid(db: Db, p: CompliancePeriod) {
  const { rows } = await sql<ComplianceCounts & { gridId: number; gridCode: string; gridName: string; villageCode: string; sites: number }>`
    with ${slots(p)}
    select g.id as grid_id, g.code as grid_code, g.name as grid_name, g.village_code,
      count(distinct c.site_id)::int as sites,
      count(*)::int as due,
      count(*) filter (where c.done)::int as done,
      count(*) filter (where not c.done and c.ends <= now())::int as missed,
      count(*) filter (where not c.done and c.ends > now())::int as pending
    from checked c join grids g on g.id = c.grid_id
    group by g.id, g.code, g.name, g.village_code
    order by g.code`.execute(db);
  return rows.map((r) => ({ ...r, gridId: Number(r.gridId) }));
}

/**
 * Per member (people holding a member duty on the slot's grid while the slot ran; with the region
 * the person belongs to): slots due, done
 * by them, covered by a colleague, missed (nobody checked in) and still pending.
 */
export async function complianceByMember(db: Db, p: CompliancePeriod) {
  const { rows } = await sql<ComplianceCounts & { personId: number; name: string; regionCode: string; grids: number; coveredByOthers: number }>`
    with ${slots(p)},
    member_slots as (
      select a.person_id, c.*, exists (select 1 from patrols pt where pt.site_id = c.site_id and pt.person_id = a.person_id
        and pt.accepted and pt.at >= c.starts and pt.at < c.ends) as own
      from checked c
      join (select distinct grid_id, person_id from grid_assignments where duty = any(${p.memberDuties}::text[])) a on a.grid_id = c.grid_id
      where exists (select 1 from grid_assignments x where x.grid_id = c.grid_id and x.person_id = a.person_id
        and x.duty = any(${p.memberDuties}::text[]) and x.valid_from < c.ends and (x.valid_to is null or x.valid_to > c.starts))
    )
    select m.person_id, pe.name, pe.region_code, count(distinct m.grid_id)::int as grids,
      count(*)::int as due,
      count(*) filter (where m.own)::int as done,
      count(*) filter (where m.done and not m.own)::int as covered_by_others,
      count(*) filter (where not m.done and m.ends <= now())::int as missed,
      count(*) filter (where not m.done and m.ends > now())::int as pending
    from member_slots m join people pe on pe.id = m.person_id
    group by m.person_id, pe.name, pe.region_code
    order by count(*) filter (where not m.done and m.ends <= now()) desc, pe.name, m.person_id`.execute(db);
  return rows.map((r) => ({ ...r, personId: Number(r.personId) }));
}

/** Today's date (YYYY-MM-DD) in the patrol time zone, and `days` before it. */
export async function localDay(db: Db, timeZone: string, offsetDays = 0) {
  const { rows: [row] } = await sql<{ day: string }>`select to_char((now() at time zone ${timeZone})::date + ${offsetDays}::int, 'YYYY-MM-DD') as day`.execute(db);
  return row.day;
}

/** The counties under a region prefix (a prefecture's, or a county itself), by code. */
export async function countiesUnder(db: Db, prefix: string) {
  return db.selectFrom('regions').select(['code', 'name'])
    .where('level', '=', 'county').where(inSubtree('code', prefix)).orderBy('code').execute();
}

/** Changes a patrol rule; false when no row was changed (row security: administrators only). */
export async function updatePatrolRule(db: Db, id: number, set: Partial<{
  months: number[] | null; weekdays: number[] | null; windows: string[]; maxDistanceM: number; enabled: boolean;
}>) {
  const updated = await db.updateTable('patrolRules').set(set).where('id', '=', id).executeTakeFirst();
  return Number(updated.numUpdatedRows) > 0;
}
