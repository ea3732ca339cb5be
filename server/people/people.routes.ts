import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { AppEnv } from '../http/env.ts';
import { problem } from '../http/problem.ts';
import { bodyResponses, dayOrInstant, featureCollection, Id, notFoundResponse, problemResponses, problems, RegionOrPrefectureCode, validationHook, writeResponses } from '../http/schemas.ts';
import { regionForCaller } from '../regions/regions.repository.ts';
import { decodeText } from '../imports/csv.ts';
import { duties, listUnits, searchPeople } from './people.repository.ts';
import { assign, handover, listGridAssignments, unassign } from './assignments.service.ts';
import { myArea } from './my-area.service.ts';
import { importPeople } from './people-import.service.ts';
import { createPerson, personDetail } from './people.service.ts';
import { staffingReport } from './staffing.service.ts';

/*
 * People, units, grid assignments, the staffing report and a grid member's own area. Mounted at
 * /api: the paths below are /people…, /units, /grids/{id}/assignments…, /staffing and /me/area.
 * No use('*') middleware here: mounted at /api it would run for every other API route too, so
 * role checks live in the service functions.
 */

const Duty = z.enum(duties)
  .openapi({ description: 'leader 网格长 | full_time 专职 | part_time 兼职 | police 包村民警 | mediator 调解员' });
/** An ISO 8601 instant or a date (taken as the start of that day, China time). */
const Instant = dayOrInstant('start');

const Person = z.object({
  id: z.number().int(), name: z.string(), gender: z.enum(['M', 'F']).nullable(), phone: z.string().nullable(),
  unitId: z.number().int().nullable(), unitCode: z.string().nullable(), unitName: z.string().nullable(),
  villageCode: z.string().nullable(), villageName: z.string().nullable(), regionCode: z.string(),
}).openapi('Person');
const Assignment = z.object({
  id: z.number().int(), gridId: z.number().int(), gridCode: z.string(), gridName: z.string(), villageCode: z.string(),
  households: z.number().int(), personId: z.number().int(), personName: z.string(), phone: z.string().nullable(),
  duty: Duty, validFrom: z.string(), validTo: z.string().nullable(), current: z.boolean(),
}).openapi('Assignment');
const PersonDetail = Person.extend({ createdAt: z.string(), currentGrids: z.array(Assignment), history: z.array(Assignment) }).openapi('PersonDetail');
const Unit = z.object({ id: z.number().int(), code: z.string(), name: z.string(), nameEn: z.string(), kind: z.string(), regionCode: z.string() }).openapi('Unit');
const ImportReport = z.object({
  dryRun: z.boolean(), ok: z.boolean(), rows: z.number().int(), valid: z.number().int(), inserted: z.number().int(), ids: z.array(z.number().int()),
  errors: z.array(z.object({ row: z.number().int(), column: z.string().nullable(), message: z.string(),
    code: z.string().optional(), params: z.record(z.string(), z.unknown()).optional() })),
}).openapi('PeopleImportReport');
const Counts = z.object({ code: z.string(), name: z.string(), grids: z.number().int(), noMember: z.number().int(),
  noLeader: z.number().int(), withOverloadedMember: z.number().int(), ok: z.boolean() });
