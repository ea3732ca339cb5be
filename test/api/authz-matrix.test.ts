import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertUser } from '../../server/auth/auth.repository.ts';
import { issueApiToken } from '../../server/cli/users.ts';
import { hashPassword } from '../../server/auth/secrets.ts';
import { insertPlan } from '../../server/plans/plans.repository.ts';
import { type Call, type MatrixFixture, type MatrixRole, TPLANNER_PASSWORD, UNKNOWN_ID, authzMatrix, matrixRoles, scopedRoles, sendCall } from '../support/authz.ts';
import { type TestContext, createTestContext } from '../support/test-app.ts';

/**
 * The authorization matrix, over HTTP: every route of /api/openapi.json × every role × inside and
 * outside the scoped accounts' area. Allowed: anything but 401/403 (and, inside, 404). Denied: 403
 * (401 without sign-in), or a 404 indistinguishable from an unknown id. Outside: 404 with the very
 * same problem as for an id that does not exist, so a refusal does not tell that something is there.
 */
let t: TestContext;
let fx: MatrixFixture;
const photoDir = mkdtempSync(path.join(tmpdir(), 'pingan-matrix-photos-'));
const cookies = {} as Record<MatrixRole, string | undefined>;
const userIds = {} as Record<MatrixRole, number>;

async function one<T>(query: ReturnType<typeof sql<T>>): Promise<T> {
  const { rows } = await query.execute(t.db.kysely);
  if (!rows[0]) throw new Error('fixture query found nothing');
  return rows[0];
}

