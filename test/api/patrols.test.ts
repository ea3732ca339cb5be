import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertUser } from '../../server/auth/auth.repository.ts';
import { hashPassword } from '../../server/auth/secrets.ts';
import { loadGridFixture } from '../support/grid-fixtures.ts';
import { type TestContext, createTestContext } from '../support/test-app.ts';

/** Patrol rules, check-ins with proof of presence, and compliance counts, over HTTP. */
let t: TestContext;
let planner: string;
let member: string;
let memberGridIds: number[];

async function call(method: string, path: string, cookie: string, body?: unknown) {
  const res = await t.app.request(path, {
    method, headers: { cookie, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, type: res.headers.get('content-type') };
}
const get = (path: string, cookie: string) => call('GET', path, cookie);

/** A point `metres` east of (lon, lat), on the parallel (good to well under 1 % at these distances). */
const east = (lon: number, lat: number, metres: number) => lon + metres / (111_320 * Math.cos((lat * Math.PI) / 180));
const north = (lat: number, metres: number) => lat + metres / 110_574;

beforeAll(async () => {
  t = await createTestContext();
  planner = await t.login('planner');
  member = await t.login('member');
  const { rows } = await sql<{ gridId: number }>`select a.grid_id from grid_assignments a join users u on u.person_id = a.person_id
    where u.username = 'member' and a.valid_to is null`.execute(t.db.kysely);
  memberGridIds = rows.map((r) => Number(r.gridId));
});
afterAll(async () => { await t?.close(); });

describe('patrol rules', () => {
  it('lists the rules per site category', async () => {
    const res = await get('/api/patrol-rules', member);
    expect(res.status).toBe(200);
    const water = res.body.find((r: any) => r.code === 'water.summer');
    expect(water).toMatchObject({ category: 'water', months: [6, 7, 8, 9], weekdays: null, timesPerDay: 2, maxDistanceM: 50 });
    const school = res.body.find((r: any) => r.category === 'school');
    expect(school).toMatchObject({ weekdays: [1, 2, 3, 4, 5], timesPerDay: 2, maxDistanceM: 100 });
  });

  it('an administrator changes a rule, audited; others are refused; bad windows and unknown fields change nothing', async () => {
    const admin = await t.login('admin');
    const rules = (await get('/api/patrol-rules', admin)).body;
    const school = rules.find((r: any) => r.category === 'school');
    const path = `/api/patrol-rules/${school.id}`;

    expect((await call('PATCH', path, planner, { maxDistanceM: 80 })).status).toBe(403);
    expect((await call('PATCH', path, member, { maxDistanceM: 80 })).status).toBe(403);
    const backwards = await call('PATCH', path, admin, { windows: ['17:00-07:00'] });
    expect(backwards.status).toBe(422);
    expect(backwards.body.detail).toMatch(/17:00-07:00/);
    expect((await call('PATCH', path, admin, { windows: ['7:00-8:00'] })).status).toBe(400);
    expect((await call('PATCH', path, admin, { radius: 80 })).status).toBe(400);
    expect((await call('PATCH', '/api/patrol-rules/99999', admin, { enabled: false })).status).toBe(404);
    expect((await get('/api/patrol-rules', admin)).body.find((r: any) => r.id === school.id)).toEqual(school);

    const changed = await call('PATCH', path, admin, { windows: ['07:10-08:00', '16:30-17:30', '19:00-20:00'], maxDistanceM: 80 });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ windows: ['07:10-08:00', '16:30-17:30', '19:00-20:00'], timesPerDay: 3, maxDistanceM: 80 });
    const audit = (await get(`/api/audit?entity=patrol_rule`, admin)).body;
    const entry = (audit.items ?? audit).find((e: any) => e.entityId === String(school.id));
    expect(entry).toBeTruthy();
    expect(entry.before.maxDistanceM).toBe(100);
    expect(entry.after.maxDistanceM).toBe(80);

    // put it back for the tests below
    const restored = await call('PATCH', path, admin, { windows: school.windows, maxDistanceM: school.maxDistanceM });
    expect(restored.body).toEqual(school);
  });
});

