import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestContext, createTestContext } from '../support/test-app.ts';

let t: TestContext;
let cookie: string;
beforeAll(async () => { t = await createTestContext(); cookie = await t.login('inspector'); });
afterAll(async () => { await t?.close(); });

describe('regions', () => {
  it('starts a county-scoped user at the county, with its boundary', async () => {
    const { status, body } = await t.get('/api/regions', cookie);
    expect(status).toBe(200);
    expect(body.type).toBe('FeatureCollection');
    expect(body.features).toHaveLength(1);
    expect(body.features[0].properties).toMatchObject({ code: '990101000000', level: 'county' });
    expect(body.features[0].geometry.type).toBe('MultiPolygon');
  });

  it('lists a region\'s children, with their child counts, and can omit geometry', async () => {
    const { body } = await t.get('/api/regions?parent=990101000000&geometry=false', cookie);
    const townships = body.features.map((f: any) => f.properties);
    expect(townships.length).toBeGreaterThanOrEqual(18);
    expect(townships.length).toBeLessThanOrEqual(24);
    expect(townships.every((r: any) => r.level === 'township' && r.childCount > 0)).toBe(true);
    expect(body.features.every((f: any) => f.geometry === null)).toBe(true);
    expect(townships.some((r: any) => r.name.endsWith('街道'))).toBe(true);
    expect(townships.some((r: any) => /[镇乡]$/.test(r.name))).toBe(true);
  });

  it('reads a code as people write it: the 6-digit county and 9-digit township forms name the same region', async () => {
    const twelve = (await t.get('/api/regions/990101000000', cookie)).body;
    const six = await t.get('/api/regions/990101', cookie);
    expect(six.status).toBe(200);
    expect(six.body.properties).toEqual(twelve.properties);
    const township = (await t.get('/api/regions?parent=990101000000&geometry=false', cookie)).body.features[0].properties.code as string;
    const nine = await t.get(`/api/regions/${township.slice(0, 9)}`, cookie);
    expect(nine.body.properties.code).toBe(township);
    const children = (await t.get(`/api/regions?parent=${township.slice(0, 9)}&geometry=false`, cookie)).body.features;
    expect(children.length).toBeGreaterThan(0);
    expect(children.every((f: any) => f.properties.parentCode === township)).toBe(true);
    // other lengths stay malformed
    for (const bad of ['99010', '9901010', '99010100100']) expect((await t.get(`/api/regions/${bad}`, cookie)).status).toBe(400);
  });

  it('lists every village of the county by level', async () => {
    const { body } = await t.get('/api/regions?level=village&within=990101000000&geometry=false', cookie);
    expect(body.features.length).toBeGreaterThanOrEqual(400);
    expect(body.features.every((f: any) => /^990101\d{6}$/.test(f.properties.code) && !f.properties.code.endsWith('000'))).toBe(true);
  });

  it('gives a village its ancestors (for the breadcrumb), bbox and totals', async () => {
    const villages = await t.get('/api/regions?level=village&within=990101000000&geometry=false', cookie);
    const code = villages.body.features[0].properties.code;
    const { status, body } = await t.get(`/api/regions/${code}`, cookie);
    expect(status).toBe(200);
    expect(body.properties.ancestors.map((a: any) => a.level)).toEqual(['county', 'township']);
    expect(body.properties.ancestors[1].code).toBe(`${code.slice(0, 9)}000`);
    const [w, s, e, n] = body.properties.bbox;
    expect(w).toBeLessThan(e);
    expect(s).toBeLessThan(n);
    expect(body.properties.stats.grids).toBeGreaterThan(0);
    expect(body.properties.stats.households).toBeGreaterThan(0);
  });

  it('derives the boundary of a region that has none from the union of its grids', async () => {
    const villages = await t.get('/api/regions?level=village&within=990101000000&geometry=false', cookie);
    const code = villages.body.features[3].properties.code;
    const before = (await t.get(`/api/regions/${code}`, cookie)).body;
    await t.db.kysely.updateTable('regions').set({ boundary: null as never }).where('code', '=', code).execute();
    const after = (await t.get(`/api/regions/${code}`, cookie)).body;
    expect(after.properties.boundaryDerived).toBe(true);
    expect(after.geometry.type).toBe('MultiPolygon');
    for (let i = 0; i < 4; i++) expect(after.properties.bbox[i]).toBeCloseTo(before.properties.bbox[i], 6);
  });

  it('answers an unknown region with 404 and a malformed code with 400', async () => {
    const unknown = await t.get('/api/regions/990101999999', cookie);
    expect(unknown.status).toBe(404);
    expect(unknown.body.type).toBe('/problems/not-found');
    const malformed = await t.get('/api/regions/12ab', cookie);
    expect(malformed.status).toBe(400);
    expect(malformed.body.type).toBe('/problems/validation');
    expect((await t.get('/api/regions?within=990101999000', cookie)).status).toBe(404);
  });
});
