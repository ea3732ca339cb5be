import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { toFeatureCollection } from '../db/geo.ts';
import type { AppEnv } from '../http/env.ts';
import { problem } from '../http/problem.ts';
import { bodyResponses, Day, featureCollection, Id, Instant, notFoundResponse, problemResponses, problems, RegionOrPrefectureCode, validationHook } from '../http/schemas.ts';
import { regionForCaller } from '../regions/regions.repository.ts';
import { listPatrols, listRules } from './patrols.repository.ts';
import { checkIn, compliance, supervisorRoles, updateRule } from './patrols.service.ts';

/*
 * Patrol rules, check-ins with proof of presence, and the compliance report. Mounted at /api:
 * /patrol-rules, /patrols, /patrols/compliance. (No use('*') here: at /api it would wrap every route.)
 */


const PatrolRule = z.object({
  id: z.number().int(), code: z.string(), category: z.string(), categoryName: z.string(), categoryNameEn: z.string(),
  name: z.string(), nameEn: z.string(), months: z.array(z.number().int()).nullable(), weekdays: z.array(z.number().int()).nullable(),
  windows: z.array(z.string()), timesPerDay: z.number().int(), maxDistanceM: z.number(), basis: z.string(), enabled: z.boolean(),
}).openapi('PatrolRule');
const CheckIn = z.object({
  id: z.number().int(), siteId: z.number().int(), siteName: z.string(), gridId: z.number().int(), ruleId: z.number().int().nullable(),
  window: z.string().nullable(), at: z.string(), recordedAt: z.string(), distanceM: z.number(), maxDistanceM: z.number(), accepted: z.boolean(),
}).openapi('CheckIn');
const PatrolCollection = featureCollection('PatrolCollection', z.object({
  id: z.number().int(), personId: z.number().int(), personName: z.string(), siteId: z.number().int(), siteName: z.string(), category: z.string(),
  ruleId: z.number().int().nullable(), gridId: z.number().int(), regionCode: z.string(), at: z.string(), recordedAt: z.string(),
  accuracyM: z.number().nullable(), distanceM: z.number(), accepted: z.boolean(),
}));
const Counts = { due: z.number().int(), done: z.number().int(), missed: z.number().int(), pending: z.number().int() };
const Compliance = z.object({
  region: z.string(), name: z.string(), level: z.enum(['prefecture', 'county', 'township', 'village']),
  from: z.string(), to: z.string(), timeZone: z.string(),
  summary: z.object({ grids: z.number().int(), ...Counts }),
  counties: z.array(z.object({ code: z.string(), name: z.string(), grids: z.number().int(), ...Counts }))
    .openapi({ description: 'per county of the region: a prefecture\'s rows (every county, zero rows included); a county has its own one; none below' }),
  grids: z.array(z.object({ gridId: z.number().int(), gridCode: z.string(), gridName: z.string(), villageCode: z.string(), sites: z.number().int(), ...Counts })),
  members: z.array(z.object({ personId: z.number().int(), name: z.string(), regionCode: z.string().openapi({ description: 'the person\'s village or unit region' }),
    grids: z.number().int(), coveredByOthers: z.number().int(), ...Counts })),
}).openapi('PatrolCompliance');

const ok = <T extends z.ZodTypeAny>(description: string, schema: T) => ({ description, content: { 'application/json': { schema } } });