describe('check-ins with proof of presence', () => {
  let water: { id: number; x: number; y: number };

  beforeAll(async () => {
    // the member's water, and its easternmost vertex (a point on its boundary)
    const { rows: [w] } = await sql<{ id: number; x: number; y: number }>`
      select s.id, ST_X(p.geom) as x, ST_Y(p.geom) as y from sites s
      cross join lateral (select (d).geom from (select ST_DumpPoints(s.geom) as d) q order by ST_X((d).geom) desc limit 1) p
      where s.category = 'water' and s.grid_id = any(${memberGridIds}::bigint[]) order by s.id limit 1`.execute(t.db.kysely);
    water = { id: Number(w.id), x: Number(w.x), y: Number(w.y) };
  });

  it('accepts a check-in at the site, and one 40 m away (within 50 m)', async () => {
    const at = await call('POST', '/api/patrols', member, { siteId: water.id, lon: water.x, lat: water.y });
    expect(at.status).toBe(201);
    expect(at.body).toMatchObject({ siteId: water.id, accepted: true, maxDistanceM: 50 });
    expect(at.body.distanceM).toBeLessThan(1);
    const near = await call('POST', '/api/patrols', member, { siteId: water.id, lon: east(water.x, water.y, 40), lat: water.y, accuracyM: 8 });
    expect(near.status).toBe(201);
    expect(near.body.distanceM).toBeGreaterThan(38);
    expect(near.body.distanceM).toBeLessThan(42);
  });

  it('refuses a check-in 2 km away with the measured distance, and stores nothing', async () => {
    const before = (await get('/api/patrols', member)).body.features.length;
    const far = await call('POST', '/api/patrols', member, { siteId: water.id, lon: water.x, lat: north(water.y, 2000) });
    expect(far.status).toBe(422);
    expect(far.type).toContain('application/problem+json');
    expect(far.body.maxDistanceM).toBe(50);
    expect(far.body.distanceM).toBeGreaterThan(1500);
    expect(far.body.distanceM).toBeLessThan(2001);
    expect(far.body.detail).toMatch(/within 50 m/);
    const justOut = await call('POST', '/api/patrols', member, { siteId: water.id, lon: east(water.x, water.y, 60), lat: water.y });
    expect(justOut.status).toBe(422);
    expect(justOut.body.distanceM).toBeGreaterThan(58);
    expect((await get('/api/patrols', member)).body.features.length).toBe(before);
  });

  it('is a 404 for a site outside the caller\'s own grids, even one they can see', async () => {
    const { rows: [foreign] } = await sql<{ id: number; x: number; y: number }>`select s.id, ST_X(ST_PointOnSurface(s.geom)) as x,
      ST_Y(ST_PointOnSurface(s.geom)) as y from sites s where s.category = 'water' and not (s.grid_id = any(${memberGridIds}::bigint[]))
      order by s.id limit 1`.execute(t.db.kysely);
    const body = { siteId: Number(foreign.id), lon: Number(foreign.x), lat: Number(foreign.y) };
    expect((await call('POST', '/api/patrols', member, body)).status).toBe(404);
    // the planner sees the site, but checking in is not a planner's: 403 naming the capability
    const planned = await call('POST', '/api/patrols', planner, body);
    expect(planned.status).toBe(403);
    expect(planned.body.capability).toBe('checkIn');
    expect((await call('POST', '/api/patrols', member, { ...body, siteId: 999999999 })).status).toBe(404);
  });

  it('refuses times in the future or uploaded too late, and bad input', async () => {
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect((await call('POST', '/api/patrols', member, { siteId: water.id, lon: water.x, lat: water.y, at: future })).status).toBe(422);
    const old = new Date(Date.now() - 10 * 86_400_000).toISOString();
    expect((await call('POST', '/api/patrols', member, { siteId: water.id, lon: water.x, lat: water.y, at: old })).status).toBe(422);
    expect((await call('POST', '/api/patrols', member, { siteId: water.id, lon: 200, lat: water.y })).status).toBe(400);
  });

  it('shows a member only their own check-ins; supervisors those of their scope', async () => {
    const mine = (await get('/api/patrols', member)).body.features;
    expect(mine.length).toBe(2);
    const personId = mine[0].properties.personId;
    expect(mine.every((f: any) => f.properties.personId === personId && f.geometry.type === 'Point')).toBe(true);
    const all = (await get('/api/patrols', planner)).body.features;
    expect(all.length).toBeGreaterThanOrEqual(2);
  });
});

