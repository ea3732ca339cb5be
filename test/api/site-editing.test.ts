import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestContext, createTestContext } from '../support/test-app.ts';

let t: TestContext;
let planner: string;
let point: [number, number];
beforeAll(async () => {
  t = await createTestContext();
  planner = await t.login('planner');
  const { rows } = await sql<{ x: number; y: number }>`select ST_X(p) as x, ST_Y(p) as y from
    (select ST_PointOnSurface(geom) as p from grids where layer_id = 1 order by code limit 1 offset 50) g`.execute(t.db.kysely);
  point = [Number(rows[0].x.toFixed(6)), Number(rows[0].y.toFixed(6))];
});
afterAll(async () => { await t?.close(); });

async function call(method: string, path: string, body?: unknown, cookie = planner) {
  const res = await t.app.request(path, { method, headers: { cookie, 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}
const auditRows = async (id: number) => (await sql<{ action: string }>`select action from audit_log where entity = 'site' and entity_id = ${String(id)} order by id`.execute(t.db.kysely)).rows.map((r) => r.action);

describe('editing key sites', () => {
  let id: number;

  it('adds a site, placing it in its village and grid, and audits it', async () => {
    const res = await call('POST', '/api/sites', {
      category: 'internet_cafe', name: '新开网吧', geometry: { type: 'Point', coordinates: point }, entrances: [point],
      attrs: { seats: 80, licenseNo: '网文2026001号', address: '测试路1号' },
    });
    expect(res.status).toBe(201);
    id = res.body.id;
    const grid = (await t.get(`/api/grids/at?lon=${point[0]}&lat=${point[1]}`, planner)).body.features[0];
    expect(res.body.properties).toMatchObject({ gridCode: grid.properties.code, regionCode: grid.properties.villageCode, version: 1 });
    expect(await auditRows(id)).toEqual(['site.create']);
  });

  it('checks geometry kind and attributes against the category, naming the bad field', async () => {
    const line = await call('POST', '/api/sites', { category: 'camera', name: '线', geometry: { type: 'LineString', coordinates: [point, [point[0] + 0.001, point[1]]] } });
    expect(line.status).toBe(422);
    expect(line.body.detail).toMatch(/camera site is a point/);
    const attrs = await call('POST', '/api/sites', { category: 'school', name: '学校', geometry: { type: 'Polygon', coordinates: [[
      point, [point[0] + 0.001, point[1]], [point[0] + 0.001, point[1] + 0.001], point]] }, attrs: { stage: 'college', students: -5 } });
    expect(attrs.status).toBe(422);
    expect(attrs.body.errors.map((e: any) => e.path)).toEqual(expect.arrayContaining(['attrs.stage', 'attrs.students']));
    // the rule and its limit, so that the form can say it in the reader's language
    expect(attrs.body.errors).toEqual(expect.arrayContaining([
      expect.objectContaining({ path: 'attrs.students', rule: 'minimum', params: { limit: 0 } }),
      expect.objectContaining({ path: 'attrs.stage', rule: 'choice' }),
    ]));
    const noEntrances = await call('POST', '/api/sites', { category: 'camera', name: '摄像头', geometry: { type: 'Point', coordinates: point }, entrances: [point] });
    expect(noEntrances.status).toBe(422);
    const outside = await call('POST', '/api/sites', { category: 'camera', name: '外', geometry: { type: 'Point', coordinates: [10, 10] } });
    expect(outside.status).toBe(422);
    expect((await call('POST', '/api/sites', { category: 'camera', name: '', geometry: { type: 'Point', coordinates: [500, 10] } })).status).toBe(400);
  });

  it('moves a site with optimistic concurrency: a stale version is a 409 and changes nothing', async () => {
    const moved: [number, number] = [point[0] + 0.0002, point[1]];
    const ok = await call('PATCH', `/api/sites/${id}`, { geometry: { type: 'Point', coordinates: moved }, entrances: [moved], version: 1 });
    expect(ok.status).toBe(200);
    expect(ok.body.geometry.coordinates).toEqual(moved.map((v) => Number(v.toFixed(7))));
    expect(ok.body.properties.version).toBe(2);
    const stale = await call('PATCH', `/api/sites/${id}`, { name: '改名', version: 1 });
    expect(stale.status).toBe(409);
    expect((await t.get(`/api/sites/${id}`, planner)).body.properties.name).toBe('新开网吧');
    expect(await auditRows(id)).toEqual(['site.create', 'site.update']);
  });

  it('lets only planners and administrators edit, and deletes with an audit record', async () => {
    const inspector = await t.login('inspector');
    expect((await call('PATCH', `/api/sites/${id}`, { name: '检查员改名' }, inspector)).status).toBe(403);
    expect((await call('DELETE', `/api/sites/${id}`, undefined, inspector)).status).toBe(403);
    expect((await call('DELETE', `/api/sites/${id}?version=1`)).status).toBe(409);
    expect((await call('DELETE', `/api/sites/${id}`)).status).toBe(204);
    expect((await t.get(`/api/sites/${id}`, planner)).status).toBe(404);
    expect(await auditRows(id)).toEqual(['site.create', 'site.update', 'site.delete']);
  });
});
