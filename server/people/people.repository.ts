import { type Kysely, sql } from 'kysely';
import { DUTIES } from '../domain/enums.ts';
import type { Database, Duty } from '../db/schema.ts';
import { type GeoJsonGeometry, asGeoJson, inCounty, inSubtree } from '../db/geo.ts';

type Db = Kysely<Database>;

export { DUTIES as duties } from '../domain/enums.ts';
/** Leaders first, then the other duties in their usual order. */
export const dutyOrder = sql`array_position(${sql.val([...DUTIES])}::text[], a.duty)`;

export interface PeopleFilter {
  q?: string;
  unit?: string;
  /** region code prefix (a village, township or county subtree) */
  villagePrefix?: string;
  limit: number;
  offset: number;
}

function personQuery(db: Db) {
  return db.selectFrom('people as p')
    .leftJoin('units as u', 'u.id', 'p.unitId')
    .leftJoin('regions as v', 'v.code', 'p.villageCode')
    .select(['p.id', 'p.name', 'p.gender', 'p.phone', 'p.unitId', 'u.code as unitCode', 'u.name as unitName',
      'p.villageCode', 'v.name as villageName', 'p.regionCode']);
}

/** The directory: name, phone, unit or village matches `q`; row security limits it to the caller's scope. */
export async function searchPeople(db: Db, filter: PeopleFilter) {
  let query = personQuery(db);
  if (filter.q) {
    const like = `%${filter.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
    query = query.where((eb) => eb.or([
      eb('p.name', 'ilike', like), eb('p.phone', 'like', like), eb('u.name', 'ilike', like),
      eb('u.code', 'ilike', like), eb('v.name', 'ilike', like),
    ]));
  }
  if (filter.unit) {
    const unit = filter.unit;
    query = /^\d+$/.test(unit) ? query.where('p.unitId', '=', Number(unit)) : query.where('u.code', '=', unit);
  }
  if (filter.villagePrefix) query = query.where(inSubtree('p.villageCode', filter.villagePrefix));
  const rows = await query
    .select(sql<number>`count(*) over ()`.as('total'))
    .orderBy('p.name').orderBy('p.id').limit(filter.limit).offset(filter.offset).execute();
  const total = rows.length ? Number(rows[0].total) : 0;
  return { total, items: rows.map(({ total: _, ...r }) => ({ ...r, id: Number(r.id) })) };
}

export async function getPerson(db: Db, id: number) {
  const row = await personQuery(db).select('p.createdAt').where('p.id', '=', id).executeTakeFirst();
  return row && { ...row, id: Number(row.id) };
}

export async function listUnits(db: Db) {
  return db.selectFrom('units').select(['id', 'code', 'name', 'nameEn', 'kind', 'regionCode']).orderBy('id').execute();
}

/** Units by code and villages by code, for validating new people; invisible ones are absent. */
export async function unitsByCode(db: Db, codes: string[]) {
  if (!codes.length) return new Map<string, { id: number; regionCode: string }>();
  const rows = await db.selectFrom('units').select(['id', 'code', 'regionCode']).where('code', 'in', codes).execute();
  return new Map(rows.map((r) => [r.code, { id: r.id, regionCode: r.regionCode }]));
}

export async function villagesByCode(db: Db, codes: string[]) {
  if (!codes.length) return new Map<string, { level: string; plannable: boolean }>();
  const rows = await db.selectFrom('regions').select(['code', 'level', sql<boolean>`app.can_plan(code)`.as('plannable')])
    .where('code', 'in', codes).execute();
  return new Map(rows.map((r) => [r.code, { level: r.level, plannable: r.plannable }]));
}

/** Whether the caller may create records owned by these regions (planner or admin, in scope). */
export async function plannable(db: Db, codes: string[]) {
  if (!codes.length) return new Set<string>();
  const { rows } = await sql<{ code: string }>`select c as code from unnest(${codes}::text[]) c where app.can_plan(c)`.execute(db);
  return new Set(rows.map((r) => r.code));
}

/** Existing people with the same name and phone, to refuse duplicate imports. */
export async function existingNamePhones(db: Db, pairs: Array<{ name: string; phone: string }>) {
  if (!pairs.length) return new Set<string>();
  const { rows } = await sql<{ key: string }>`select p.name || '|' || p.phone as key from people p
    join json_to_recordset(${JSON.stringify(pairs)}::json) as x(name text, phone text) on x.name = p.name and x.phone = p.phone`.execute(db);
  return new Set(rows.map((r) => r.key));
}

export interface NewPerson {
  name: string;
  gender: 'M' | 'F' | null;
  phone: string | null;
  unitId: number | null;
  villageCode: string | null;
  regionCode: string;
}

export async function insertPeople(db: Db, people: NewPerson[]): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < people.length; i += 500) {
    const rows = await db.insertInto('people').values(people.slice(i, i + 500)).returning('id').execute();
    ids.push(...rows.map((r) => Number(r.id)));
  }
  return ids;
}

/** A grid the caller can see, current or not. */
export async function findGrid(db: Db, id: number) {
  const row = await db.selectFrom('grids').select(['id', 'code', 'name', 'villageCode', 'households', 'validTo'])
    .where('id', '=', id).executeTakeFirst();
  return row && { ...row, id: Number(row.id) };
}

function assignmentQuery(db: Db) {
  return db.selectFrom('gridAssignments as a')
    .innerJoin('people as p', 'p.id', 'a.personId')
    .innerJoin('grids as g', 'g.id', 'a.gridId')
    .select(['a.id', 'a.gridId', 'g.code as gridCode', 'g.name as gridName', 'g.villageCode', 'g.households',
      'a.personId', 'p.name as personName', 'p.phone', 'a.duty', 'a.validFrom', 'a.validTo']);
}

export type AssignmentRow = Awaited<ReturnType<typeof gridAssignments>>[number];

/** A grid's assignments: the current ones, or its whole history (newest first). */
export async function gridAssignments(db: Db, gridId: number, history: boolean) {
  let query = assignmentQuery(db).where('a.gridId', '=', gridId);
  if (!history) query = query.where('a.validTo', 'is', null);
  return query.orderBy(sql`a.valid_to is null`, 'desc').orderBy(dutyOrder).orderBy('a.validFrom', 'desc').orderBy('a.id', 'desc').execute();
}

/** A person's assignments on the grids the caller can see, current first, then newest first. */
export async function personAssignments(db: Db, personId: number) {
  return assignmentQuery(db).where('a.personId', '=', personId)
    .orderBy(sql`a.valid_to is null`, 'desc').orderBy('a.validFrom', 'desc').orderBy('a.id', 'desc').execute();
}

export async function assignmentById(db: Db, id: number) {
  return assignmentQuery(db).where('a.id', '=', id).executeTakeFirst();
}

/** The current assignments matching, locked so a concurrent handover or removal waits. */
export async function lockCurrent(db: Db, gridId: number, personId: number, duty?: Duty) {
  let query = db.selectFrom('gridAssignments').select(['id', 'duty', 'validFrom'])
    .where('gridId', '=', gridId).where('personId', '=', personId).where('validTo', 'is', null);
  if (duty) query = query.where('duty', '=', duty);
  return query.forUpdate().execute();
}

export async function insertAssignment(db: Db, a: { gridId: number; personId: number; duty: Duty; validFrom: Date }) {
  const row = await db.insertInto('gridAssignments').values(a).returning('id').executeTakeFirstOrThrow();
  return Number(row.id);
}

export async function closeAssignments(db: Db, ids: number[], at: Date) {
  if (!ids.length) return;
  await db.updateTable('gridAssignments').set({ validTo: at }).where('id', 'in', ids).execute();
}

export interface StaffingThresholds {
  maxGrids: number;
  maxHouseholds: number;
  memberDuties: Duty[];
}

/**
 * Per current grid in the subtree (with its village, township and county): how many members
 * (member duties) and leaders it has, and whether one of its members is overloaded. Load counts
 * every current grid of the person that the caller can see (row security), households summed over them.
 */
export async function staffingGrids(db: Db, prefix: string, t: StaffingThresholds) {
  // set-based (one pass over the current assignments), and geometry only for problem grids
  const { rows } = await sql<{
    id: number; code: string; name: string; villageCode: string; villageName: string; townshipCode: string; townshipName: string;
    countyCode: string; countyName: string; layer: string; households: number; members: number; leaders: number; overloadedMembers: number; geometry: GeoJsonGeometry | null;
  }>`
    with cur as (
      select a.grid_id, a.person_id, a.duty, a.duty = any(${t.memberDuties}::text[]) as member
      from grid_assignments a join grids g on g.id = a.grid_id
      where a.valid_to is null and g.valid_to is null
    ), load as (
      select d.person_id from (select distinct person_id, grid_id from cur where member) d join grids g on g.id = d.grid_id
      group by d.person_id having count(*) > ${t.maxGrids} or sum(g.households) > ${t.maxHouseholds}
    ), per_grid as (
      select c.grid_id,
        count(distinct c.person_id) filter (where c.member) as members,
        count(*) filter (where c.duty = 'leader') as leaders,
        count(distinct c.person_id) filter (where c.member and c.person_id in (select person_id from load)) as overloaded_members
      from cur c group by c.grid_id
    )
    select g.id, g.code, g.name, g.village_code, v.name as village_name, t.code as township_code, t.name as township_name,
      c.code as county_code, c.name as county_name, l.kind as layer, g.households, coalesce(pg.members, 0)::int as members, coalesce(pg.leaders, 0)::int as leaders,
      coalesce(pg.overloaded_members, 0)::int as overloaded_members,
      case when coalesce(pg.members, 0) = 0 or coalesce(pg.leaders, 0) = 0 or coalesce(pg.overloaded_members, 0) > 0
        then ${asGeoJson('g.geom')} end as geometry
    from grids g
    join grid_layers l on l.id = g.layer_id
    join regions v on v.code = g.village_code
    join regions t on t.code = v.parent_code
    join regions c on c.code = t.parent_code
    left join per_grid pg on pg.grid_id = g.id
    where g.valid_to is null and ${inSubtree('g.village_code', prefix)} and ${inCounty('g.county_code', prefix)}
    order by g.code`.execute(db);
  return rows.map((r) => ({ ...r, id: Number(r.id) }));
}

/** People with a member duty on a grid of the subtree whose load is over a threshold. */
export async function overloadedPeople(db: Db, prefix: string, t: StaffingThresholds) {
  const { rows } = await sql<{ personId: number; name: string; phone: string | null; grids: number; households: number; gridCodes: string[] }>`
    with cur as (
      select a.person_id, g.id as grid_id, g.code, g.households, g.village_code
      from grid_assignments a join grids g on g.id = a.grid_id and g.valid_to is null
      where a.valid_to is null and a.duty = any(${t.memberDuties}::text[])
    ), load as (
      select person_id, count(distinct grid_id)::int as grids, sum(households)::int as households,
        array_agg(distinct code order by code) as grid_codes, bool_or(${inSubtree('village_code', prefix)}) as here
      from (select distinct person_id, grid_id, code, households, village_code from cur) d
      group by person_id
    )
    select p.id as person_id, p.name, p.phone, l.grids, l.households, l.grid_codes
    from load l join people p on p.id = l.person_id
    where l.here and (l.grids > ${t.maxGrids} or l.households > ${t.maxHouseholds})
    order by l.grids desc, l.households desc, p.id`.execute(db);
  return rows.map((r) => ({ ...r, personId: Number(r.personId) }));
}

/** The caller's current grids (any duty), with their geometry. */
export async function myGrids(db: Db, personId: number) {
  const { rows } = await sql<{
    id: number; code: string; name: string; villageCode: string; villageName: string; households: number; population: number;
    duties: Duty[]; geometry: GeoJsonGeometry;
  }>`
    select g.id, g.code, g.name, g.village_code, v.name as village_name, g.households, g.population,
      array_agg(a.duty order by ${dutyOrder}) as duties, ${asGeoJson('g.geom')} as geometry
    from grid_assignments a
    join grids g on g.id = a.grid_id and g.valid_to is null
    join regions v on v.code = g.village_code
    where a.person_id = ${personId} and a.valid_to is null
    group by g.id, v.name
    order by g.code`.execute(db);
  return rows.map((r) => ({ ...r, id: Number(r.id) }));
}

export async function sitesInGrids(db: Db, gridIds: number[]) {
  if (!gridIds.length) return [];
  const rows = await db.selectFrom('sites as s')
    .innerJoin('siteCategories as sc', 'sc.code', 's.category')
    .select(['s.id', 's.category', 'sc.name as categoryName', 'sc.nameEn as categoryNameEn', 'sc.color', 'sc.sort', 's.name', 's.gridId', 's.attrs',
      asGeoJson('s.geom').as('geometry')])
    .where('s.gridId', 'in', gridIds).orderBy('sc.sort').orderBy('s.name').execute();
  return rows.map((r) => ({ ...r, id: Number(r.id), gridId: Number(r.gridId) }));
}

export const closedStates = ['closed', 'rejected'] as const;

export async function openIncidentsInGrids(db: Db, gridIds: number[]) {
  if (!gridIds.length) return [];
  const rows = await db.selectFrom('incidents as i')
    .innerJoin('incidentCategories as c', 'c.code', 'i.category')
    .select(['i.id', 'i.code', 'i.category', 'c.name as categoryName', 'i.title', 'i.state', 'i.priority', 'i.gridId', 'i.createdAt', 'i.dueAt',
      asGeoJson('i.location').as('geometry')])
    .where('i.gridId', 'in', gridIds).where('i.state', 'not in', [...closedStates])
    .orderBy('i.createdAt', 'desc').execute();
  return rows.map((r) => ({ ...r, id: Number(r.id), gridId: Number(r.gridId) }));
}

/** The current assignment `id` of a grid, locked for update, ended or not. */
export async function lockAssignment(db: Db, id: number, gridId: number) {
  return db.selectFrom('gridAssignments').select(['id', 'duty', 'validFrom', 'personId', 'validTo'])
    .where('id', '=', id).where('gridId', '=', gridId).forUpdate().executeTakeFirst();
}

/** A person's name and phone (as the caller may see them). */
export async function personContact(db: Db, personId: number) {
  const { rows: [person] } = await sql<{ id: number; name: string; phone: string | null }>`
    select id, name, phone from people where id = ${personId}`.execute(db);
  return person;
}
