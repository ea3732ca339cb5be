import { type Kysely, type SqlBool, sql } from 'kysely';
import { OPEN_INCIDENT_STATES, UNIT_WORK_STATES } from '../domain/enums.ts';
import { auditRowsFrom } from '../audit/audit.repository.ts';
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

/**
 * Routing of a point (app.incident_grid, which sees every grid): the covering current grid, and for
 * the caller whether it is in their scope, whether they may report there and whether the point is in
 * a grid they serve. Undefined when no grid covers the point.
 */
export async function routeIncident(db: Db, lon: number, lat: number) {
  const point = sql`ST_SetSRID(ST_MakePoint(${lon}::float8, ${lat}::float8), 4326)`;
  const { rows: [route] } = await sql<{ gridId: number; gridCode: string; gridName: string; villageCode: string; mayReport: boolean; inScope: boolean; ownGrid: boolean }>`
    select r.id as grid_id, r.code as grid_code, r.name as grid_name, r.village_code,
      app.in_scope(r.village_code) as in_scope,
      app.incident_may('report', r.village_code, 'village', r.id, null, null) as may_report,
      exists (select 1 from grids g where g.valid_to is null and app.member_grid(g.id) and ST_Covers(g.geom, ${point})) as own_grid
    from app.incident_grid(${point}) r`.execute(db);
  return route as (typeof route | undefined);
}

export interface NewIncident {
  category: string;
  title: string;
  description: string;
  lon: number;
  lat: number;
  gridId: number;
  villageCode: string;
  priority: string;
  reporterId: number | null;
  attrs: Record<string, unknown>;
  source: string;
  sourceData: Record<string, unknown> | null;
  callerName: string | null;
  callerPhone: string | null;
  createdBy: number;
}

/** A reported incident at village level: next code of the day, due by its category's deadline. */
export async function insertIncident(db: Db, i: NewIncident) {
  const point = sql`ST_SetSRID(ST_MakePoint(${i.lon}::float8, ${i.lat}::float8), 4326)`;
  const { rows: [row] } = await sql<{ id: number; code: string }>`
    insert into incidents (code, category, title, description, location, grid_id, region_code, state, level, priority,
      reporter_id, due_at, created_at, attrs, source, source_data, caller_name, caller_phone, created_by)
    values (app.next_incident_code(now()), ${i.category}, ${i.title}, ${i.description}, ${point},
      ${i.gridId}, ${i.villageCode}, 'reported', 'village', ${i.priority},
      ${i.reporterId}, app.incident_due(${i.category}, now()), now(), ${JSON.stringify(i.attrs)}::jsonb,
      ${i.source}, ${i.sourceData ? JSON.stringify(i.sourceData) : null}::jsonb,
      ${i.callerName}, ${i.callerPhone}, ${i.createdBy})
    returning id, code`.execute(db);
  return row;
}

/** One step of an incident's timeline. */
export async function insertEvent(db: Db, e: {
  incidentId: number; actorId: number | null; actorUserId: number; action: string; fromState: IncidentState | null; toState: IncidentState;
  note: string | null; data: Record<string, unknown> | null;
}) {
  await db.insertInto('incidentEvents').values({ ...e, data: e.data === null ? null : JSON.stringify(e.data) }).execute();
}

/** What a rule violation's incident is titled from, and where it is: the target's (else the subject's) entrance or a point on it. */
export async function violationInfo(db: Db, violation: { ruleId: number; subjectId: number; targetId: number | null }) {
  const { rows: [info] } = await sql<{ ruleName: string; subjectName: string; targetName: string | null; lon: number; lat: number }>`
    select r.name as rule_name, s.name as subject_name, t.name as target_name,
      ST_X(p.geom) as lon, ST_Y(p.geom) as lat
    from rules r join sites s on s.id = ${violation.subjectId}
    left join sites t on t.id = ${violation.targetId}
    cross join lateral (select ST_PointOnSurface(coalesce(t.entrances, t.geom, s.entrances, s.geom)) as geom) p0
    cross join lateral (select ST_GeometryN(p0.geom, 1) as geom) p
    where r.id = ${violation.ruleId} and (${violation.targetId}::bigint is null or t.id is not null)`.execute(db);
  return info as (typeof info | undefined);
}

/** The open incident already reported for this violation, if any. */
export async function openIncidentOfViolation(db: Db, violation: { ruleId: number; subjectId: number; targetId: number | null }) {
  return db.selectFrom('incidents').select(['id', 'code'])
    .where('source', '=', 'rule').where('state', 'in', OPEN_INCIDENT_STATES)
    .where(sql`source_data->>'ruleId'`, '=', String(violation.ruleId))
    .where(sql`source_data->>'subjectId'`, '=', String(violation.subjectId))
    .where(sql`coalesce(source_data->>'targetId', '')`, '=', violation.targetId == null ? '' : String(violation.targetId))
    .executeTakeFirst();
}

/** The transaction's time (now()), for timestamps a step sets. */
export const transactionNow = sql<Date>`now()`;