describe('compliance', () => {
  let gridIds: number[];
  let p: number, q: number;

  beforeAll(async () => {
    const db = t.db.kysely;
    const { village, ids } = await loadGridFixture(db, 'valid-3x3', 41);
    gridIds = ids;
    // a category of our own, so the seeded rules do not apply: Mon/Wed/Fri in July, 08:00-09:00 and 18:00-19:00
    await sql`insert into site_categories (code, name, name_en, geometry_kind, color, icon)
      values ('test_pond', '测试水塘', 'Test pond', 'polygon', '#123456', 'water')`.execute(db);
    await sql`insert into patrol_rules (code, category, name, name_en, months, weekdays, windows, max_distance_m)
      values ('test.pond', 'test_pond', '测试巡查', 'Test patrol', '{7}', '{1,3,5}', '{08:00-09:00,18:00-19:00}', 50)`.execute(db);
    await sql`insert into sites (category, name, geom, region_code, grid_id)
      select 'test_pond', '测试水塘', ST_Buffer(ST_PointOnSurface(geom)::geography, 10)::geometry, village_code, id
      from grids where id = ${ids[0]}`.execute(db);
    // check-ins are made in the past here: allow uploading them
    await sql`update settings set value = '100000' where key = 'patrols.maxBackdateHours'`.execute(db);
    const mk = async (name: string) => (await call('POST', '/api/people', planner, { name, villageCode: village })).body.id as number;
    p = await mk('巡查甲');
    q = await mk('巡查乙');
    expect((await call('POST', `/api/grids/${ids[0]}/assignments`, planner, { personId: p, duty: 'full_time', validFrom: '2026-06-01' })).status).toBe(201);
    // q starts on Wednesday at noon: only the later slots are theirs
    expect((await call('POST', `/api/grids/${ids[0]}/assignments`, planner, { personId: q, duty: 'part_time', validFrom: '2026-07-08T12:00:00+08:00' })).status).toBe(201);
  });

  it('counts done / due / missed per grid and per member for a fixed week', async () => {
    const db = t.db.kysely;
    const user = async (name: string, personId: number) => {
      await insertUser(db, { username: name, displayName: name, passwordHash: await hashPassword('test-2026'), role: 'grid_member',
        scopeCode: '990101901041', personId });
      return t.login(name, 'test-2026');
    };
    const [pc, qc] = [await user('patrol-p', p), await user('patrol-q', q)];
    const { rows: [site] } = await sql<{ id: number; x: number; y: number }>`select id, ST_X(ST_Centroid(geom)) as x, ST_Y(ST_Centroid(geom)) as y
      from sites where category = 'test_pond'`.execute(db);
    const checkIn = async (cookie: string, at: string) => {
      const res = await call('POST', '/api/patrols', cookie, { siteId: Number(site.id), lon: Number(site.x), lat: Number(site.y), at });
      expect(res.status).toBe(201);
      return res.body;
    };
    // the week of Monday 2026-07-06: rule days Mon 6, Wed 8, Fri 10 × 2 windows = 6 slots
    expect((await checkIn(pc, '2026-07-06T08:30:00+08:00')).ruleId).not.toBeNull(); // Mon morning: p
    await checkIn(qc, '2026-07-06T18:10:00+08:00'); // Mon evening: q, before q's assignment began (covers the grid, not q's own slot)
    await checkIn(pc, '2026-07-08T08:59:00+08:00'); // Wed morning: p
    expect((await checkIn(pc, '2026-07-08T07:59:00+08:00')).ruleId).toBeNull(); // before the window: an extra patrol, counts for nothing
    await checkIn(pc, '2026-07-10T19:00:00+08:00'); // Fri, the moment the evening window closes: too late
    await checkIn(qc, '2026-07-07T08:30:00+08:00'); // Tuesday is no rule day

    const res = await get(`/api/patrols/compliance?region=990101901041&from=2026-07-06&to=2026-07-12`, planner);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ from: '2026-07-06', to: '2026-07-12', timeZone: 'Asia/Shanghai' });
    expect(res.body.summary).toEqual({ grids: 1, due: 6, done: 3, missed: 3, pending: 0 });
    expect(res.body.grids).toEqual([expect.objectContaining({ gridId: gridIds[0], sites: 1, due: 6, done: 3, missed: 3, pending: 0 })]);
    const byPerson = Object.fromEntries(res.body.members.map((m: any) => [m.personId, m]));
    expect(byPerson[p]).toMatchObject({ due: 6, done: 2, coveredByOthers: 1, missed: 3, pending: 0 });
    // q owes Wednesday evening and both Friday slots, none of them done
    expect(byPerson[q]).toMatchObject({ due: 3, done: 0, coveredByOthers: 0, missed: 3, pending: 0 });

    // a week outside the rule's months owes nothing
    const june = (await get(`/api/patrols/compliance?region=990101901041&from=2026-06-01&to=2026-06-07`, planner)).body;
    expect(june.summary).toMatchObject({ due: 0, done: 0, missed: 0 });
  });

  it('is for supervisors in their scope, with a bounded period', async () => {
    expect((await get('/api/patrols/compliance', member)).status).toBe(403);
    expect((await get('/api/patrols/compliance?from=2026-07-10&to=2026-07-01', planner)).status).toBe(400);
    expect((await get('/api/patrols/compliance?from=2026-01-01&to=2026-07-01', planner)).status).toBe(400);
    const township = '990101901';
    await insertUser(t.db.kysely, { username: 'other-town', displayName: '外镇', passwordHash: await hashPassword('test-2026'), role: 'inspector',
      scopeCode: '990101001' });
    const other = await t.login('other-town', 'test-2026');
    expect((await get(`/api/patrols/compliance?region=${township}041`, other)).status).toBe(404);
    const county = await get('/api/patrols/compliance', await t.login('inspector'));
    expect(county.status).toBe(200);
    expect(county.body.region).toBe('990101000000');
  });
});