const StaffingReport = z.object({
  region: z.string(), name: z.string(), level: z.enum(['prefecture', 'county', 'township', 'village']),
  thresholds: z.object({ maxGrids: z.number(), maxHouseholds: z.number(), memberDuties: z.array(z.string()) }),
  summary: z.object({ grids: z.number().int(), noMember: z.number().int(), noLeader: z.number().int(),
    withOverloadedMember: z.number().int(), overloadedPeople: z.number().int() }),
  counties: z.array(Counts).openapi({ description: 'per county: the rows of a prefecture (a county\'s report has its own one)' }),
  townships: z.array(Counts.extend({ countyCode: z.string() })), villages: z.array(Counts.extend({ townshipCode: z.string() })),
  overloaded: z.array(z.object({ personId: z.number().int(), name: z.string(), phone: z.string().nullable(), grids: z.number().int(),
    households: z.number().int(), gridCodes: z.array(z.string()), over: z.array(z.enum(['grids', 'households'])) })),
  problemGrids: featureCollection('StaffingProblemGrids', z.object({
    id: z.number().int(), code: z.string(), name: z.string(), villageCode: z.string(), villageName: z.string(), townshipCode: z.string(),
    countyCode: z.string(), layer: z.string(), households: z.number().int(), members: z.number().int(), leaders: z.number().int(), overloadedMembers: z.number().int(),
    problems: z.array(z.enum(['no_member', 'no_leader', 'overloaded_member'])),
  })),
}).openapi('StaffingReport');
const MyArea = z.object({
  person: z.object({ id: z.number().int(), name: z.string(), phone: z.string().nullable() }).nullable(),
  duties: z.array(z.object({ gridId: z.number().int(), gridCode: z.string(), gridName: z.string(), duty: Duty })),
  grids: featureCollection('MyGrids', z.object({
    id: z.number().int(), code: z.string(), name: z.string(), villageCode: z.string(), villageName: z.string(),
    households: z.number().int(), population: z.number().int(), duties: z.array(Duty),
  })),
  sitesByCategory: z.array(z.object({ category: z.string(), name: z.string(), nameEn: z.string(), color: z.string(),
    count: z.number().int(), siteIds: z.array(z.number().int()) })),
  sites: featureCollection('MyAreaSites', z.object({
    id: z.number().int(), category: z.string(), categoryName: z.string(), categoryNameEn: z.string(), name: z.string(),
    gridId: z.number().int(), attrs: z.record(z.string(), z.unknown()),
  })),
  incidents: featureCollection('MyAreaIncidents', z.object({
    id: z.number().int(), code: z.string(), category: z.string(), categoryName: z.string(), title: z.string(), state: z.string(),
    priority: z.string(), gridId: z.number().int(), createdAt: z.string(), dueAt: z.string().nullable(),
  })),
}).openapi('MyArea');

const json = <T extends z.ZodTypeAny>(schema: T) => ({ body: { required: true, content: { 'application/json': { schema } } } });
const ok = <T extends z.ZodTypeAny>(description: string, schema: T) => ({ description, content: { 'application/json': { schema } } });
const forbidden = { 403: { ...problems[403], description: 'Not allowed for this role or outside the caller\'s scope, a read-only token or a cross-site request' } } as const;
const conflict = { 409: { ...problems[409], description: 'The change conflicts with the current assignments' } } as const;
const unprocessable = { 422: { ...problems[422], description: 'The data cannot be used (says why)' } } as const;

