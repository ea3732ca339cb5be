import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { INCIDENT_LEVELS, INCIDENT_STATES } from '../domain/enums.ts';
import type { Context } from 'hono';
import type { Kysely } from 'kysely';
import { requireCapability } from '../auth/authorize.ts';
import type { Database } from '../db/schema.ts';
import type { AppEnv } from '../http/env.ts';
import { problem } from '../http/problem.ts';
import { bodyResponses, dayOrInstant, Geometry, Id, notFoundResponse, problemResponses, problems, RegionCode, validationHook, writeResponses } from '../http/schemas.ts';
import { regionPrefix } from '../regions/regions.repository.ts';
import { settingValue } from '../settings/settings.repository.ts';
import { addPhoto, readPhoto } from './incidents.photos.ts';
import {
  getIncident, gridMembers, listCategories, listIncidents, notificationsForUnit, photos, timeline,
} from './incidents.repository.ts';
import { act, createIncident, duplicatesOf, readNotification, reportRuleViolation } from './incidents.service.ts';

type Db = Kysely<Database>;

export const workflowActions = ['accept', 'reject', 'duplicate', 'escalate', 'dispatch', 'start', 'resolve', 'close', 'reopen', 'confirm', 'supervise'] as const;

const iso = (d: Date | string | null | undefined) => (d == null ? null : new Date(d).toISOString());
const num = (v: number | string | null | undefined) => (v == null ? null : Number(v));

const IncidentCategory = z.object({
  code: z.string(), parentCode: z.string().nullable(), name: z.string(), nameEn: z.string(), deadlineHours: z.number().int(),
  defaultUnitCode: z.string().nullable(), defaultUnitId: z.number().int().nullable(), defaultUnitName: z.string().nullable(),
  attrSchema: z.record(z.string(), z.unknown()),
}).openapi('IncidentCategory');

const Summary = z.object({
  id: z.number().int(), code: z.string(), category: z.string(), categoryName: z.string(), categoryNameEn: z.string(), title: z.string(),
  state: z.enum(INCIDENT_STATES), level: z.enum(INCIDENT_LEVELS), priority: z.string(), regionCode: z.string(),
  gridId: z.number().int().nullable(), gridCode: z.string().nullable(), unitId: z.number().int().nullable(), unitName: z.string().nullable(),
  reporterId: z.number().int().nullable(), source: z.string(), dueAt: z.string().nullable(), createdAt: z.string(),
  resolvedAt: z.string().nullable(), closedAt: z.string().nullable(), version: z.number().int(),
  overdue: z.boolean(), nearDue: z.boolean(),
});
const IncidentList = z.object({
  type: z.literal('FeatureCollection'),
  features: z.array(z.object({ type: z.literal('Feature'), id: z.number().int(), geometry: Geometry.nullable(), properties: Summary })),
  total: z.number().int(), limit: z.number().int(), offset: z.number().int(),
}).openapi('IncidentList');
const Event = z.object({
  id: z.number().int(), at: z.string(), action: z.string(), fromState: z.string().nullable(), toState: z.string().nullable(),
  note: z.string().nullable(), data: z.record(z.string(), z.unknown()).nullable(), actorId: z.number().int().nullable(),
  actorName: z.string().nullable(),
});
const Duplicate = z.object({ id: z.number().int(), code: z.string(), title: z.string(), state: z.string(), createdAt: z.string(), distanceM: z.number() });
const Detail = z.object({
  type: z.literal('Feature'), id: z.number().int(), geometry: Geometry.nullable(),
  properties: Summary.extend({
    description: z.string(), attrs: z.record(z.string(), z.unknown()), sourceData: z.record(z.string(), z.unknown()).nullable(),
    callerName: z.string().nullable(), callerPhone: z.string().nullable(), reporterName: z.string().nullable(),
    duplicateOf: z.number().int().nullable(), duplicateOfCode: z.string().nullable(), result: z.string().nullable(),
    confirmedAt: z.string().nullable(), satisfied: z.boolean().nullable(), deadlineHours: z.number().int(),
    gridName: z.string().nullable(), villageName: z.string().nullable(), townshipCode: z.string().nullable(), townshipName: z.string().nullable(),
    suggestedUnitId: z.number().int().nullable(), suggestedUnitName: z.string().nullable(),
    members: z.array(z.object({ id: z.number().int(), name: z.string(), phone: z.string().nullable(), duty: z.string() })),
    allowedActions: z.array(z.string()), mayAddPhotos: z.boolean(),
    photos: z.array(z.object({ id: z.number().int(), mime: z.string(), width: z.number().int(), height: z.number().int(), bytes: z.number().int(),
      url: z.string(), thumbUrl: z.string() })),
    timeline: z.array(Event),
    duplicates: z.array(Duplicate).optional(),
  }),
}).openapi('IncidentDetail');

