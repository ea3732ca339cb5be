import GL from 'geographiclib-geodesic';
import type * as GLT from 'geographiclib-geodesic';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestContext, createTestContext } from '../support/test-app.ts';

/**
 * The water-safety rule (attributes mode) and continuous checking: a site added or moved is
 * re-checked at once against the rules that concern it, and the answer carries the violations.
 */
const { Geodesic } = GL as unknown as typeof GLT;
const geod = Geodesic.WGS84;
const geodesicM = (a: number[], b: number[]) => geod.Inverse(a[1], a[0], b[1], b[0]).s12!;
/** The point `m` metres due north (azimuth 0) of a position, on the ellipsoid. */
const north = (p: number[], m: number): [number, number] => {
  const r = geod.Direct(p[1], p[0], 0, m);
  return [Number(r.lon2!.toFixed(7)), Number(r.lat2!.toFixed(7))];
};

let t: TestContext;
let planner: string;
let rules: any[];
/** The northernmost vertex of a primary school's campus that has no other site within 700 m north of it. */
let schoolId: number;
let top: [number, number];

beforeAll(async () => {
  t = await createTestContext();
  planner = await t.login('planner');
  rules = (await t.get('/api/rules', planner)).body.items;
  const { rows } = await sql<{ id: number; x: number; y: number }>`
    select s.id, ST_X(v.geom) as x, ST_Y(v.geom) as y from sites s
    cross join lateral (select d.geom from ST_DumpPoints(s.geom) d order by ST_Y(d.geom) desc limit 1) v
    where s.category = 'school' and s.attrs ->> 'stage' = 'primary'
      and not exists (select 1 from sites o where o.id <> s.id and o.category in ('school', 'kindergarten', 'water', 'internet_cafe')
        and ST_DWithin(o.geom::geography, v.geom::geography, 800))
    order by s.id limit 1`.execute(t.db.kysely);
  schoolId = Number(rows[0].id);
  top = [Number(rows[0].x), Number(rows[0].y)];
});
afterAll(async () => { await t?.close(); });