beforeAll(async () => {
  process.env.PHOTO_DIR = photoDir;
  t = await createTestContext();
  const db = t.db.kysely;
  for (const role of matrixRoles) {
    if (role === 'anon') continue;
    if (role === 'tplanner') continue;
    cookies[role] = await t.login(role);
  }
  const me = (await t.get('/api/auth/me', cookies.member)).body.user;
  const villageIn: string = me.scopeCode;
  await insertUser(db, { username: 'tplanner', displayName: '乡镇规划员', passwordHash: await hashPassword(TPLANNER_PASSWORD), role: 'planner', scopeCode: villageIn.slice(0, 9) });
  cookies.tplanner = await t.login('tplanner', TPLANNER_PASSWORD);
  for (const u of await db.selectFrom('users').select(['id', 'username']).execute()) {
    userIds[u.username as MatrixRole] = u.id;
  }
  const gridIn = Number((await one(sql<{ id: number }>`select a.grid_id as id from grid_assignments a join users u on u.person_id = a.person_id
    where u.username = 'member' and a.valid_to is null order by a.grid_id limit 1`)).id);
  const out = await one(sql<{ id: number; village: string }>`select g.id, g.village_code as village from grids g
    where g.valid_to is null and g.layer_id = 1 and left(g.village_code, 9) <> ${villageIn.slice(0, 9)}
      and exists (select 1 from grid_assignments a where a.grid_id = g.id and a.valid_to is null) order by g.id limit 1`);
  const point = async (gridId: number) => {
    const p = await one(sql<{ x: number; y: number }>`select ST_X(p) as x, ST_Y(p) as y from (select ST_PointOnSurface(geom) as p from grids where id = ${gridId}) g`);
    return [Number(p.x), Number(p.y)] as [number, number];
  };
  const tile = ([lon, lat]: [number, number], z = 14) => {
    const n = 2 ** z;
    const x = Math.floor(((lon + 180) / 360) * n);
    const r = (lat * Math.PI) / 180;
    const y = Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n);
    return `${z}/${x}/${y}`;
  };
  const [pointIn, pointOut] = [await point(gridIn), await point(Number(out.id))];
  const siteAt = async (gridId: number, village: string, p: [number, number]) => Number((await one(sql<{ id: number }>`
    insert into sites (category, name, geom, region_code, grid_id) values ('camera', '矩阵测试摄像头', ST_SetSRID(ST_MakePoint(${p[0]}, ${p[1]}), 4326), ${village}, ${gridId})
    returning id`)).id);
  const personOn = async (gridId: number) => Number((await one(sql<{ id: number }>`select person_id as id from grid_assignments
    where grid_id = ${gridId} and valid_to is null order by id limit 1`)).id);
  const job = async (village: string) => Number((await one(sql<{ id: number }>`insert into import_jobs
    (kind, format, crs, dry_run, file_name, status, total, valid, scope_code, created_by)
    values ('sites', 'geojson', 'wgs84', true, 'matrix.geojson', 'checked', 0, 0, ${village}, ${userIds.admin}) returning id`)).id);
  const accounts = await db.selectFrom('users as u').leftJoin('people as p', 'p.id', 'u.personId')
    .select(['u.username', 'u.personId', 'p.unitId']).where('u.username', 'in', ['member', 'unit']).execute();
  const memberPerson = Number(accounts.find((a) => a.username === 'member')!.personId);
  const unitId = Number(accounts.find((a) => a.username === 'unit')!.unitId);
  const incidentAt = async (gridId: number, village: string, p: [number, number], state: string, options: { unit?: boolean; byMember?: boolean } = {}) =>
    Number((await one(sql<{ id: number }>`insert into incidents (code, category, title, location, grid_id, region_code, state, level,
      reporter_id, unit_id, due_at) values (app.next_incident_code(now()), 'order.public', '矩阵测试事件', ST_SetSRID(ST_MakePoint(${p[0]}, ${p[1]}), 4326),
      ${gridId}, ${village}, ${state}, 'village', ${options.byMember ? memberPerson : null}, ${options.unit ? unitId : null}, now() + interval '3 days')
      returning id`)).id);
  const where = (w: 'in' | 'out') => (w === 'in' ? { gridId: gridIn, village: villageIn, p: pointIn } : { gridId: Number(out.id), village: out.village, p: pointOut });
  const png = new Uint8Array(await sharp({ create: { width: 8, height: 8, channels: 3, background: '#c00' } }).png().toBuffer());
  const incidentIn = await incidentAt(gridIn, villageIn, pointIn, 'dispatched', { unit: true });
  const incidentOut = await incidentAt(Number(out.id), out.village, pointOut, 'dispatched', { unit: true });
  // photos are added over HTTP by the administrator (files under PHOTO_DIR)
  const photoOf = async (incidentId: number) => {
    const form = new FormData();
    form.set('file', new File([new Uint8Array(png)], 'fixture.png', { type: 'image/png' }));
    const res = await t.app.request(`/api/incidents/${incidentId}/photos`, { method: 'POST', headers: { cookie: cookies.admin! }, body: form });
    if (res.status !== 201) throw new Error(`fixture photo: ${res.status} ${await res.text()}`);
    return Number(((await res.json()) as { id: number }).id);
  };
  fx = {
    incidentIn, incidentOut, photoIn: await photoOf(incidentIn), photoOut: await photoOf(incidentOut), png,
    patrolRuleId: Number((await one(sql<{ id: number }>`select id from patrol_rules order by id limit 1`)).id),
    async freshIncident(w, state, options) {
      const { gridId, village, p } = where(w);
      return incidentAt(gridId, village, p, state, options);
    },
    async freshNotification(w) {
      return Number((await one(sql<{ id: number }>`insert into incident_notifications (incident_id, unit_id, kind, note)
        values (${w === 'in' ? incidentIn : incidentOut}, ${unitId}, 'supervise', '矩阵测试督办') returning id`)).id);
    },
    villageIn, villageOut: out.village, gridIn, gridOut: Number(out.id), pointIn, pointOut,
    siteIn: await siteAt(gridIn, villageIn, pointIn), siteOut: await siteAt(Number(out.id), out.village, pointOut),
    personIn: await personOn(gridIn), personOut: await personOn(Number(out.id)),
    ruleId: Number((await one(sql<{ id: number }>`select id from rules order by id limit 1`)).id),
    importIn: await job(villageIn), importOut: await job(out.village),
    tileIn: tile(pointIn), tileOut: tile(pointOut),
    async freshSite(w) {
      const { gridId, village, p } = where(w);
      return siteAt(gridId, village, p);
    },
    async freshPlan(w, role) {
      const { village } = where(w);
      await sql`update plans set status = 'discarded' where status = 'draft'`.execute(db);
      return insertPlan(db, village, village, '矩阵测试', userIds[role] ?? userIds.admin, 120);
    },
    async freshPlanGrid(w, role) {
      const { gridId } = where(w);
      const planId = await this.freshPlan(w, role);
      const own = await one(sql<{ id: number; g: unknown }>`select id from plan_grids where plan_id = ${planId} and source_grid_id = ${gridId}`);
      const neighbour = await one(sql<{ id: number }>`select b.id from plan_grids a join plan_grids b on b.plan_id = a.plan_id and b.id <> a.id
        and b.village_code = a.village_code and ST_Intersects(a.geom, b.geom) where a.id = ${own.id} order by b.id limit 1`);
      return { planId, planGridId: Number(own.id), neighbourId: Number(neighbour.id) };
    },
    async freshAssignment(w) {
      const { gridId, village } = where(w);
      const person = Number((await one(sql<{ id: number }>`insert into people (name, village_code, region_code)
        values ('矩阵测试员', ${village}, ${village}) returning id`)).id);
      const assignment = Number((await one(sql<{ id: number }>`insert into grid_assignments (grid_id, person_id, duty, valid_from)
        values (${gridId}, ${person}, 'part_time', now() - interval '1 day') returning id`)).id);
      return { gridId, assignmentId: assignment, personId: person };
    },
  };
}, 240_000);
afterAll(async () => {
  await t?.close();
  rmSync(photoDir, { recursive: true, force: true });
});