const Point = z.object({ type: z.literal('Point'), coordinates: z.tuple([z.number().min(-180).max(180), z.number().min(-90).max(90)]) });
const IncidentBody = z.object({
  category: z.string().regex(/^[a-z_]+([.][a-z_]+)?$/, 'a category code'),
  title: z.string().trim().min(1).max(200),
  description: z.string().max(5000).optional(),
  location: Point,
  priority: z.enum(['low', 'normal', 'high', 'urgent']).optional(),
  attrs: z.record(z.string(), z.unknown()).optional(),
  caller: z.object({ name: z.string().trim().min(1).max(50), phone: z.string().regex(/^[0-9+-]{5,20}$/).nullable().optional() }).optional(),
}).openapi('IncidentInput');
const ActionBody = z.object({
  action: z.enum(workflowActions),
  note: z.string().max(5000).nullable().optional(),
  unitId: z.number().int().positive().nullable().optional(),
  version: z.number().int().positive().optional(),
  data: z.record(z.string(), z.unknown()).nullable().optional(),
}).openapi('IncidentAction');

const csv = <T extends string>(values: readonly T[]) => z.string()
  .transform((v) => v.split(','))
  .pipe(z.array(z.enum(values as unknown as [T, ...T[]])));
const Bool = z.enum(['true', 'false']).transform((v) => v === 'true');
const ListQuery = z.object({
  state: csv(INCIDENT_STATES).optional(),
  category: z.string().regex(/^[a-z_.]+(,[a-z_.]+)*$/).transform((v) => v.split(',')).optional(),
  region: RegionCode.optional(), grid: Id.optional(), unit: Id.optional(),
  from: dayOrInstant('start').optional(), to: dayOrInstant('start').optional(),
  overdue: Bool.optional(), nearDue: Bool.optional(), q: z.string().trim().min(1).max(100).optional(),
  view: z.enum(['queue', 'inbox', 'mine']).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(50), offset: z.coerce.number().int().min(0).default(0),
});

type Row = Awaited<ReturnType<typeof listIncidents>>['rows'][number];
function summary(r: Row) {
  return {
    id: Number(r.id), code: r.code, category: r.category, categoryName: r.categoryName, categoryNameEn: r.categoryNameEn, title: r.title,
    state: r.state, level: r.level, priority: r.priority, regionCode: r.regionCode, gridId: num(r.gridId), gridCode: r.gridCode,
    unitId: num(r.unitId), unitName: r.unitName, reporterId: num(r.reporterId), source: r.source, dueAt: iso(r.dueAt),
    createdAt: iso(r.createdAt)!, resolvedAt: iso(r.resolvedAt), closedAt: iso(r.closedAt), version: r.version,
    overdue: r.clock === 'overdue', nearDue: r.clock === 'near_due',
  };
}

const nearFraction = async (db: Db) => Number(await settingValue(db, 'incidents.nearDueFraction', 0.2));