export function patrolRoutes() {

  const Window = z.string().regex(/^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$/, 'a local time window HH:MM-HH:MM');
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })

  .openapi(createRoute({
    method: 'get', path: '/patrol-rules', tags: ['patrols'], summary: 'Patrol rules per site category: months, weekdays, time windows, allowed distance',
    responses: { 200: ok('Rules', z.array(PatrolRule)), ...problemResponses },
  }), async (c) => c.json(await listRules(c.get('db')), 200))
  .openapi(createRoute({
    method: 'patch', path: '/patrol-rules/{id}', tags: ['patrols'],
    summary: 'Change a patrol rule: months, weekdays, time windows, allowed distance, enabled (administrators; audited)',
    request: { params: z.object({ id: Id }), body: { required: true, content: { 'application/json': { schema: z.object({
      months: z.array(z.number().int().min(1).max(12)).min(1).max(12).nullable().optional().openapi({ description: 'null: every month' }),
      weekdays: z.array(z.number().int().min(1).max(7)).min(1).max(7).nullable().optional().openapi({ description: 'ISO weekdays, 1 = Monday; null: every day' }),
      windows: z.array(Window).min(1).max(12).optional(),
      maxDistanceM: z.number().min(5).max(5000).optional().openapi({ description: 'how near a check-in must be, in metres' }),
      enabled: z.boolean().optional(),
    }).strict() } } } },
    responses: { 200: ok('The rule as changed', PatrolRule), ...problemResponses, ...notFoundResponse,
      ...bodyResponses, 403: { ...problems[403], description: 'For administrators (also a read-only token or a cross-site request)' },
      422: { ...problems[422], description: 'A window that ends before it starts' } },
  }), async (c) => c.json(await updateRule(c.get('db'), c.get('user')!, c.req.valid('param').id, c.req.valid('json')), 200))

  .openapi(createRoute({
    method: 'post', path: '/patrols', tags: ['patrols'],
    summary: 'Check in at a site of one of your grids; the server measures the geodesic distance and refuses one that is too far',
    request: { body: { required: true, content: { 'application/json': { schema: z.object({
      siteId: Id, lon: z.number().min(-180).max(180), lat: z.number().min(-90).max(90),
      at: Instant.optional().openapi({ description: 'when the member was there (phones may sync later); default now' }),
      accuracyM: z.number().min(0).max(100_000).optional().openapi({ description: 'the phone\'s reported accuracy, kept for review' }),
    }) } } } },
    responses: { 201: ok('Accepted check-in', CheckIn), ...problemResponses, ...notFoundResponse,
      ...bodyResponses, 403: { ...problems[403], description: 'The account is not linked to a person (also a read-only token or a cross-site request)' },
      422: { ...problems[422], description: 'Too far from the site (`/problems/too-far` with distanceM, maxDistanceM), or a time out of range' } },
  }), async (c) => c.json(await checkIn(c.get('db'), c.get('user')!, c.req.valid('json')), 201))

  .openapi(createRoute({
    method: 'get', path: '/patrols', tags: ['patrols'],
    summary: 'Check-ins as points: a grid member sees their own, supervisors those of their scope',
    request: { query: z.object({
      from: Instant.optional(), to: Instant.optional(), region: RegionOrPrefectureCode.optional(), person: Id.optional(), site: Id.optional(),
      limit: z.coerce.number().int().min(1).max(5000).default(1000),
    }) },
    responses: { 200: ok('Check-ins', PatrolCollection), ...problemResponses, ...notFoundResponse },
  }), async (c) => {
    const { from, to, region, person, site, limit } = c.req.valid('query');
    const db = c.get('db');
    const prefix = region ? (await regionForCaller(db, c.get('user')!.scopeCode, region))?.prefix : undefined;
    if (region && !prefix) throw problem('region.not-found');
    const end = to ?? new Date(Date.now() + 60_000);
    const start = from ?? new Date(end.getTime() - 7 * 86_400_000);
    const rows = await listPatrols(db, { from: start, to: end, prefix, personId: person, siteId: site, limit });
    return c.json(toFeatureCollection(rows), 200);
  })

  .openapi(createRoute({
    method: 'get', path: '/patrols/compliance', tags: ['patrols'],
    summary: 'Patrol compliance per grid, per member and per county for a period of local days: due, done, missed, pending (supervisors)',
    request: { query: z.object({
      region: RegionOrPrefectureCode.optional().openapi({ description: 'A 12-digit region code, or a 4-digit prefecture code, which only '
        + 'prefecture-wide accounts see: for anyone else it is an unknown region (404). Default: the caller\'s scope (a prefecture for a 4-digit scope).' }),
      from: Day.optional(), to: Day.optional(),
    }) },
    responses: { 200: ok('Compliance', Compliance), ...problemResponses, ...notFoundResponse,
      403: { ...problems[403], description: 'For supervisors: ' + supervisorRoles.join(', ') } },
  }), async (c) => {
    const user = c.get('user');
    if (!user) throw problem('auth.unauthenticated');
    return c.json(await compliance(c.get('db'), user, c.req.valid('query')), 200);
  });
}
