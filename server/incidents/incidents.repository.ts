import { type Kysely, type SqlBool, sql } from 'kysely';
import { UNIT_WORK_STATES } from '../domain/enums.ts';
import { asGeoJson, inCounty, inSubtree } from '../db/geo.ts';
import type { Database, IncidentState } from '../db/schema.ts';

type Db = Kysely<Database>;

export { INCIDENT_LEVELS as levels, OPEN_INCIDENT_STATES as openStates, type IncidentLevel as Level } from '../domain/enums.ts';

export async function listCategories(db: Db) {
  return db.selectFrom('incidentCategories as c')
    .leftJoin('units as u', 'u.code', 'c.defaultUnitCode')
    .select(['c.code', 'c.parentCode', 'c.name', 'c.nameEn', 'c.deadlineHours', 'c.defaultUnitCode', 'u.id as defaultUnitId',
      'u.name as defaultUnitName', 'c.attrSchema'])
    .orderBy('c.sort').orderBy('c.code').execute();
}

export async function getCategory(db: Db, code: string) {
  return db.selectFrom('incidentCategories as c')
    .leftJoin('units as u', 'u.code', 'c.defaultUnitCode')
    .select(['c.code', 'c.name', 'c.nameEn', 'c.deadlineHours', 'c.attrSchema', 'u.id as defaultUnitId'])
    .where('c.code', '=', code).executeTakeFirst();
}

/** The clock expression (overdue / near_due / on_time / null) as of now, for incidents aliased `i`. */
export const clock = (nearFraction: number, asOf = sql`now()`) =>
  sql<string | null>`app.incident_clock(i.state, i.created_at, i.due_at, i.resolved_at, ${asOf}, ${nearFraction}::float8)`;

export interface IncidentFilter {
  states?: IncidentState[];
  categories?: string[];
  prefix?: string;
  gridId?: number;
  unitId?: number;
  from?: Date;
  to?: Date;
  overdue?: boolean;
  nearDue?: boolean;
  q?: string;
  view?: 'queue' | 'inbox' | 'mine';
  limit: number;
  offset: number;
}