/** The detail answer: the incident with routing, allowed actions, photos and timeline. */
export async function incidentDetail(db: Db, id: number) {
  const r = await getIncident(db, id, await nearFraction(db));
  if (!r) throw problem('incident.not-found');
  const [members, events, pics] = await Promise.all([gridMembers(db, num(r.gridId)), timeline(db, id), photos(db, id)]);
  return {
    type: 'Feature' as const, id: Number(r.id), geometry: r.geometry,
    properties: {
      ...summary(r), description: r.description, attrs: r.attrs, sourceData: r.sourceData, callerName: r.callerName, callerPhone: r.callerPhone,
      reporterName: r.reporterName, duplicateOf: num(r.duplicateOf), duplicateOfCode: r.duplicateOfCode, result: r.result,
      confirmedAt: iso(r.confirmedAt), satisfied: r.satisfied, deadlineHours: r.deadlineHours, gridName: r.gridName,
      villageName: r.villageName, townshipCode: r.townshipCode, townshipName: r.townshipName,
      suggestedUnitId: num(r.suggestedUnitId), suggestedUnitName: r.suggestedUnitName,
      members: members.map((m) => ({ ...m, id: Number(m.id) })),
      allowedActions: r.allowedActions, mayAddPhotos: r.mayAddPhotos,
      photos: pics.map((p) => ({ id: Number(p.id), mime: p.mime, width: p.width, height: p.height, bytes: p.bytes,
        url: `/api/incidents/${id}/photos/${p.id}`, thumbUrl: `/api/incidents/${id}/photos/${p.id}/thumb` })),
      timeline: events.map((e) => ({ id: Number(e.id), at: iso(e.at)!, action: e.action, fromState: e.fromState, toState: e.toState,
        note: e.note, data: e.data, actorId: num(e.actorId), actorName: e.actorName ?? e.actorUserName })),
    },
  };
}

const described = (status: keyof typeof problems, description: string) => ({ ...problems[status], description });

const photoRoute = (thumb: boolean) => createRoute({
  method: 'get', path: `/incidents/{id}/photos/{photoId}${thumb ? '/thumb' : ''}`, tags: ['incidents'],
  summary: thumb ? 'A photo\'s thumbnail (JPEG, at most 320 px)' : 'A photo, re-encoded without metadata',
  request: { params: z.object({ id: Id, photoId: Id }) },
  responses: { 200: { description: 'Image', content: { 'image/*': { schema: z.any().openapi({ type: 'string', format: 'binary' }) } } }, ...problemResponses, ...notFoundResponse },
});
async function photoResponse(c: Context<AppEnv>, { id, photoId }: { id: number; photoId: number }, thumb: boolean) {
  const photo = await readPhoto(c.get('db'), id, photoId, thumb);
  return c.body(new Uint8Array(photo.bytes), 200, { 'content-type': photo.mime, 'cache-control': 'private, max-age=86400' }) as never;
}