export function peopleRoutes() {

  const GridParam = z.object({ id: Id });
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })

  .openapi(createRoute({
    method: 'get', path: '/people', tags: ['people'], summary: 'Search the people directory by name, phone, unit or village (within the caller\'s scope)',
    request: { query: z.object({
      q: z.string().trim().max(50).optional(), unit: z.string().max(40).optional().openapi({ description: 'unit code or id' }),
      village: RegionOrPrefectureCode.optional()
        .openapi({ description: 'a village, or a township, county or (for prefecture-wide accounts) prefecture for its subtree' }),
      limit: z.coerce.number().int().min(1).max(500).default(50), offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
    }) },
    responses: { 200: ok('Matching people', z.object({ total: z.number().int(), items: z.array(Person) })), ...problemResponses, ...notFoundResponse },
  }), async (c) => {
    const { village, ...filter } = c.req.valid('query');
    const db = c.get('db');
    const villagePrefix = village ? (await regionForCaller(db, c.get('user')!.scopeCode, village))?.prefix : undefined;
    if (village && !villagePrefix) throw problem('region.not-found');
    return c.json(await searchPeople(db, { ...filter, q: filter.q || undefined, villagePrefix }), 200);
  })

  .openapi(createRoute({
    method: 'post', path: '/people', tags: ['people'], summary: 'Add a person (planners and administrators, in their scope; audited)',
    request: json(z.object({
      name: z.string().trim().min(1).max(50), phone: z.string().trim().regex(/^[0-9+-]{5,20}$/, '5–20 digits, + or -').nullable().optional(),
      gender: z.enum(['M', 'F']).nullable().optional(), unitCode: z.string().max(40).nullable().optional(),
      villageCode: z.string().regex(/^\d{12}$/, 'a 12-digit village code').nullable().optional(),
    }).refine((b) => b.unitCode || b.villageCode, 'give a unitCode, a villageCode, or both')),
    responses: { 201: ok('The new person', Person), ...bodyResponses, ...forbidden, ...unprocessable },
  }), async (c) => c.json(await createPerson(c.get('db'), c.get('user')!, c.req.valid('json')), 201))

  .openapi(createRoute({
    method: 'post', path: '/people/import', tags: ['people'],
    summary: 'Import people from CSV (text/csv, or multipart field "file"): name, phone, gender, unit, village; all or nothing, with a row-by-row report',
    request: { query: z.object({ dryRun: z.enum(['true', 'false', '1', '0']).optional() }) },
    responses: { 200: ok('Dry run report', ImportReport), 201: ok('Imported', ImportReport), ...problemResponses, ...forbidden,
      413: problems[413],
      415: { ...problems[415], description: 'Neither text/csv nor multipart/form-data' },
      422: { ...problems[422], description: 'Row errors (nothing imported): the same report, as a problem' } },
  }), async (c) => {
    const type = c.req.header('content-type') ?? '';
    let text: string;
    let dryRun = ['true', '1'].includes(c.req.valid('query').dryRun ?? '');
    if (type.startsWith('multipart/form-data')) {
      const form = await c.req.parseBody();
      const file = form.file;
      if (!(file instanceof File)) throw problem('file.field-missing');
      text = decodeText(new Uint8Array(await file.arrayBuffer()));
      if (typeof form.dryRun === 'string' && ['true', '1'].includes(form.dryRun)) dryRun = true;
    } else if (/^(text\/csv|text\/plain|application\/csv)\b/.test(type)) {
      text = decodeText(new Uint8Array(await c.req.arrayBuffer()));
    } else {
      throw problem('people-import.unsupported-media-type');
    }
    const report = await importPeople(c.get('db'), c.get('user')!, text, dryRun);
    return c.json(report, dryRun ? 200 : 201);
  })

  .openapi(createRoute({
    method: 'get', path: '/people/{id}', tags: ['people'], summary: 'A person with their current grids and assignment history',
    request: { params: z.object({ id: Id }) },
    responses: { 200: ok('Person', PersonDetail), ...problemResponses, ...notFoundResponse },
  }), async (c) => c.json(await personDetail(c.get('db'), c.req.valid('param').id), 200))

  .openapi(createRoute({
    method: 'get', path: '/units', tags: ['people'], summary: 'Departments and offices (units)',
    responses: { 200: ok('Units', z.array(Unit)), ...problemResponses },
  }), async (c) => c.json(await listUnits(c.get('db')), 200))
  .openapi(createRoute({
    method: 'get', path: '/grids/{id}/assignments', tags: ['people'], summary: 'Who answers for a grid: current assignments, or the whole history',
    request: { params: GridParam, query: z.object({ history: z.enum(['true', 'false', '1', '0']).optional() }) },
    responses: { 200: ok('Assignments', z.object({ gridId: z.number().int(), gridCode: z.string(), assignments: z.array(Assignment) })), ...problemResponses, ...notFoundResponse },
  }), async (c) => {
    const { grid, assignments } = await listGridAssignments(c.get('db'), c.req.valid('param').id, ['true', '1'].includes(c.req.valid('query').history ?? ''));
    return c.json({ gridId: grid.id, gridCode: grid.code, assignments }, 200);
  })

  .openapi(createRoute({
    method: 'post', path: '/grids/{id}/assignments', tags: ['people'], summary: 'Assign a person to the grid with a duty (planners and administrators)',
    request: { params: GridParam, ...json(z.object({ personId: Id, duty: Duty, validFrom: Instant.optional() })) },
    responses: { 201: ok('The grid\'s current assignments', z.object({ id: z.number().int(), assignments: z.array(Assignment) })),
      ...bodyResponses, ...notFoundResponse, ...forbidden, ...conflict, ...unprocessable },
  }), async (c) => {
    const db = c.get('db');
    const { id: gridId } = c.req.valid('param');
    const { id } = await assign(db, c.get('user')!, gridId, c.req.valid('json'));
    return c.json({ id, assignments: (await listGridAssignments(db, gridId, false)).assignments }, 201);
  })

  .openapi(createRoute({
    method: 'delete', path: '/grids/{id}/assignments', tags: ['people'],
    summary: 'End a person\'s assignments on the grid (all duties, or one); history is kept',
    request: { params: GridParam, query: z.object({ personId: Id, duty: Duty.optional(), at: Instant.optional() }) },
    responses: { 200: ok('Ended assignment ids', z.object({ ended: z.array(z.number().int()) })), ...writeResponses, ...notFoundResponse, ...forbidden, ...unprocessable },
  }), async (c) => {
    const { personId, duty, at } = c.req.valid('query');
    return c.json({ ended: await unassign(c.get('db'), c.get('user')!, c.req.valid('param').id, { personId, duty }, at) }, 200);
  })

  .openapi(createRoute({
    method: 'delete', path: '/grids/{id}/assignments/{assignmentId}', tags: ['people'], summary: 'End one assignment; history is kept',
    request: { params: z.object({ id: Id, assignmentId: Id }), query: z.object({ at: Instant.optional() }) },
    responses: { 200: ok('Ended assignment ids', z.object({ ended: z.array(z.number().int()) })), ...writeResponses, ...notFoundResponse, ...forbidden, ...conflict, ...unprocessable },
  }), async (c) => {
    const { id, assignmentId } = c.req.valid('param');
    return c.json({ ended: await unassign(c.get('db'), c.get('user')!, id, { assignmentId }, c.req.valid('query').at) }, 200);
  })

  .openapi(createRoute({
    method: 'post', path: '/grids/{id}/assignments/handover', tags: ['people'],
    summary: 'Hand a duty over from one person to another: one assignment ends and the next begins at the same instant',
    request: { params: GridParam, ...json(z.object({ fromPersonId: Id, toPersonId: Id, duty: Duty, at: Instant.optional() })) },
    responses: { 200: ok('The handover and the grid\'s current assignments', z.object({
      closed: z.number().int(), opened: z.number().int(), at: z.string(), assignments: z.array(Assignment) })),
    ...bodyResponses, ...notFoundResponse, ...forbidden, ...conflict, ...unprocessable },
  }), async (c) => {
    const db = c.get('db');
    const { id } = c.req.valid('param');
    const result = await handover(db, c.get('user')!, id, c.req.valid('json'));
    return c.json({ ...result, assignments: (await listGridAssignments(db, id, false)).assignments }, 200);
  })

  .openapi(createRoute({
    method: 'get', path: '/staffing', tags: ['people'],
    summary: 'Staffing of a region\'s grids: no member, no leader, overloaded people; per county, township and village; problem grids as GeoJSON',
    request: { query: z.object({ region: RegionOrPrefectureCode.optional().openapi({ description: 'A 12-digit region code, or a 4-digit '
      + 'prefecture code (its counties are the rows), which only prefecture-wide accounts see: for anyone else it is an unknown region (404). '
      + 'Default: the caller\'s scope (a prefecture for a 4-digit scope).' }) }) },
    responses: { 200: ok('Staffing report', StaffingReport), ...problemResponses, ...notFoundResponse },
  }), async (c) => c.json(await staffingReport(c.get('db'), c.get('user')!, c.req.valid('query').region) as never, 200))

  .openapi(createRoute({
    method: 'get', path: '/me/area', tags: ['people'],
    summary: 'A grid member\'s own area: their grids, the key sites in them by category, open incidents, their duties',
    responses: { 200: ok('My area', MyArea), ...problemResponses, ...forbidden },
  }), async (c) => c.json(await myArea(c.get('db'), c.get('user')!), 200));
}
