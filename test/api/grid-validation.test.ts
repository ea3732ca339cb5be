import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGridFixture } from '../support/grid-fixtures.ts';
import { type TestContext, createTestContext } from '../support/test-app.ts';

let t: TestContext;
let cookie: string;
beforeAll(async () => { t = await createTestContext(); cookie = await t.login('planner'); });
afterAll(async () => { await t?.close(); });

const validate = async (region: string) => {
  const { status, body } = await t.get(`/api/grids/validate?region=${region}`, cookie);
  expect(status).toBe(200);
  return body as { features: Array<{ geometry: any; properties: any }>; summary: any };
};
const kinds = (report: Awaited<ReturnType<typeof validate>>) => report.features.map((f) => f.properties.kind);

describe('grid coverage validation', () => {
  it('finds nothing wrong with a village tiled exactly (valid-3x3)', async () => {
    const { village } = await loadGridFixture(t.db.kysely, 'valid-3x3', 1);
    const report = await validate(village);
    expect(report.features).toEqual([]);
    expect(report.summary).toMatchObject({ gaps: 0, overlaps: 0, outside: 0, multipart: 0, slivers: 0, publishable: true });
  });

  it('reports a thin uncovered strip as a gap that is also a sliver, with its area in m² (gap-sliver)', async () => {
    const { village } = await loadGridFixture(t.db.kysely, 'gap-sliver', 2);
    const report = await validate(village);
    expect(kinds(report)).toEqual(['gap']);
    const gap = report.features[0].properties;
    // 1e-5° of longitude at 33.5°N ≈ 0.93 m, times 0.001° of latitude ≈ 110.9 m
    expect(gap.areaM2).toBeGreaterThan(95);
    expect(gap.areaM2).toBeLessThan(110);
    expect(gap.sliver).toBe(true);
    expect(gap.thinness).toBeLessThan(0.05);
    expect(report.features[0].geometry.type).toBe('Polygon');
    expect(report.summary).toMatchObject({ gaps: 1, slivers: 1, publishable: false });
  });

  it('reports an overlap between the two grids involved, with the overlapping area (overlap)', async () => {
    const { village, ids } = await loadGridFixture(t.db.kysely, 'overlap', 3);
    const report = await validate(village);
    expect(kinds(report)).toEqual(['overlap']);
    const overlap = report.features[0].properties;
    // the south-west grid (7th, north→south/west→east) reaches ~9.3 m into the 8th
    expect(overlap.gridIds.sort()).toEqual([ids[6], ids[7]].sort());
    expect(overlap.areaM2).toBeGreaterThan(950);
    expect(overlap.areaM2).toBeLessThan(1100);
    expect(report.summary.publishable).toBe(false);
  });

  it('accepts a T-junction: a vertex on a neighbour\'s edge is not a gap or an overlap (t-junction)', async () => {
    const { village } = await loadGridFixture(t.db.kysely, 't-junction', 4);
    const report = await validate(village);
    expect(report.features).toEqual([]);
  });

  it('respects a village\'s hole, and reports a grid that covers it as outside (hole)', async () => {
    const { village, dx } = await loadGridFixture(t.db.kysely, 'hole', 5);
    expect((await validate(village)).features).toEqual([]);
    await sql`insert into grids (code, name, layer_id, village_code, geom)
      select ${`${village}009`}, '占用飞地的网格', 1, ${village},
        ST_Multi(ST_MakeEnvelope(${113.501 + dx}, 33.501, ${113.502 + dx}, 33.502, 4326))`.execute(t.db.kysely);
    const report = await validate(village);
    expect(kinds(report)).toEqual(['outside']);
    expect(report.features[0].properties.gridCodes).toEqual([`${village}009`]);
    expect(report.features[0].properties.areaM2).toBeGreaterThan(10000);
  });

  it('reports multi-part grids and tiny grids as slivers', async () => {
    const { village, ids, dx } = await loadGridFixture(t.db.kysely, 'valid-3x3', 6);
    const tiny = sql`ST_MakeEnvelope(${113.5015 + dx}, 33.5015, ${113.50155 + dx}, 33.50155, 4326)`;
    // merge the north-west and south-east corners into one (disjoint) grid, and delete the latter
    await sql`update grids set geom = ST_Multi(ST_Union(geom, (select geom from grids where id = ${ids[8]}))) where id = ${ids[0]}`.execute(t.db.kysely);
    await sql`delete from grids where id = ${ids[8]}`.execute(t.db.kysely);
    // and cut a 5 m × 5 m grid out of the centre one
    await sql`update grids set geom = ST_Multi(ST_Difference(geom, ${tiny})) where id = ${ids[4]}`.execute(t.db.kysely);
    await sql`insert into grids (code, name, layer_id, village_code, geom) values
      (${`${village}010`}, '碎片', 1, ${village}, ST_Multi(${tiny}))`.execute(t.db.kysely);
    const report = await validate(village);
    expect(kinds(report).sort()).toEqual(['multipart', 'sliver']);
    expect(report.features.find((f) => f.properties.kind === 'multipart')!.properties.gridIds).toEqual([ids[0]]);
    expect(report.features.find((f) => f.properties.kind === 'sliver')!.properties.areaM2).toBeLessThan(40);
    expect(report.summary.publishable).toBe(true);
  });

  it('derives the parent of a village without a boundary from its grids: an interior hole is a gap', async () => {
    const { village, ids } = await loadGridFixture(t.db.kysely, 'valid-3x3', 7);
    await sql`update regions set boundary = null where code = ${village}`.execute(t.db.kysely);
    expect((await validate(village)).features).toEqual([]);
    await sql`delete from grids where id = ${ids[4]}`.execute(t.db.kysely);
    const report = await validate(village);
    expect(kinds(report)).toEqual(['gap']);
    expect(report.features[0].properties.areaM2).toBeGreaterThan(10000);
  });

  it('validates a whole township of the demo county, which tiles exactly', async () => {
    const townships = (await t.get('/api/regions?parent=990101000000&geometry=false', cookie)).body.features;
    const report = await validate(townships[7].properties.code);
    expect(report.summary).toMatchObject({ gaps: 0, overlaps: 0, outside: 0, multipart: 0, publishable: true });
  });

  it('answers 404 for a region outside the caller\'s scope and 400 without a region', async () => {
    const member = await t.login('member');
    expect((await t.get('/api/grids/validate?region=990101001000', member)).status).toBe(404);
    expect((await t.get('/api/grids/validate', cookie)).status).toBe(400);
  });
});