export function incidentRoutes() {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })

  .openapi(createRoute({
    method: 'get', path: '/incident-categories', tags: ['incidents'],
    summary: 'Incident taxonomy (data): categories and sub-categories with deadline, default unit and a JSON Schema of extra fields',
    responses: { 200: { description: 'Categories', content: { 'application/json': { schema: z.object({ items: z.array(IncidentCategory) }) } } }, ...problemResponses },
  }), async (c) => {
    const rows = await listCategories(c.get('db'));
    return c.json({ items: rows.map((r) => ({ ...r, defaultUnitId: num(r.defaultUnitId) })) as z.infer<typeof IncidentCategory>[] }, 200);
  })

  .openapi(createRoute({
    method: 'get', path: '/incidents', tags: ['incidents'],
    summary: 'Incidents in scope with filters and paging; view=queue (reported/escalated the caller takes up), inbox (dispatched to my unit), mine (I reported)',
    request: { query: ListQuery },
    responses: { 200: { description: 'Incidents', content: { 'application/json': { schema: IncidentList } } }, ...problemResponses, ...notFoundResponse },
  }), async (c) => {
    const q = c.req.valid('query');
    const db = c.get('db');
    const prefix = q.region ? await regionPrefix(db, q.region) : undefined;
    if (q.region && !prefix) throw problem('region.not-found');
    const { total, rows } = await listIncidents(db, {
      states: q.state, categories: q.category, prefix, gridId: q.grid, unitId: q.unit, from: q.from, to: q.to,
      overdue: q.overdue, nearDue: q.nearDue, q: q.q, view: q.view, limit: q.limit, offset: q.offset,
    }, await nearFraction(db));
    return c.json({
      type: 'FeatureCollection' as const, total, limit: q.limit, offset: q.offset,
      features: rows.map((r) => ({ type: 'Feature' as const, id: Number(r.id), geometry: r.geometry, properties: summary(r) })),
    }, 200);
  })

  .openapi(createRoute({
    method: 'post', path: '/incidents', tags: ['incidents'],
    summary: 'Report an incident at a point: routed to the covering grid (lowest code on edges), its village, township and members; due from the category; duplicate suggestions in the answer',
    request: { body: { required: true, content: { 'application/json': { schema: IncidentBody } } } },
    responses: { 201: { description: 'The new incident', content: { 'application/json': { schema: Detail } } }, ...bodyResponses,
      403: described(403, 'Not allowed to report here'), 422: described(422, 'Unknown category, bad extra fields, or a point in no grid') },
  }), async (c) => {
    const body = c.req.valid('json');
    const db = c.get('db');
    const created = await createIncident(db, c.get('user')!, {
      category: body.category, title: body.title, description: body.description, point: body.location.coordinates,
      priority: body.priority, attrs: body.attrs, caller: body.caller ?? null,
    });
    const detail = await incidentDetail(db, created.id);
    return c.json({ ...detail, properties: { ...detail.properties, duplicates: created.duplicates.map((d) => ({ ...d, createdAt: iso(d.createdAt)! })) } }, 201);
  })

  .openapi(createRoute({
    method: 'post', path: '/incidents/from-rule', tags: ['incidents'],
    summary: 'Report a spatial rule violation (from POST /api/rules/{id}/run) as an incident at the target site; the same open violation is reported once',
    request: { body: { required: true, content: { 'application/json': { schema: z.object({
      ruleId: z.number().int().positive(), subjectId: z.number().int().positive(), targetId: z.number().int().positive().nullable(),
      distanceM: z.number().nonnegative().nullable().optional(), category: z.string().regex(/^[a-z_]+([.][a-z_]+)?$/).optional(),
    }).openapi('RuleViolationReport') } } } },
    responses: { 201: { description: 'The new incident', content: { 'application/json': { schema: Detail } } }, ...bodyResponses, ...notFoundResponse,
      403: described(403, 'Not allowed to report here'), 409: described(409, 'Already reported and still open (incidentId)'),
      422: described(422, 'Unknown category, or the violation does not hold') },
  }), async (c) => {
    const { category, ...violation } = c.req.valid('json');
    const db = c.get('db');
    const created = await reportRuleViolation(db, c.get('user')!, violation, category);
    return c.json(await incidentDetail(db, created.id), 201);
  })

  .openapi(createRoute({
    method: 'get', path: '/incidents/{id}', tags: ['incidents'], summary: 'One incident with routing, timeline, photos and the actions the caller may take',
    request: { params: z.object({ id: Id }) },
    responses: { 200: { description: 'Incident', content: { 'application/json': { schema: Detail } } }, ...problemResponses, ...notFoundResponse },
  }), async (c) => c.json(await incidentDetail(c.get('db'), c.req.valid('param').id), 200))

  .openapi(createRoute({
    method: 'get', path: '/incidents/{id}/duplicates', tags: ['incidents'], summary: 'Possible duplicates: same category within 50 m and 7 days (settings)',
    request: { params: z.object({ id: Id }) },
    responses: { 200: { description: 'Candidates, nearest first', content: { 'application/json': { schema: z.object({ items: z.array(Duplicate) }) } } }, ...problemResponses, ...notFoundResponse },
  }), async (c) => {
    const items = await duplicatesOf(c.get('db'), c.req.valid('param').id);
    return c.json({ items: items.map((d) => ({ ...d, createdAt: iso(d.createdAt)! })) }, 200);
  })

  .openapi(createRoute({
    method: 'post', path: '/incidents/{id}/actions', tags: ['incidents'],
    summary: 'A workflow step: accept, reject (note), duplicate (data.duplicateOf), escalate, dispatch (unitId), start, resolve (note), close, reopen (note), confirm (data.satisfied), supervise (note; notifies the unit)',
    request: { params: z.object({ id: Id }), body: { required: true, content: { 'application/json': { schema: ActionBody } } } },
    responses: { 200: { description: 'The incident after the step', content: { 'application/json': { schema: Detail } } }, ...bodyResponses, ...notFoundResponse,
      403: described(403, 'The caller may not take this action (allowedActions lists what they may)'),
      409: described(409, 'Stale version (currentVersion) or an action that does not lead out of the current state (currentState)'),
      422: described(422, 'Missing reason, result, unit or duplicate') },
  }), async (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    const db = c.get('db');
    await act(db, c.get('user')!, id, { ...body, unitId: body.unitId ?? undefined });
    return c.json(await incidentDetail(db, id), 200);
  })

  .openapi(createRoute({
    method: 'post', path: '/incidents/{id}/photos', tags: ['incidents'],
    summary: 'Add a photo (multipart field "file"): JPEG, PNG or WebP by content, at most 10 MB; served re-encoded without EXIF (location), with a thumbnail',
    request: { params: z.object({ id: Id }), body: { required: true, content: { 'multipart/form-data': { schema: z.object({
      file: z.any().openapi({ type: 'string', format: 'binary' }) }) } } } },
    responses: { 201: { description: 'The stored photo', content: { 'application/json': { schema: z.object({
      id: z.number().int(), mime: z.string(), width: z.number().int(), height: z.number().int(), bytes: z.number().int(), url: z.string(), thumbUrl: z.string() }) } } },
    ...bodyResponses, ...notFoundResponse, 403: described(403, 'Not allowed'), 413: described(413, 'Larger than 10 MB'), 415: described(415, 'Not a JPEG, PNG or WebP image') },
  }), async (c) => {
    const { id } = c.req.valid('param');
    const file = c.req.valid('form').file as unknown;
    if (!(file instanceof File)) throw problem('file.field-missing');
    const photo = await addPhoto(c.get('db'), c.get('user')!, id, { name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) });
    return c.json({ ...photo, url: `/api/incidents/${id}/photos/${photo.id}`, thumbUrl: `/api/incidents/${id}/photos/${photo.id}/thumb` }, 201);
  })

  .openapi(photoRoute(false), async (c) => photoResponse(c, c.req.valid('param'), false))

  .openapi(photoRoute(true), async (c) => photoResponse(c, c.req.valid('param'), true))

  .openapi(createRoute({
    method: 'get', path: '/incident-notifications', tags: ['incidents'], summary: 'The unit inbox\'s notifications: supervision notes (督办) and automatic escalations',
    request: { query: z.object({ unread: Bool.optional(), limit: z.coerce.number().int().min(1).max(500).default(100) }) },
    responses: { 200: { description: 'Notifications, newest first', content: { 'application/json': { schema: z.object({ items: z.array(z.object({
      id: z.number().int(), incidentId: z.number().int(), incidentCode: z.string(), incidentTitle: z.string(), unitId: z.number().int(),
      kind: z.string(), note: z.string().nullable(), createdAt: z.string(), readAt: z.string().nullable(), createdByName: z.string().nullable() })) }) } } },
    ...problemResponses },
  }), async (c) => {
    const q = c.req.valid('query');
    const rows = await notificationsForUnit(c.get('db'), q.unread ?? false, q.limit);
    return c.json({ items: rows.map((n) => ({ ...n, id: Number(n.id), incidentId: Number(n.incidentId), createdAt: iso(n.createdAt)!, readAt: iso(n.readAt) })) }, 200);
  })

  .openapi(createRoute({
    method: 'post', path: '/incident-notifications/{id}/read', tags: ['incidents'], summary: 'Mark a notification of my unit as read',
    request: { params: z.object({ id: Id }) },
    responses: { 204: { description: 'Marked' }, ...writeResponses, ...notFoundResponse },
  }), async (c) => {
    await requireCapability(c, 'handleAsUnit');
    await readNotification(c.get('db'), c.get('user')!, c.req.valid('param').id);
    return c.body(null, 204);
  });
}
