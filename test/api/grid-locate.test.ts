import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestContext, createTestContext } from '../support/test-app.ts';

let t: TestContext;
let planner: string;
beforeAll(async () => { t = await createTestContext(); planner = await t.login('planner'); });
afterAll(async () => { await t?.close(); });

async function locate(body: unknown, cookie = planner) {
  const res = await t.app.request('/api/grids/locate', {
    method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() as any, type: res.headers.get('content-type') };
}

/** A point inside each of some comprehensive grids, with the grid and its village. */
async function gridPoints(limit: number, offset = 0) {
  const { rows } = await sql<{ id: number; code: string; villageCode: string; villageName: string; x: number; y: number }>`
    select g.id::int as id, g.code, g.village_code as "villageCode", v.name as "villageName", ST_X(p) as x, ST_Y(p) as y
    from (select *, ST_PointOnSurface(geom) as p from grids where layer_id = 1 and valid_to is null) g
    join regions v on v.code = g.village_code
    order by g.code limit ${limit} offset ${offset}`.execute(t.db.kysely);
  return rows;
}

describe('POST /api/grids/locate', () => {
  it('routes each point to the grid and village containing it, in input order, null where none', async () => {
    const grids = await gridPoints(40, 300);
    const shuffled = [...grids].reverse();
    const points = [...shuffled.map((g) => [g.x, g.y]), [10, 10]];
    const { status, body } = await locate({ points });
    expect(status).toBe(200);
    expect(body.results).toHaveLength(points.length);
    expect(body.located).toBe(shuffled.length);
    shuffled.forEach((g, i) => {
      expect(body.results[i]).toEqual({ gridId: g.id, gridCode: g.code, gridName: expect.any(String), villageCode: g.villageCode, villageName: g.villageName });
    });
    expect(body.results.at(-1)).toBeNull();
  });

  it('gives a point on an edge shared by two grids to the lower grid code', async () => {
    const { rows: [edge] } = await sql<{ a: string; b: string; x: number; y: number }>`
      select a.code as a, b.code as b, ST_X(d.geom) as x, ST_Y(d.geom) as y
      from grids a join grids b on b.layer_id = 1 and b.valid_to is null and b.code > a.code and ST_Touches(a.geom, b.geom)
      cross join lateral (select (ST_DumpPoints(a.geom)).geom) d
      where a.layer_id = 1 and a.valid_to is null and a.code >= '990101001001' and ST_Intersects(b.geom, d.geom)
      order by a.code limit 1`.execute(t.db.kysely);
    const { body } = await locate({ points: [[edge.x, edge.y]] });
    expect(body.results[0].gridCode).toBe(edge.a);
    expect(edge.a < edge.b).toBe(true);
  });

  it('locates in dedicated grids when asked', async () => {
    const { rows: [d] } = await sql<{ code: string; x: number; y: number }>`
      select code, ST_X(p) as x, ST_Y(p) as y from (select code, ST_PointOnSurface(geom) as p from grids
      where layer_id = 2 and valid_to is null order by code limit 1) g`.execute(t.db.kysely);
    const { body } = await locate({ points: [[d.x, d.y]], layer: 'dedicated' });
    expect(body.results[0].gridCode).toBe(d.code);
    const comprehensive = await locate({ points: [[d.x, d.y]] });
    expect(comprehensive.body.results[0].gridCode).not.toBe(d.code);
  });

  it('keeps to the caller\'s scope: a grid member locates only in their own grids', async () => {
    const member = await t.login('member');
    const mine = (await t.get('/api/grids?layer=comprehensive', member)).body;
    const myIds = new Set<number>(mine.features.map((f: any) => Number(f.properties.id)));
    expect(myIds.size).toBeGreaterThan(0);
    const grids = await gridPoints(2200);
    const points = grids.map((g) => [g.x, g.y]);
    const { status, body } = await locate({ points }, member);
    expect(status).toBe(200);
    expect(body.located).toBe(myIds.size);
    body.results.forEach((r: any, i: number) => {
      if (myIds.has(grids[i].id)) expect(r.gridId).toBe(grids[i].id);
      else expect(r).toBeNull();
    });
  });

  it('answers 10,000 points in one request', async () => {
    const grids = await gridPoints(2000);
    const points = Array.from({ length: 10_000 }, (_, i) => [grids[i % grids.length].x, grids[i % grids.length].y]);
    const { status, body } = await locate({ points });
    expect(status).toBe(200);
    expect(body.located).toBe(10_000);
    expect(body.results[2001].gridId).toBe(grids[1].id);
  });

  it.each([
    ['no points', { points: [] }],
    ['too many points', { points: Array.from({ length: 10_001 }, () => [113.2, 33.9]) }],
    ['a latitude out of range', { points: [[113.2, 95]] }],
    ['a point with one coordinate', { points: [[113.2]] }],
    ['a string coordinate', { points: [['113.2', 33.9]] }],
    ['an unknown layer', { points: [[113.2, 33.9]], layer: 'roads' }],
  ])('rejects %s with a 400 problem', async (_name, body) => {
    const res = await locate(body);
    expect(res.status).toBe(400);
    expect(res.type).toContain('application/problem+json');
    expect(res.body.type).toBe('/problems/validation');
  });

  it('needs a signed-in caller', async () => {
    const res = await t.app.request('/api/grids/locate', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"points":[[113.2,33.9]]}' });
    expect(res.status).toBe(401);
  });
});