async function call(method: string, path: string, body?: unknown) {
  const res = await t.app.request(path, { method, headers: { cookie: planner, 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}
const ruleId = (code: string) => rules.find((r) => r.code === code).id;
const ofRule = (body: any, code: string) => body.violations.features.filter((f: any) => f.properties.ruleId === ruleId(code));

describe('the water-safety rule', () => {
  it('is seeded as data: waters within 500 m of a school or a village\'s household points, three requirements', () => {
    const rule = rules.find((r) => r.code === 'water-safety-500');
    expect(rule).toMatchObject({ mode: 'attributes', distanceM: 500, subjectCategories: ['water'], targetCategories: ['school'], nearHouseholds: true });
    expect(rule.requirements.map((r: any) => r.key)).toEqual(['responsible', 'warningSign', 'lifeBuoy']);
  });

  it('flags exactly the waters near a school or household that lack a responsible person, a warning sign or a life buoy', async () => {
    const res = await t.app.request(`/api/rules/${ruleId('water-safety-500')}/run?region=990101000000`, { method: 'POST', headers: { cookie: planner } });
    expect(res.status).toBe(200);
    const body = await res.json() as any;
    // independently: which waters are near, and what each lacks, from the raw rows
    const { rows } = await sql<{ id: number; attrs: any; near: boolean }>`select w.id, w.attrs,
        exists (select 1 from sites s where s.category = 'school' and ST_DWithin(s.geom::geography, w.geom::geography, 500))
        or exists (select 1 from household_points h where ST_DWithin(h.geom::geography, w.geom::geography, 500)) as near
      from sites w where w.category = 'water'`.execute(t.db.kysely);
    const lacks = (a: any) => [
      ...(Object.values(a.responsible ?? {}).some((p: any) => p?.name?.trim()) ? [] : ['responsible']),
      ...((a.equipment?.warningSigns ?? 0) > 0 ? [] : ['warningSign']),
      ...((a.equipment?.lifeBuoys ?? 0) > 0 ? [] : ['lifeBuoy']),
    ];
    const expected = rows.filter((r) => r.near && lacks(r.attrs).length).map((r) => [Number(r.id), lacks(r.attrs)]);
    const far = rows.filter((r) => !r.near && lacks(r.attrs).length);
    expect(expected.length).toBeGreaterThan(3);
    expect(far.length + rows.filter((r) => r.near && !lacks(r.attrs).length).length).toBeGreaterThan(0);
    const found = body.features.map((f: any) => [f.properties.subject_id, f.properties.missing.map((m: any) => m.key)]);
    expect(found.sort()).toEqual(expected.sort());
    for (const f of body.features) {
      expect(f.properties.distance_m).toBeLessThanOrEqual(500);
      expect(['school', 'village']).toContain(f.properties.targetCategory);
      expect(f.properties.missing[0].name).toMatch(/[责警救]/);
      // everything a rectification incident needs
      expect(f.properties).toMatchObject({ siteId: f.properties.subject_id, regionCode: expect.stringMatching(/^\d{12}$/) });
      expect(f.properties.point).toHaveLength(2);
    }
    expect(body.rule.basis).toContain('防溺水');
  });

  it('re-checks a pond at once when it is added near a school, and clears it when the kit is recorded', async () => {
    const at = north(top, 300);
    const ring = [[at[0] - 0.0005, at[1]], [at[0] + 0.0005, at[1]], [at[0] + 0.0005, at[1] + 0.0004], [at[0] - 0.0005, at[1] + 0.0004], [at[0] - 0.0005, at[1]]];
    const added = await call('POST', '/api/sites', { category: 'water', name: '新挖坑塘', geometry: { type: 'Polygon', coordinates: [ring] }, attrs: { kind: 'pond' } });
    expect(added.status).toBe(201);
    const [v] = ofRule(added.body, 'water-safety-500');
    expect(v.properties.missing.map((m: any) => m.key)).toEqual(['responsible', 'warningSign', 'lifeBuoy']);
    expect(v.properties.subject_id).toBe(added.body.id);
    const kit = { kind: 'pond', responsible: { village: { name: '王测试', phone: '19900000000' } }, equipment: { warningSigns: 2, lifeBuoys: 1 } };
    const fixed = await call('PATCH', `/api/sites/${added.body.id}`, { attrs: kit, version: 1 });
    expect(fixed.status).toBe(200);
    expect(ofRule(fixed.body, 'water-safety-500')).toEqual([]);
    // a name change alone checks nothing
    expect((await call('PATCH', `/api/sites/${added.body.id}`, { name: '坑塘' })).body.violations).toBeNull();
  });
});

describe('continuous checking of the 200 m rule', () => {
  it('flags an internet café added 150 m from a primary school at once, with the geodesic distance', async () => {
    const at = north(top, 150);
    const res = await call('POST', '/api/sites', { category: 'internet_cafe', name: '校旁网吧', geometry: { type: 'Point', coordinates: at }, attrs: { seats: 40 } });
    expect(res.status).toBe(201);
    const [v] = ofRule(res.body, 'internet-cafe-school-200').filter((f: any) => f.properties.subject_id === schoolId);
    expect(v.properties).toMatchObject({ target_id: res.body.id, siteId: res.body.id, targetCategory: 'internet_cafe', subjectCategory: 'school' });
    expect(Math.abs(v.properties.distance_m - geodesicM(at, top))).toBeLessThanOrEqual(0.1);
    expect(v.geometry.type).toBe('LineString');
    expect(v.properties.point).toEqual(at);
  });

  it('re-checks a moved café: 199.5 m is still a violation, 200.5 m is not', async () => {
    const added = await call('POST', '/api/sites', { category: 'internet_cafe', name: '搬迁网吧', geometry: { type: 'Point', coordinates: north(top, 260) }, attrs: {} });
    expect(ofRule(added.body, 'internet-cafe-school-200')).toEqual([]);
    const inside = await call('PATCH', `/api/sites/${added.body.id}`, { geometry: { type: 'Point', coordinates: north(top, 199.5) } });
    const [v] = ofRule(inside.body, 'internet-cafe-school-200').filter((f: any) => f.properties.subject_id === schoolId);
    expect(v.properties.distance_m).toBeCloseTo(199.5, 1);
    const outside = await call('PATCH', `/api/sites/${added.body.id}`, { geometry: { type: 'Point', coordinates: north(top, 200.5) } });
    expect(ofRule(outside.body, 'internet-cafe-school-200').filter((f: any) => f.properties.subject_id === schoolId)).toEqual([]);
  });

  it('re-checks a school gate when its camera is moved away (required rule, site as target)', async () => {
    const { rows: [gate] } = await sql<{ id: number; x: number; y: number }>`select s.id, ST_X(d.geom) as x, ST_Y(d.geom) as y
      from sites s, ST_Dump(s.entrances) d where s.id = ${schoolId} limit 1`.execute(t.db.kysely);
    const g = [Number(gate.x), Number(gate.y)];
    const cam = await call('POST', '/api/sites', { category: 'camera', name: '校门摄像头', geometry: { type: 'Point', coordinates: north(g, 10) }, attrs: {} });
    expect(ofRule(cam.body, 'school-gate-camera-30').filter((f: any) => f.properties.subject_id === schoolId
      && f.geometry.coordinates[0] === g[0] && f.geometry.coordinates[1] === g[1])).toEqual([]);
    const moved = await call('PATCH', `/api/sites/${cam.body.id}`, { geometry: { type: 'Point', coordinates: north(g, 400) } });
    const atGate = ofRule(moved.body, 'school-gate-camera-30').filter((f: any) => f.properties.subject_id === schoolId
      && f.geometry.coordinates[0] === g[0] && f.geometry.coordinates[1] === g[1]);
    // unless another camera already watches that gate, it is uncovered now
    const { rows: [other] } = await sql<{ n: number }>`select count(*)::int as n from sites c where c.category = 'camera' and c.id <> ${cam.body.id}
      and ST_DWithin(c.geom::geography, ST_SetSRID(ST_MakePoint(${g[0]}, ${g[1]}), 4326)::geography, 30)`.execute(t.db.kysely);
    expect(atGate.length).toBe(other.n > 0 ? 0 : 1);
  });

  it('answers zones around each subject when asked', async () => {
    const res = await t.app.request(`/api/rules/${ruleId('internet-cafe-school-200')}/run?region=990101000000&zones=true`, { method: 'POST', headers: { cookie: planner } });
    const body = await res.json() as any;
    const zone = body.zones.features.find((f: any) => f.properties.subject_id === schoolId);
    expect(zone.geometry.type).toBe('Polygon');
    // the buffer reaches about 200 m north of the campus's northernmost point
    const northmost = Math.max(...zone.geometry.coordinates[0].map((p: number[]) => p[1]));
    expect(geodesicM(top, [top[0], northmost])).toBeGreaterThan(198);
    expect(geodesicM(top, [top[0], northmost])).toBeLessThan(202);
  });
});