function listQuery(db: Db, filter: IncidentFilter, nearFraction: number) {
  let query = db.selectFrom('incidents as i');
  if (filter.states?.length) query = query.where('i.state', 'in', filter.states);
  if (filter.categories?.length) {
    // a parent category means itself and its sub-categories
    const cats = filter.categories;
    query = query.where((eb) => eb.or(cats.flatMap((c) => [eb('i.category', '=', c), eb('i.category', 'like', `${c}.%`)])));
  }
  if (filter.prefix) query = query.where(inSubtree('i.regionCode', filter.prefix)).where(inCounty('i.countyCode', filter.prefix));
  if (filter.gridId !== undefined) query = query.where('i.gridId', '=', filter.gridId);
  if (filter.unitId !== undefined) query = query.where('i.unitId', '=', filter.unitId);
  if (filter.from) query = query.where('i.createdAt', '>=', filter.from);
  if (filter.to) query = query.where('i.createdAt', '<', filter.to);
  if (filter.overdue !== undefined) {
    query = query.where(sql<SqlBool>`(${clock(nearFraction)} is not distinct from 'overdue') = ${filter.overdue}`);
  }
  if (filter.nearDue !== undefined) {
    query = query.where(sql<SqlBool>`(${clock(nearFraction)} is not distinct from 'near_due') = ${filter.nearDue}`);
  }
  if (filter.q) {
    const like = `%${filter.q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
    query = query.where((eb) => eb.or([eb('i.code', 'ilike', like), eb('i.title', 'ilike', like), eb('i.description', 'ilike', like)]));
  }
  if (filter.view === 'queue') {
    // what the caller's intake desk must take up: reported or escalated, at a level the caller answers for
    query = query.where('i.state', 'in', ['reported', 'escalated'])
      .where(sql<SqlBool>`app.incident_relation('scope', i.region_code, i.level, i.grid_id, i.unit_id, i.reporter_id)`);
  } else if (filter.view === 'inbox') {
    query = query.where(sql<SqlBool>`i.unit_id = app.unit_id()`).where('i.state', 'in', UNIT_WORK_STATES);
  } else if (filter.view === 'mine') {
    query = query.where(sql<SqlBool>`i.reporter_id = app.person_id()`);
  }
  return query;
}

const summaryColumns = (nearFraction: number) => [
  'i.id', 'i.code', 'i.category', 'c.name as categoryName', 'c.nameEn as categoryNameEn', 'i.title', 'i.state', 'i.level',
  'i.priority', 'i.regionCode', 'i.gridId', 'g.code as gridCode', 'i.unitId', 'u.name as unitName', 'i.reporterId',
  'i.source', 'i.dueAt', 'i.createdAt', 'i.resolvedAt', 'i.closedAt', 'i.version',
  clock(nearFraction).as('clock'), asGeoJson('i.location').as('geometry'),
] as const;

export async function listIncidents(db: Db, filter: IncidentFilter, nearFraction: number) {
  const base = listQuery(db, filter, nearFraction);
  const { total } = await base.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow();
  let query = base
    .innerJoin('incidentCategories as c', 'c.code', 'i.category')
    .leftJoin('grids as g', 'g.id', 'i.gridId')
    .leftJoin('units as u', 'u.id', 'i.unitId')
    .select([...summaryColumns(nearFraction)]);
  query = filter.view === 'queue' || filter.view === 'inbox'
    ? query.orderBy('i.dueAt', 'asc').orderBy('i.id')
    : query.orderBy('i.createdAt', 'desc').orderBy('i.id', 'desc');
  const rows = await query.limit(filter.limit).offset(filter.offset).execute();
  return { total: Number(total), rows };
}

export async function getIncident(db: Db, id: number, nearFraction: number) {
  return db.selectFrom('incidents as i')
    .innerJoin('incidentCategories as c', 'c.code', 'i.category')
    .leftJoin('grids as g', 'g.id', 'i.gridId')
    .leftJoin('units as u', 'u.id', 'i.unitId')
    .leftJoin('units as su', 'su.code', 'c.defaultUnitCode')
    .leftJoin('regions as v', 'v.code', 'i.regionCode')
    .leftJoin('regions as t', (join) => join.on(sql<SqlBool>`t.code = left(i.region_code, 9) || '000'`))
    .leftJoin('incidents as dup', 'dup.id', 'i.duplicateOf')
    .select([...summaryColumns(nearFraction),
      'i.description', 'i.attrs', 'i.sourceData', 'i.callerName', 'i.callerPhone', 'i.duplicateOf', 'dup.code as duplicateOfCode',
      'i.result', 'i.confirmedAt', 'i.satisfied', 'g.name as gridName', 'v.name as villageName', 't.code as townshipCode',
      't.name as townshipName', 'su.id as suggestedUnitId', 'su.name as suggestedUnitName', 'c.deadlineHours',
      sql<string | null>`app.person_name(i.reporter_id)`.as('reporterName'),
      sql<string[]>`array(select app.incident_actions(i.id))`.as('allowedActions'),
      sql<boolean>`app.incident_may('photo', i.region_code, i.level, i.grid_id, i.unit_id, i.reporter_id)`.as('mayAddPhotos'),
    ])
    .where('i.id', '=', id).executeTakeFirst();
}

/** Locks the incident row for a workflow step (the caller must see it). */
export async function lockIncident(db: Db, id: number) {
  return db.selectFrom('incidents as i')
    .select(['i.id', 'i.code', 'i.state', 'i.level', 'i.regionCode', 'i.gridId', 'i.unitId', 'i.reporterId', 'i.category', 'i.version',
      'i.createdAt', 'i.dueAt', 'i.closedAt',
      sql<string[]>`array(select app.incident_actions(i.id))`.as('allowedActions'),
      sql<boolean>`app.incident_may('photo', i.region_code, i.level, i.grid_id, i.unit_id, i.reporter_id)`.as('mayAddPhotos')])
    .where('i.id', '=', id).executeTakeFirst();
}

/** Roles and relations that may take an action at all, for the incident's attributes. */
export async function mayAct(db: Db, action: string, id: number): Promise<boolean> {
  const { rows: [row] } = await sql<{ may: boolean }>`select app.incident_may(${action}, i.region_code, i.level, i.grid_id, i.unit_id, i.reporter_id) as may
    from incidents i where i.id = ${id}`.execute(db);
  return !!row?.may;
}

export async function transition(db: Db, action: string, from: IncidentState) {
  return db.selectFrom('incidentTransitions').select(['toState']).where('action', '=', action).where('fromState', '=', from).executeTakeFirst();
}

export async function timeline(db: Db, id: number) {
  const rows = await db.selectFrom('incidentEvents as e')
    .select(['e.id', 'e.at', 'e.action', 'e.fromState', 'e.toState', 'e.note', 'e.data', 'e.actorId',
      sql<string | null>`app.person_name(e.actor_id)`.as('actorName'),
      sql<string | null>`app.user_name(e.actor_user_id)`.as('actorUserName')])
    .where('e.incidentId', '=', id).orderBy('e.at').orderBy('e.id').execute();
  return rows;
}

export async function photos(db: Db, id: number) {
  return db.selectFrom('incidentPhotos').select(['id', 'mime', 'width', 'height', 'bytes', 'originalName', 'createdAt'])
    .where('incidentId', '=', id).orderBy('id').execute();
}

/** Current members of a grid (visible to the caller). */
export async function gridMembers(db: Db, gridId: number | null) {
  if (gridId === null) return [];
  return db.selectFrom('gridAssignments as a').innerJoin('people as p', 'p.id', 'a.personId')
    .select(['p.id', 'p.name', 'p.phone', 'a.duty'])
    .where('a.gridId', '=', gridId).where('a.validTo', 'is', null).orderBy('a.duty').orderBy('p.id').execute();
}

/**
 * Possible duplicates of an incident: same category, within `radiusM` metres (geodesic) and
 * `days` days of its report, nearest first.
 */
export async function duplicateCandidates(db: Db, id: number, radiusM: number, days: number) {
  const { rows } = await sql<{ id: number; code: string; title: string; state: IncidentState; createdAt: Date; distanceM: number }>`
    select o.id, o.code, o.title, o.state, o.created_at,
      round(ST_Distance(o.location::geography, i.location::geography)::numeric, 1)::float8 as distance_m
    from incidents i
    join incidents o on o.category = i.category and o.id <> i.id
      and ST_DWithin(o.location::geography, i.location::geography, ${radiusM})
      and o.created_at between i.created_at - make_interval(days => ${days}) and i.created_at + make_interval(days => ${days})
    where i.id = ${id}
    order by distance_m, o.created_at desc limit 20`.execute(db);
  return rows.map((r) => ({ ...r, id: Number(r.id) }));
}

export async function notificationsForUnit(db: Db, unread: boolean, limit: number) {
  let query = db.selectFrom('incidentNotifications as n').innerJoin('incidents as i', 'i.id', 'n.incidentId')
    .select(['n.id', 'n.incidentId', 'i.code as incidentCode', 'i.title as incidentTitle', 'n.unitId', 'n.kind', 'n.note',
      'n.createdAt', 'n.readAt', sql<string | null>`app.user_name(n.created_by)`.as('createdByName')])
    .where(sql<SqlBool>`n.unit_id = app.unit_id()`);
  if (unread) query = query.where('n.readAt', 'is', null);
  return query.orderBy('n.createdAt', 'desc').orderBy('n.id', 'desc').limit(limit).execute();
}
