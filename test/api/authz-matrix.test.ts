import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertUser } from '../../server/auth/auth.repository.ts';
import { hashPassword } from '../../server/auth/secrets.ts';
import { insertPlan } from '../../server/plans/plans.repository.ts';
import { type Call, type MatrixFixture, type MatrixRole, TPLANNER_PASSWORD, authzMatrix, matrixRoles, scopedRoles } from '../support/authz.ts';
import { type TestContext, createTestContext } from '../support/test-app.ts';

/**
 * The authorization matrix, over HTTP: every route of /api/openapi.json × every role × inside and
 * outside the scoped accounts' area. Allowed: anything but 401/403 (and, inside, 404). Denied: 403
 * (401 without sign-in), or a 404 indistinguishable from an unknown id. Outside: 404 with the very
 * same problem as for an id that does not exist, so a refusal does not tell that something is there.
 */
let t: TestContext;
let fx: MatrixFixture;
const cookies = {} as Record<MatrixRole, string | undefined>;
const userIds = {} as Record<MatrixRole, number>;

async function one<T>(query: ReturnType<typeof sql<T>>): Promise<T> {
  const { rows } = await query.execute(t.db.kysely);
  if (!rows[0]) throw new Error('fixture query found nothing');
  return rows[0];
}

beforeAll(async () => {
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
  const where = (w: 'in' | 'out') => (w === 'in' ? { gridId: gridIn, village: villageIn, p: pointIn } : { gridId: Number(out.id), village: out.village, p: pointOut });
  fx = {
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
afterAll(async () => { await t?.close(); });

async function send(method: string, call: Call, role: MatrixRole) {
  const headers: Record<string, string> = {};
  if (cookies[role] && !call.anonymous) headers.cookie = cookies[role]!;
  let body: RequestInit["body"];
  if (call.raw) {
    body = call.raw.data;
    if (call.raw.type) headers['content-type'] = call.raw.type;
  } else if (call.body !== undefined) {
    body = JSON.stringify(call.body);
    headers['content-type'] = 'application/json';
  }
  const res = await t.app.request(call.path, { method, headers, body });
  const text = await res.text();
  let parsed: any = text;
  try { parsed = JSON.parse(text); } catch { /* a tile, say */ }
  return { status: res.status, body: parsed };
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