export async function getUnit(db: Db, id: number) {
  return db.selectFrom('units').select(['id', 'name']).where('id', '=', id).executeTakeFirst();
}

/** An incident a duplicate may point to (as the caller sees it), with what it duplicates itself. */
export async function duplicateLink(db: Db, id: number) {
  return db.selectFrom('incidents').select(['id', 'code', 'duplicateOf']).where('id', '=', id).executeTakeFirst();
}

export async function incidentCode(db: Db, id: number) {
  return (await db.selectFrom('incidents').select('code').where('id', '=', id).executeTakeFirst())?.code;
}

/** Applies a step's changes if the incident is still at `version` (and moves it to the next); false if it is not. */
export async function updateIncidentAt(db: Db, id: number, version: number, set: Record<string, unknown>) {
  const updated = await db.updateTable('incidents').set({ ...set, version: version + 1 } as never)
    .where('id', '=', id).where('version', '=', version).executeTakeFirst();
  return Number(updated.numUpdatedRows) > 0;
}

export async function incidentVersion(db: Db, id: number) {
  return db.selectFrom('incidents').select(['version', 'state']).where('id', '=', id).executeTakeFirst();
}

export async function insertNotification(db: Db, n: { incidentId: number; unitId: number; kind: 'supervise'; note: string | null; createdBy: number }) {
  await db.insertInto('incidentNotifications').values(n).execute();
}

/** Whether the caller can see the incident. */
export async function incidentVisible(db: Db, id: number) {
  return !!(await db.selectFrom('incidents').select('id').where('id', '=', id).executeTakeFirst());
}

/** Marks one of the caller's unit's notifications read; false when there is no such unread one. */
export async function markNotificationRead(db: Db, id: number) {
  const result = await db.updateTable('incidentNotifications').set({ readAt: new Date() })
    .where('id', '=', id).where('readAt', 'is', null).executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/**
 * One statement: every open incident past due (and not escalated within `everyHours`) goes one
 * level up, with its timeline event, a notification to its unit and its audit entry. Returns the ids.
 */
export async function escalateDue(db: Db, now: Date, everyHours: number): Promise<number[]> {
    const { rows } = await sql<{ id: number }>`
      with due as (
        select i.id, i.state, i.level, i.unit_id, i.region_code, i.version,
          case i.level when 'village' then 'township' else 'county' end as to_level,
          case when i.state in ('reported', 'accepted') then 'escalated' else i.state end as to_state
        from incidents i
        where i.state in (${sql.join(OPEN_INCIDENT_STATES)})
          and i.due_at < ${now}::timestamptz and i.level <> 'county'
          and not exists (select 1 from incident_events e where e.incident_id = i.id and e.action = 'escalate'
            and e.at > ${now}::timestamptz - make_interval(hours => ${everyHours}))
        order by i.id
        for update skip locked
      ), up as (
        update incidents i set level = d.to_level, state = d.to_state, version = i.version + 1
        from due d where i.id = d.id
        returning i.id
      ), ev as (
        insert into incident_events (incident_id, at, actor_id, action, from_state, to_state, note, data)
        select d.id, ${now}::timestamptz, null, 'escalate', d.state, d.to_state, '超期自动升级',
          jsonb_build_object('automatic', true, 'fromLevel', d.level, 'toLevel', d.to_level)
        from due d
      ), notes as (
        insert into incident_notifications (incident_id, unit_id, kind, note, created_at)
        select d.id, d.unit_id, 'overdue', '超期自动升级至' || case d.to_level when 'township' then '乡镇' else '县' end || '级督办', ${now}::timestamptz
        from due d where d.unit_id is not null
      ), aud as (
        ${auditRowsFrom(sql`select ${now}::timestamptz, null::integer, 'incident.escalate', 'incident', d.id::text, d.region_code,
          jsonb_build_object('state', d.state, 'level', d.level, 'version', d.version),
          jsonb_build_object('state', d.to_state, 'level', d.to_level, 'version', d.version + 1, 'automatic', true)
        from due d`)}
      )
      select id from up order by id`.execute(db);
    return rows.map((r) => Number(r.id));
}

/** A stored photo's metadata (its files are the service's). */
export async function insertPhoto(db: Db, photo: {
  incidentId: number; storageKey: string; mime: 'image/jpeg' | 'image/png' | 'image/webp'; originalName: string | null; bytes: number; width: number; height: number;
  sha256: string; createdBy: number;
}) {
  return db.insertInto('incidentPhotos').values(photo).returning(['id', 'mime', 'width', 'height', 'bytes']).executeTakeFirstOrThrow();
}

/** Where a photo of an incident (visible to the caller) is stored, and its type. */
export async function photoFile(db: Db, incidentId: number, photoId: number) {
  return db.selectFrom('incidentPhotos').select(['storageKey', 'mime'])
    .where('id', '=', photoId).where('incidentId', '=', incidentId).executeTakeFirst();
}