function send(method: string, call: Call, role: MatrixRole) {
  return sendCall(t.app, method, call, cookies[role]);
}

/** What a refusal says, without the path it was asked for. */
const problemShape = (body: any) => ({ type: body?.type, title: body?.title, status: body?.status, detail: body?.detail });

describe('authorization matrix', () => {
  it('classifies every route of the API description', async () => {
    const doc = (await t.get('/api/openapi.json')).body;
    const routes = Object.entries(doc.paths as Record<string, object>).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
    const unclassified = routes.filter((r) => !(r in authzMatrix));
    expect(unclassified, 'routes missing from test/support/authz.ts: classify them').toEqual([]);
    const stale = Object.keys(authzMatrix).filter((r) => !routes.includes(r));
    expect(stale, 'matrix entries for routes that no longer exist').toEqual([]);
    expect(routes.length).toBeGreaterThanOrEqual(50);
  });

  const entries = Object.entries(authzMatrix);
  it.each(entries)('%s', async (route, rule) => {
    const method = route.split(' ')[0];
    const failures: string[] = [];
    let checks = 0;
    for (const role of matrixRoles) {
      const allowed = rule.allowed === 'public' || (role !== 'anon' && (rule.allowed === 'signed-in' || rule.allowed.includes(role)));
      const inside = await rule.inside(fx, role);
      const res = await send(method, inside, role);
      checks++;
      if (res.status >= 500) failures.push(`${role} inside: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
      else if (allowed && [401, 403, 404].includes(res.status)) failures.push(`${role} inside: expected allowed, got ${res.status} ${res.body?.detail ?? ''}`);
      else if (allowed && rule.succeeds && res.status >= 300) failures.push(`${role} inside: expected success, got ${res.status} ${res.body?.detail ?? ''}`);
      else if (!allowed) {
        const expected = role === 'anon' ? [401] : [403, 404];
        if (!expected.includes(res.status)) failures.push(`${role} inside: expected ${expected.join('/')}, got ${res.status}`);
      }
      if (!rule.outside || !scopedRoles.includes(role)) continue;
      // tplanner's outside is another township; member's too (villageOut lies in another township)
      const outside = await send(method, await rule.outside(fx, role), role);
      checks++;
      if (outside.status >= 500) failures.push(`${role} outside: ${outside.status}`);
      else if (rule.outsideIs === 'filtered') {
        if (allowed && ![200, 204].includes(outside.status)) failures.push(`${role} outside (filtered): expected 200/204, got ${outside.status}`);
        if (rule.unknown) {
          const unknown = await send(method, await rule.unknown(fx), role);
          checks++;
          if (JSON.stringify(unknown.body) !== JSON.stringify(outside.body)) failures.push(`${role} outside (filtered) answers differently from unknown`);
        }
      } else if (rule.outsideIs === 'like-unknown') {
        const unknown = await send(method, await rule.unknown!(fx), role);
        checks++;
        if (outside.status < 400 || outside.status >= 500) failures.push(`${role} outside: expected a refusal, got ${outside.status}`);
        if (JSON.stringify(problemShape(unknown.body)) !== JSON.stringify(problemShape(outside.body))) {
          failures.push(`${role} outside answers differently from unknown: ${JSON.stringify(problemShape(outside.body))} vs ${JSON.stringify(problemShape(unknown.body))}`);
        }
      } else if (allowed || outside.status === 404) {
        if (outside.status !== 404) failures.push(`${role} outside: expected 404, got ${outside.status} ${outside.body?.detail ?? ''}`);
        else if (rule.unknown) {
          const unknown = await send(method, await rule.unknown(fx), role);
          checks++;
          if (JSON.stringify(problemShape(unknown.body)) !== JSON.stringify(problemShape(outside.body))) {
            failures.push(`${role} outside answers differently from an unknown id: ${JSON.stringify(problemShape(outside.body))} vs ${JSON.stringify(problemShape(unknown.body))}`);
          }
        }
      } else if (outside.status !== 403) failures.push(`${role} outside (denied role): expected 403/404, got ${outside.status}`);
    }
    expect(failures.join('\n')).toBe('');
    expect(checks).toBeGreaterThanOrEqual(matrixRoles.length);
  });
});

describe('unit staff: the unit relation', () => {
  it('a case not dispatched to their unit, and another unit\'s notice, look exactly like unknown ones', async () => {
    const theirs = await fx.freshIncident('in', 'dispatched', { unit: true });
    const other = await fx.freshIncident('in', 'dispatched');
    const { rows: [notice] } = await sql<{ id: number }>`insert into incident_notifications (incident_id, unit_id, kind, note)
      select ${other}, u.id, 'supervise', '别的单位' from units u
      where u.id <> (select p.unit_id from users s join people p on p.id = s.person_id where s.username = 'unit') order by u.id limit 1
      returning id`.execute(t.db.kysely);
    const failures: string[] = [];
    const pairs: Array<[string, string, Call, Call]> = [
      ['GET', 'incident', { path: `/api/incidents/${other}` }, { path: `/api/incidents/${UNKNOWN_ID}` }],
      ['GET', 'duplicates', { path: `/api/incidents/${other}/duplicates` }, { path: `/api/incidents/${UNKNOWN_ID}/duplicates` }],
      ['POST', 'start', { path: `/api/incidents/${other}/actions`, body: { action: 'start' } }, { path: `/api/incidents/${UNKNOWN_ID}/actions`, body: { action: 'start' } }],
      ['POST', 'photo', { path: `/api/incidents/${other}/photos`, raw: { data: photo() } }, { path: `/api/incidents/${UNKNOWN_ID}/photos`, raw: { data: photo() } }],
      ['POST', 'notice', { path: `/api/incident-notifications/${notice.id}/read` }, { path: `/api/incident-notifications/${UNKNOWN_ID}/read` }],
    ];
    for (const [method, label, call, unknown] of pairs) {
      const [a, b] = [await send(method, call, 'unit'), await send(method, unknown, 'unit')];
      if (a.status !== 404 || JSON.stringify(problemShape(a.body)) !== JSON.stringify(problemShape(b.body))) {
        failures.push(`${label}: ${a.status} ${JSON.stringify(problemShape(a.body))} vs unknown ${b.status} ${JSON.stringify(problemShape(b.body))}`);
      }
    }
    expect(failures.join('\n')).toBe('');
    // the control: dispatched to their unit, the same calls go through
    expect((await send('GET', { path: `/api/incidents/${theirs}` }, 'unit')).status).toBe(200);
    expect((await send('POST', { path: `/api/incidents/${theirs}/actions`, body: { action: 'start' } }, 'unit')).status).toBe(200);
    // and the list does not count the other case
    const list = await send('GET', { path: `/api/incidents?region=${fx.villageIn}&limit=1000` }, 'unit');
    expect(list.body.features.map((f: any) => f.id)).toContain(theirs);
    expect(list.body.features.map((f: any) => f.id)).not.toContain(other);
  });
});

const photo = () => {
  const form = new FormData();
  form.set('file', new File([new Uint8Array(fx.png)], 'unit.png', { type: 'image/png' }));
  return form;
};

/**
 * Open311 (/open311/v2, not in the API description): its own small matrix. Services are public;
 * requests need a token (Authorization: Bearer or api_key) and the token's account's scope applies;
 * a request outside it answers exactly like a code that does not exist; a read-only token cannot submit.
 */
describe('Open311 matrix', () => {
  const tokens = {} as Record<MatrixRole, string | undefined>;
  let readOnly: string;
  let codeIn: string;
  let codeOut: string;
  const UNKNOWN_CODE = 'SJ20000101-9999';

  beforeAll(async () => {
    for (const role of matrixRoles) {
      if (role !== 'anon') tokens[role] = (await issueApiToken(t.db.kysely, userIds[role], 'matrix', null)).token;
    }
    readOnly = (await issueApiToken(t.db.kysely, userIds.dispatcher, 'matrix-read', null, 'read')).token;
    const codes = await t.db.kysely.selectFrom('incidents').select(['id', 'code']).where('id', 'in', [fx.incidentIn, fx.incidentOut]).execute();
    codeIn = codes.find((c) => Number(c.id) === fx.incidentIn)!.code;
    codeOut = codes.find((c) => Number(c.id) === fx.incidentOut)!.code;
  });

  const call = async (path: string, token: string | undefined, init: { method?: string; form?: Record<string, string | number>; apiKey?: boolean } = {}) => {
    const headers: Record<string, string> = {};
    let url = `/open311/v2${path}`;
    const fields: Record<string, string> = Object.fromEntries(Object.entries(init.form ?? {}).map(([k, v]) => [k, String(v)]));
    if (token && init.apiKey) {
      if (init.form) fields.api_key = token;
      else url += `${url.includes('?') ? '&' : '?'}api_key=${encodeURIComponent(token)}`;
    } else if (token) headers.authorization = `Bearer ${token}`;
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(fields).toString();
    }
    const res = await t.app.request(url, { method: init.method ?? (init.form ? 'POST' : 'GET'), headers, body });
    const text = await res.text();
    let parsed: any = text;
    try { parsed = JSON.parse(text); } catch { /* not JSON */ }
    return { status: res.status, body: parsed };
  };
  const submit = (p: [number, number]) => ({ service_code: 'order.public', lat: p[1], long: p[0], description: '矩阵测试：Open311 上报' });
  /** A GeoReport error without the code asked for (the caller knows it). */
  const shape = (body: unknown) => JSON.stringify(body).replaceAll(codeOut, '<code>').replaceAll(UNKNOWN_CODE, '<code>');

  it('services are public; requests need a token; scope applies and outside is unknown', async () => {
    const failures: string[] = [];
    const reporters: MatrixRole[] = ['admin', 'dispatcher', 'member'];
    let checks = 0;
    for (const role of matrixRoles) {
      const token = tokens[role];
      const expect1 = (label: string, got: number, want: number) => { checks++; if (got !== want) failures.push(`${role} ${label}: expected ${want}, got ${got}`); };
      expect1('services.json', (await call('/services.json', token)).status, 200);
      for (const apiKey of [false, true]) {
        const how = apiKey ? ' (api_key)' : '';
        const one = await call(`/requests/${codeIn}.json`, token, { apiKey });
        expect1(`request inside${how}`, one.status, role === 'anon' ? 401 : 200);
        if (role === 'anon') continue;
        if (one.body?.[0]?.service_request_id !== codeIn) failures.push(`${role} request inside${how}: not answered with it`);
        const list = await call(`/requests.json?service_request_id=${codeIn},${codeOut}`, token, { apiKey });
        const listed = (list.body as any[]).map((r) => r.service_request_id).sort();
        const expected = scopedRoles.includes(role) ? [codeIn] : [codeIn, codeOut].sort();
        checks++;
        if (JSON.stringify(listed) !== JSON.stringify(expected)) failures.push(`${role} list${how}: ${JSON.stringify(listed)}, expected ${JSON.stringify(expected)}`);
        const [outside, unknown] = [await call(`/requests/${codeOut}.json`, token, { apiKey }), await call(`/requests/${UNKNOWN_CODE}.json`, token, { apiKey })];
        expect1(`request outside${how}`, outside.status, scopedRoles.includes(role) ? 404 : 200);
        if (scopedRoles.includes(role) && shape(outside.body) !== shape(unknown.body)) {
          failures.push(`${role} outside${how} answers differently from an unknown code: ${shape(outside.body)} vs ${shape(unknown.body)}`);
        }
      }
      // submitting: the centre in its scope and grid members in their grids ('report'); others are refused
      const inside = await call('/requests.json', token, { form: submit(fx.pointIn) });
      expect1('submit inside', inside.status, role === 'anon' ? 401 : reporters.includes(role) ? 201 : 403);
      if (scopedRoles.includes(role)) {
        const [outside, nowhere] = [await call('/requests.json', token, { form: submit(fx.pointOut) }), await call('/requests.json', token, { form: submit([10, 10]) })];
        checks++;
        if (outside.status < 400 || JSON.stringify(outside.body) !== JSON.stringify(nowhere.body)) {
          failures.push(`${role} submit outside: ${outside.status} ${JSON.stringify(outside.body)} vs nowhere ${nowhere.status} ${JSON.stringify(nowhere.body)}`);
        }
      }
    }
    expect(failures.join('\n')).toBe('');
    expect(checks).toBeGreaterThan(60);
  });

  it('a read-only token reads but cannot submit, neither as a bearer token nor as api_key', async () => {
    expect((await call(`/requests/${codeIn}.json`, readOnly)).status).toBe(200);
    expect((await call(`/requests/${codeIn}.json`, readOnly, { apiKey: true })).status).toBe(200);
    const count = async () => Number((await sql<{ n: number }>`select count(*)::int as n from incidents`.execute(t.db.kysely)).rows[0].n);
    const before = await count();
    expect((await call('/requests.json', readOnly, { form: submit(fx.pointIn) })).status).toBe(403);
    const viaKey = await call('/requests.json', readOnly, { form: submit(fx.pointIn), apiKey: true });
    expect(viaKey.status).toBe(403);
    expect(viaKey.body).toEqual([{ code: 403, description: expect.stringMatching(/read/) }]);
    expect(await count()).toBe(before);
  });
});

/** OGC API – Features (not in the API description either): a feature outside the caller's area is an unknown feature. */
describe('OGC items outside', () => {
  it('answer exactly like unknown features for the scoped accounts, and are there for the county', async () => {
    const failures: string[] = [];
    const items: Array<[string, string | number, string | number]> = [
      ['grids', fx.gridIn, fx.gridOut], ['sites', fx.siteIn, fx.siteOut], ['regions', fx.villageIn, fx.villageOut],
    ];
    const unknownOf = (collection: string) => (collection === 'regions' ? '990101999999' : UNKNOWN_ID);
    const shape = (body: any, id: string | number) => JSON.stringify(problemShape(body)).replaceAll(String(id), '<id>');
    for (const role of [...scopedRoles, 'planner' as MatrixRole]) {
      for (const [collection, inside, outside] of items) {
        const [a, b, c] = [await send('GET', { path: `/ogc/collections/${collection}/items/${inside}` }, role),
          await send('GET', { path: `/ogc/collections/${collection}/items/${outside}` }, role),
          await send('GET', { path: `/ogc/collections/${collection}/items/${unknownOf(collection)}` }, role)];
        if (a.status !== 200) failures.push(`${role} ${collection} inside: ${a.status}`);
        if (!scopedRoles.includes(role)) {
          if (b.status !== 200) failures.push(`${role} ${collection} (county) outside: ${b.status}`);
          continue;
        }
        if (b.status !== 404 || shape(b.body, outside) !== shape(c.body, unknownOf(collection))) {
          failures.push(`${role} ${collection} outside: ${b.status} ${shape(b.body, outside)} vs unknown ${c.status} ${shape(c.body, unknownOf(collection))}`);
        }
      }
    }
    expect(failures.join('\n')).toBe('');
  });
});
