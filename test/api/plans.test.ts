import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertUser } from '../../server/auth/auth.repository.ts';
import { hashPassword } from '../../server/auth/secrets.ts';
import { loadGridFixture, readGridFixture } from '../support/grid-fixtures.ts';
import { type TestContext, createTestContext } from '../support/test-app.ts';

let t: TestContext;
let planner: string;
beforeAll(async () => { t = await createTestContext(); planner = await t.login('planner'); });
afterAll(async () => { await t?.close(); });

// fixture cells are 0.001° square from (113.5 + the fixture's offset, 33.5)
let X0 = 113.5;
const Y0 = 33.5, D = 0.001;
const rect = (x1: number, y1: number, x2: number, y2: number) => ({
  type: 'Polygon', coordinates: [[[x1, y1], [x2, y1], [x2, y2], [x1, y2], [x1, y1]]],
});
const cell = (i: number, j: number) => rect(X0 + i * D, Y0 + j * D, X0 + (i + 1) * D, Y0 + (j + 1) * D);

async function call(method: string, path: string, body?: unknown, cookie = planner) {
  const res = await t.app.request(path, {
    method, headers: { cookie, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}
const gridsOf = (plan: any) => plan.grids.features as Array<{ id: number; geometry: any; properties: any }>;
/** Union area of the draft's grids and their summed area, in m², straight from PostGIS. */
async function areas(planId: number) {
  const { rows } = await sql<{ union: number; sum: number }>`select ST_Area(ST_Union(geom)::geography) as union,
    sum(ST_Area(geom::geography)) as sum from plan_grids where plan_id = ${planId}`.execute(t.db.kysely);
  return rows[0];
}

describe('draft plans', () => {
  let village: string;
  let plan: any;

  it('opens a draft with a copy of the village\'s grids, validated, and refuses a second draft of the area', async () => {
    const loaded = await loadGridFixture(t.db.kysely, 'valid-3x3', 11);
    village = loaded.village;
    X0 = 113.5 + loaded.dx;
    const res = await call('POST', '/api/plans', { region: village });
    expect(res.status).toBe(201);
    plan = res.body;
    expect(gridsOf(plan)).toHaveLength(9);
    expect(plan.validation.summary.publishable).toBe(true);
    expect(plan.lockedBy.name).toBeTruthy();
    const again = await call('POST', '/api/plans', { region: village });
    expect(again.status).toBe(409);
    expect(again.body.planId).toBe(plan.id);
    expect((await call('POST', '/api/plans', { region: `${village.slice(0, 9)}000` })).status).toBe(409);
  });

  it('turns a deleted grid into a flagged gap, and a grid drawn over it comes back clipped to the gap', async () => {
    const middle = gridsOf(plan).find((g) => g.properties.name === '网格5')!;
    let res = await call('DELETE', `/api/plans/${plan.id}/grids/${middle.id}`);
    expect(res.status).toBe(200);
    expect(res.body.validation.summary.gaps).toBe(1);
    expect(res.body.validation.summary.publishable).toBe(false);
    // drawn much larger than the gap, over four neighbours, and a little off the gap's corners
    res = await call('POST', `/api/plans/${plan.id}/grids`, {
      geometry: rect(X0 + 0.6 * D, Y0 + 0.6 * D, X0 + 2.4 * D, Y0 + 2.4 * D), name: '重画网格',
    });
    expect(res.status).toBe(200);
    plan = res.body;
    const drawn = gridsOf(plan).find((g) => g.properties.name === '重画网格')!;
    expect(drawn.properties.areaM2).toBeGreaterThan(10_200);
    expect(drawn.properties.areaM2).toBeLessThan(10_400);
    expect(plan.validation.summary).toMatchObject({ gaps: 0, overlaps: 0, publishable: true });
  });

  it('splits a grid along a line, the parts summing to the original; merges them back', async () => {
    const target = gridsOf(plan).find((g) => g.properties.name === '网格1')!;
    const before = target.properties.areaM2;
    let res = await call('POST', `/api/plans/${plan.id}/split`, {
      gridId: target.id, line: { type: 'LineString', coordinates: [[X0 + 0.5 * D, Y0 + 1.9 * D], [X0 + 0.5 * D, Y0 + 3.1 * D]] },
    });
    expect(res.status).toBe(200);
    const parts = gridsOf(res.body).filter((g) => g.properties.name.startsWith('网格1'));
    expect(parts).toHaveLength(2);
    expect(Math.abs(parts[0].properties.areaM2 + parts[1].properties.areaM2 - before)).toBeLessThan(before * 1e-4);
    res = await call('POST', `/api/plans/${plan.id}/merge`, { gridIds: parts.map((p) => p.id) });
    expect(res.status).toBe(200);
    plan = res.body;
    const merged = gridsOf(plan).filter((g) => g.properties.name.startsWith('网格1'));
    expect(merged).toHaveLength(1);
    expect(Math.abs(merged[0].properties.areaM2 - before)).toBeLessThan(before * 1e-4);
  });

  it('refuses to merge grids that do not touch, and a line that does not cut', async () => {
    const a = gridsOf(plan).find((g) => g.properties.name === '网格1')!;
    const b = gridsOf(plan).find((g) => g.properties.name === '网格9')!;
    const merge = await call('POST', `/api/plans/${plan.id}/merge`, { gridIds: [a.id, b.id] });
    expect(merge.status).toBe(422);
    expect(merge.body.detail).toMatch(/share a boundary/);
    const split = await call('POST', `/api/plans/${plan.id}/split`, {
      gridId: a.id, line: { type: 'LineString', coordinates: [[X0 + 5 * D, Y0], [X0 + 6 * D, Y0 + D]] },
    });
    expect(split.status).toBe(422);
  });

  it('moves a shared boundary and the neighbour follows, both ways, leaving no gap or overlap', async () => {
    const nw = gridsOf(plan).find((g) => g.properties.name === '网格1')!;
    const n = gridsOf(plan).find((g) => g.properties.name === '网格2')!;
    const nArea = n.properties.areaM2;
    // grow the north-west grid 20 % into its east neighbour
    let res = await call('PATCH', `/api/plans/${plan.id}/grids/${nw.id}`, {
      geometry: rect(X0, Y0 + 2 * D, X0 + 1.2 * D, Y0 + 3 * D), version: plan.version,
    });
    expect(res.status).toBe(200);
    let grown = gridsOf(res.body).find((g) => g.id === n.id)!;
    expect(grown.properties.areaM2).toBeCloseTo(nArea * 0.8, -1);
    expect(res.body.validation.summary).toMatchObject({ gaps: 0, overlaps: 0 });
    // shrink it to 70 %: the strip it gives up goes to the neighbour with the longest shared border
    res = await call('PATCH', `/api/plans/${plan.id}/grids/${nw.id}`, { geometry: rect(X0, Y0 + 2 * D, X0 + 0.7 * D, Y0 + 3 * D) });
    grown = gridsOf(res.body).find((g) => g.id === n.id)!;
    expect(grown.properties.areaM2).toBeCloseTo(nArea * 1.3, -1);
    expect(res.body.validation.summary).toMatchObject({ gaps: 0, overlaps: 0 });
    plan = res.body;
    const a = await areas(plan.id);
    expect(Math.abs(a.union - a.sum)).toBeLessThan(1);
  });

  it('disconnects on request: the grid shrinks alone and a gap is flagged', async () => {
    const nw = gridsOf(plan).find((g) => g.properties.name === '网格1')!;
    const res = await call('PATCH', `/api/plans/${plan.id}/grids/${nw.id}`, {
      geometry: rect(X0, Y0 + 2 * D, X0 + 0.5 * D, Y0 + 3 * D), follow: false,
    });
    expect(res.status).toBe(200);
    expect(res.body.validation.summary.gaps).toBe(1);
    plan = res.body;
  });

  it('undoes and redoes across server operations', async () => {
    let res = await call('POST', `/api/plans/${plan.id}/undo`);
    expect(res.status).toBe(200);
    expect(res.body.validation.summary.gaps).toBe(0);
    expect(res.body.canRedo).toBe(true);
    res = await call('POST', `/api/plans/${plan.id}/redo`);
    expect(res.body.validation.summary.gaps).toBe(1);
    res = await call('POST', `/api/plans/${plan.id}/undo`);
    plan = res.body;
    expect(plan.validation.summary.publishable).toBe(true);
    // undo everything back to the start: the draft equals the published village again
    for (let i = 0; i < 20 && plan.canUndo; i++) plan = (await call('POST', `/api/plans/${plan.id}/undo`)).body;
    expect(gridsOf(plan).map((g) => g.properties.name).sort()).toEqual(['网格1', '网格2', '网格3', '网格4', '网格5', '网格6', '网格7', '网格8', '网格9']);
    expect((await call('GET', `/api/plans/${plan.id}/preview`)).body.summary).toEqual({ unchanged: 9, changed: 0, added: 0, removed: 0 });
    // redoing everything replays the "disconnect" too, and its gap comes back
    for (let i = 0; i < 20 && plan.canRedo; i++) plan = (await call('POST', `/api/plans/${plan.id}/redo`)).body;
    expect(plan.validation.summary.gaps).toBe(1);
    plan = (await call('POST', `/api/plans/${plan.id}/undo`)).body;
    expect(plan.validation.summary.publishable).toBe(true);
  });

  it('answers a stale version, another planner and bad geometry with precise 4xx, changing nothing', async () => {
    const stale = await call('DELETE', `/api/plans/${plan.id}/grids/${gridsOf(plan)[0].id}?version=1`);
    expect(stale.status).toBe(409);
    expect(stale.body.currentVersion).toBe(plan.version);
    await insertUser(t.db.kysely, { username: 'planner2', displayName: '规划员乙', passwordHash: await hashPassword('planner2-2026'), role: 'planner', scopeCode: '990101' });
    const other = await t.login('planner2', 'planner2-2026');
    const locked = await call('DELETE', `/api/plans/${plan.id}/grids/${gridsOf(plan)[0].id}`, undefined, other);
    expect(locked.status).toBe(409);
    expect(locked.body.lockedBy).toBe(plan.lockedBy.name);
    const bowtie = await call('POST', `/api/plans/${plan.id}/grids`, {
      geometry: { type: 'Polygon', coordinates: [[[X0, Y0], [X0 + D, Y0 + D], [X0 + D, Y0], [X0, Y0 + D], [X0, Y0]]] },
    });
    expect(bowtie.status).toBe(422);
    expect(bowtie.body.type).toBe('/problems/invalid-geometry');
    expect(bowtie.body.detail).toMatch(/Self-intersection/i);
    expect(bowtie.body.location.type).toBe('Point');
    const outOfRange = await call('POST', `/api/plans/${plan.id}/grids`, { geometry: rect(200, 0, 201, 1) });
    expect(outOfRange.status).toBe(400);
    const open = await call('POST', `/api/plans/${plan.id}/grids`, { geometry: { type: 'Polygon', coordinates: [[[X0, Y0], [X0 + D, Y0], [X0, Y0 + D], [X0 + D, Y0 + D]]] } });
    expect(open.status).toBe(400);
    expect((await call('DELETE', `/api/plans/${plan.id}/grids/999999999`)).status).toBe(404);
    const inspector = await t.login('inspector');
    expect((await call('DELETE', `/api/plans/${plan.id}/grids/${gridsOf(plan)[0].id}`, undefined, inspector)).status).toBe(403);
    expect((await call('GET', `/api/plans/${plan.id}`, undefined, await t.login('member'))).status).toBe(404);
    const after = (await call('GET', `/api/plans/${plan.id}`)).body;
    expect(after.version).toBe(plan.version);
    expect(gridsOf(after)).toHaveLength(gridsOf(plan).length);
  });
});

describe('importing a grid layer into a draft', () => {
  it('replaces the village\'s draft grids, reports the imported layer\'s overlap, and undoes as one step', async () => {
    const { village, dx } = await loadGridFixture(t.db.kysely, 'valid-3x3', 14);
    const plan = (await call('POST', '/api/plans', { region: village })).body;
    const shift = (g: any): any => Array.isArray(g) ? (typeof g[0] === 'number' ? [g[0] + dx, g[1]] : g.map(shift)) : g;
    const grids = readGridFixture('overlap').features.filter((f) => f.properties.role === 'grid')
      .map((f: any) => ({ type: 'Feature', properties: { name: `旧系统${f.properties.name}` }, geometry: { ...f.geometry, coordinates: shift(f.geometry.coordinates) } }));
    const res = await call('POST', `/api/plans/${plan.id}/import`, { type: 'FeatureCollection', features: grids });
    expect(res.status).toBe(200);
    expect(gridsOf(res.body)).toHaveLength(9);
    expect(gridsOf(res.body).every((g) => g.properties.name.startsWith('旧系统') && g.properties.sourceGridId === null)).toBe(true);
    expect(res.body.validation.summary).toMatchObject({ overlaps: 1, gaps: 0, publishable: false });
    const undone = (await call('POST', `/api/plans/${plan.id}/undo`)).body;
    expect(gridsOf(undone).every((g) => g.properties.sourceGridId !== null)).toBe(true);
  });

  it('imports a zipped Shapefile in CGCS2000 the same way', async () => {
    const { village } = await loadGridFixture(t.db.kysely, 'valid-3x3', 16);
    const plan = (await call('POST', '/api/plans', { region: village })).body;
    const zip = readFileSync(new URL('../fixtures/grids/overlap-3x3-at-village-16-cgcs2000.shp.zip', import.meta.url));
    const res = await t.app.request(`/api/plans/${plan.id}/import/shapefile`, {
      method: 'POST', headers: { cookie: planner, 'content-type': 'application/zip' }, body: zip,
    });
    expect(res.status).toBe(200);
    const body = await res.json() as any;
    expect(gridsOf(body).map((g) => g.properties.name).sort()).toEqual(['网格1', '网格2', '网格3', '网格4', '网格5', '网格6', '网格7', '网格8', '网格9']);
    expect(body.validation.summary).toMatchObject({ overlaps: 1, gaps: 0 });
    const junk = await t.app.request(`/api/plans/${plan.id}/import/shapefile`, {
      method: 'POST', headers: { cookie: planner, 'content-type': 'application/zip' }, body: new Uint8Array([80, 75, 1, 2, 3]),
    });
    expect(junk.status).toBe(422);
  });

  it('refuses the whole import, row by row, when a feature is invalid or outside the plan', async () => {
    const { village, dx } = await loadGridFixture(t.db.kysely, 'valid-3x3', 15);
    const plan = (await call('POST', '/api/plans', { region: village })).body;
    const X = 113.5 + dx;
    const features = [
      { type: 'Feature', properties: { name: '好的' }, geometry: rect(X, Y0, X + D, Y0 + D) },
      { type: 'Feature', properties: { name: '自相交' }, geometry: { type: 'Polygon', coordinates: [[[X, Y0], [X + D, Y0 + D], [X + D, Y0], [X, Y0 + D], [X, Y0]]] } },
      { type: 'Feature', properties: { name: '界外' }, geometry: rect(X + 0.1, Y0, X + 0.1 + D, Y0 + D) },
    ];
    const res = await call('POST', `/api/plans/${plan.id}/import`, { type: 'FeatureCollection', features });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('plan.import-invalid-features');
    expect(res.body.errors).toEqual([
      { feature: 1, code: 'row.feature-invalid-polygon', params: { reason: expect.stringMatching(/^Self-intersection/) }, message: expect.stringMatching(/invalid polygon: Self-intersection/) },
      { feature: 2, code: 'row.feature-outside-plan', params: {}, message: 'lies in no village of this plan' },
    ]);
    const after = (await call('GET', `/api/plans/${plan.id}`)).body;
    expect(after.version).toBe(plan.version);
    expect(gridsOf(after)).toHaveLength(9);
  });
});

describe('workload balance', () => {
  it('gives every draft grid its households, sites, incidents of the last 12 months and the norm of its village type', async () => {
    const communities = (await t.get('/api/regions?level=village&within=990101001000&geometry=false', planner)).body.features
      .filter((f: any) => f.properties.urban);
    const community = communities[0].properties.code;
    const res = await call('POST', '/api/plans', { region: community });
    expect(res.status).toBe(201);
    const grids = gridsOf(res.body).map((g) => g.properties);
    const published = (await t.get(`/api/grids?region=${community}&layer=comprehensive`, planner)).body.features;
    // households are counted from household points and agree with the published grids
    expect(grids.reduce((n, g) => n + g.households, 0)).toBe(published.reduce((n: number, f: any) => n + f.properties.households, 0));
    expect(grids.every((g) => g.target === 300)).toBe(true);
    for (const g of grids) {
      const status = g.households < 180 ? 'low' : g.households > 420 ? 'high' : 'ok';
      expect(g.normStatus, g.name).toBe(status);
    }
    expect(grids.some((g) => Object.keys(g.sites).length > 0)).toBe(true);
    expect(grids.some((g) => g.incidents12m > 0)).toBe(true);
    await call('DELETE', `/api/plans/${res.body.id}`);
  });
});

describe('publishing', () => {
  it('previews, then publishes new versions with codes, re-homing sites and open incidents and carrying members', async () => {
    const { village, ids, dx } = await loadGridFixture(t.db.kysely, 'valid-3x3', 12);
    X0 = 113.5 + dx;
    // a leader on the middle grid, a camera and an open incident in its east half
    await sql`insert into grid_assignments (grid_id, person_id, duty) values (${ids[4]}, 1, 'leader')`.execute(t.db.kysely);
    await sql`insert into sites (category, name, geom, region_code, grid_id)
      values ('camera', '测试摄像头', ST_SetSRID(ST_MakePoint(${X0 + 1.8 * D}, ${Y0 + 1.5 * D}), 4326), ${village}, ${ids[4]})`.execute(t.db.kysely);
    await sql`insert into incidents (code, category, title, location, grid_id, region_code, state)
      values ('SJ-TEST-1', 'safety.fire', '测试隐患', ST_SetSRID(ST_MakePoint(${X0 + 1.8 * D}, ${Y0 + 1.5 * D}), 4326), ${ids[4]}, ${village}, 'dispatched'),
             ('SJ-TEST-2', 'safety.fire', '已办结', ST_SetSRID(ST_MakePoint(${X0 + 1.8 * D}, ${Y0 + 1.6 * D}), 4326), ${ids[4]}, ${village}, 'closed')`.execute(t.db.kysely);
    const plan = (await call('POST', '/api/plans', { region: village })).body;
    const middle = gridsOf(plan).find((g) => g.properties.sourceGridId === ids[4])!;
    // cut the middle grid into a larger west part (keeps the code) and an east part (a new grid)
    await call('POST', `/api/plans/${plan.id}/split`, {
      gridId: middle.id, line: { type: 'LineString', coordinates: [[X0 + 1.6 * D, Y0 + 0.9 * D], [X0 + 1.6 * D, Y0 + 2.1 * D]] },
    });
    const preview = (await call('GET', `/api/plans/${plan.id}/preview`)).body;
    expect(preview.summary).toEqual({ unchanged: 8, changed: 1, added: 1, removed: 0 });
    const added = preview.grids.find((g: any) => g.outcome === 'added');
    expect(added.code).toBe(`${village}010`);
    expect(preview.members).toEqual([expect.objectContaining({ duty: 'leader', gridCode: `${village}005`, outcome: 'carried' })]);
    expect(preview.sitesMoving).toEqual([expect.objectContaining({ name: '测试摄像头', fromCode: `${village}005`, toCode: `${village}010` })]);
    expect(preview.incidentsMoving.map((i: any) => i.code)).toEqual(['SJ-TEST-1']);

    // a second member on the grid, whom the planner unticks in the preview: their duty ends
    await sql`insert into grid_assignments (grid_id, person_id, duty) values (${ids[4]}, 2, 'part_time')`.execute(t.db.kysely);
    const members = (await call('GET', `/api/plans/${plan.id}/preview`)).body.members;
    const partTime = members.find((m: any) => m.duty === 'part_time');
    const res = await call('POST', `/api/plans/${plan.id}/publish`, { endAssignmentIds: [partTime.assignmentId] });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ closed: 1, inserted: 2, sitesRehomed: 1, incidentsRehomed: 1 });
    const grids = (await t.get(`/api/grids?region=${village}`, planner)).body.features;
    expect(grids.map((f: any) => f.properties.code)).toContain(`${village}010`);
    const continued = grids.find((f: any) => f.properties.code === `${village}005`);
    expect(continued.properties.version).toBe(2);
    expect((await t.get(`/api/grids/${continued.id}`, planner)).body.properties.members.map((m: any) => m.duty)).toEqual(['leader']);
    const history = (await t.get(`/api/grids/${continued.id}/history`, planner)).body.features;
    expect(history.map((f: any) => f.properties.version)).toEqual([2, 1]);
    const { rows } = await sql<{ code: string; grid: string }>`select i.code, g.code as grid from incidents i join grids g on g.id = i.grid_id
      where i.code like 'SJ-TEST-%' order by i.code`.execute(t.db.kysely);
    expect(rows).toEqual([{ code: 'SJ-TEST-1', grid: `${village}010` }, { code: 'SJ-TEST-2', grid: `${village}005` }]);
    expect((await call('POST', `/api/plans/${plan.id}/publish`)).status).toBe(409);
    // a published plan no longer holds the area: the next draft opens
    expect((await call('POST', '/api/plans', { region: village })).status).toBe(201);
    const audit = await sql<{ action: string }>`select action from audit_log where entity = 'plan' and entity_id = ${String(plan.id)} order by id`.execute(t.db.kysely);
    expect(audit.rows.map((r) => r.action)).toEqual(['plan.create', 'plan.split', 'plan.publish']);
    expect((await call('GET', `/api/plans/${plan.id}`)).body.status).toBe('published');
  });

  it('refuses to publish a draft with a gap, and a draft whose base changed meanwhile', async () => {
    const { village, ids, dx } = await loadGridFixture(t.db.kysely, 'valid-3x3', 13);
    X0 = 113.5 + dx;
    const plan = (await call('POST', '/api/plans', { region: village })).body;
    await call('DELETE', `/api/plans/${plan.id}/grids/${gridsOf(plan)[0].id}`);
    const gap = await call('POST', `/api/plans/${plan.id}/publish`);
    expect(gap.status).toBe(422);
    expect(gap.body.problems[0].kind).toBe('gap');
    await call('POST', `/api/plans/${plan.id}/undo`);
    // someone else's change lands on the published grids
    await sql`update grids set valid_to = now() where id = ${ids[0]}`.execute(t.db.kysely);
    const stale = await call('POST', `/api/plans/${plan.id}/publish`);
    expect(stale.status).toBe(409);
    expect(stale.body.vanishedGridIds).toEqual([ids[0]]);
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from grids where village_code = ${village} and valid_to is null`.execute(t.db.kysely);
    expect(rows[0].n).toBe(8);
  });
});
