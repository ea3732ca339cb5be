import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestContext, createTestContext } from '../support/test-app.ts';

let t: TestContext;
let cookie: string;
beforeAll(async () => { t = await createTestContext(); cookie = await t.login('planner'); });
afterAll(async () => { await t?.close(); });

async function someVillage(): Promise<string> {
  const { body } = await t.get('/api/regions?level=village&within=990101000000&geometry=false', cookie);
  return body.features[10].properties.code;
}

describe('grids', () => {
  it('serves a village\'s comprehensive grids as GeoJSON with 15-digit codes under the village code', async () => {
    const village = await someVillage();
    const { status, body } = await t.get(`/api/grids?region=${village}&layer=comprehensive`, cookie);
    expect(status).toBe(200);
    expect(body.type).toBe('FeatureCollection');
    expect(body.features.length).toBeGreaterThan(0);
    for (const f of body.features) {
      expect(f.id).toBe(f.properties.id);
      expect(f.properties.code).toMatch(new RegExp(`^${village}\\d{3}$`));
      expect(f.properties.layer).toBe('comprehensive');
      expect(f.properties.validTo).toBeNull();
      expect(f.geometry.type).toBe('MultiPolygon');
    }
  });

  it('serves the whole county, dedicated grids separately', async () => {
    const all = await t.get('/api/grids?layer=comprehensive', cookie);
    expect(all.body.features.length).toBeGreaterThanOrEqual(1800);
    const dedicated = await t.get('/api/grids?layer=dedicated', cookie);
    expect(dedicated.body.features.length).toBeGreaterThan(0);
    expect(dedicated.body.features.every((f: any) => Number(f.properties.code.slice(12)) >= 901)).toBe(true);
  });

  it('filters by bbox to the grids that touch it', async () => {
    const village = await someVillage();
    const region = (await t.get(`/api/regions/${village}`, cookie)).body;
    const [w, s, e, n] = region.properties.bbox;
    const { body } = await t.get(`/api/grids?bbox=${w},${s},${e},${n}&layer=comprehensive`, cookie);
    const inVillage = (await t.get(`/api/grids?region=${village}&layer=comprehensive`, cookie)).body.features.length;
    expect(body.features.length).toBeGreaterThanOrEqual(inVillage);
    expect(body.features.length).toBeLessThan(200);
  });

  it('finds the grid at a point, and nothing outside the county', async () => {
    const { rows } = await sql<{ id: number; x: number; y: number }>`
      select id, ST_X(p) as x, ST_Y(p) as y from (select id, ST_PointOnSurface(geom) as p from grids where layer_id = 1 order by code limit 1 offset 100) g`
      .execute(t.db.kysely);
    const { x, y, id } = rows[0];
    const { body } = await t.get(`/api/grids/at?lon=${x}&lat=${y}`, cookie);
    expect(body.features[0].properties.id).toBe(Number(id));
    expect(body.features.filter((f: any) => f.properties.layer === 'comprehensive')).toHaveLength(1);
    expect((await t.get('/api/grids/at?lon=10&lat=10', cookie)).body.features).toEqual([]);
  });

  it('details a grid: village, township, members with a leader first, area and sites by category', async () => {
    const { rows } = await sql<{ id: number }>`select g.id from grids g
      where g.layer_id = 1 and exists (select 1 from grid_assignments a where a.grid_id = g.id and a.duty = 'leader')
        and exists (select 1 from sites s where s.grid_id = g.id) order by g.code limit 1`.execute(t.db.kysely);
    const { status, body } = await t.get(`/api/grids/${rows[0].id}`, cookie);
    expect(status).toBe(200);
    const p = body.properties;
    expect(p.township.code).toBe(`${p.villageCode.slice(0, 9)}000`);
    expect(p.members[0].duty).toBe('leader');
    expect(p.members[0].name).toMatch(/^[\u4e00-\u9fa5]{2,4}$/);
    expect(p.areaKm2).toBeGreaterThan(0);
    expect(p.sitesByCategory.length).toBeGreaterThan(0);
    expect(p.sitesByCategory.every((s: any) => s.count > 0 && s.name)).toBe(true);
  });

  it('keeps history: a redrawn grid has two versions, and ?at= shows the old one', async () => {
    const grid = await t.db.kysely.selectFrom('grids').selectAll().where('layerId', '=', 1).orderBy('code').limit(1).executeTakeFirstOrThrow();
    await sql`update grids set valid_to = now() - interval '1 day' where id = ${grid.id}`.execute(t.db.kysely);
    await sql`insert into grids (code, name, layer_id, village_code, geom, households, population, version, valid_from)
      select code, name || '（调整后）', layer_id, village_code, geom, households, population, version + 1, now() - interval '1 day'
      from grids where id = ${grid.id}`.execute(t.db.kysely);
    const history = await t.get(`/api/grids/${grid.id}/history`, cookie);
    expect(history.body.features.map((f: any) => f.properties.version)).toEqual([2, 1]);
    const lastYear = new Date(Date.now() - 200 * 86400_000).toISOString().slice(0, 10);
    const then = await t.get(`/api/grids?region=${grid.villageCode}&at=${lastYear}`, cookie);
    const match = then.body.features.find((f: any) => f.properties.code === grid.code);
    expect(match.properties.version).toBe(1);
    const now = await t.get(`/api/grids?region=${grid.villageCode}`, cookie);
    expect(now.body.features.find((f: any) => f.properties.code === grid.code).properties.version).toBe(2);
  });

  it('rejects bad parameters with a 400 that names the field', async () => {
    for (const [path, field] of [
      ['/api/grids?bbox=113,34,112,35', 'bbox'], ['/api/grids?bbox=a,b,c,d', 'bbox'], ['/api/grids?layer=other', 'layer'],
      ['/api/grids?at=2026-13-45', 'at'], ['/api/grids/at?lon=200&lat=30', 'lon'], ['/api/grids/at?lon=113', 'lat'],
      ['/api/grids/abc', 'id'], ['/api/grids/-3', 'id'],
    ]) {
      const { status, body } = await t.get(path, cookie);
      expect(status, path).toBe(400);
      expect(body.errors.map((e: any) => e.path), path).toContain(field);
    }
    expect((await t.get('/api/grids/999999999', cookie)).status).toBe(404);
  });
});
