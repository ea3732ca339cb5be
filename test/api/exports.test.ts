import { sql } from 'kysely';
import shp from 'shpjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestContext, createTestContext } from '../support/test-app.ts';

/** Exports read back: GeoJSON, CSV (BOM, lon/lat or WKT) and zipped Shapefiles (shpjs), scoped to the caller. */
let t: TestContext;
let inspector: string;
beforeAll(async () => { t = await createTestContext(); inspector = await t.login('inspector'); });
afterAll(async () => { await t?.close(); });

async function download(query: string, cookie = inspector) {
  const res = await t.app.request(`/api/exports?${query}`, { headers: { cookie } });
  return { status: res.status, headers: res.headers, bytes: new Uint8Array(await res.arrayBuffer()) };
}
const text = (b: Uint8Array) => new TextDecoder().decode(b);
/** A CSV without quoted line breaks, as rows of fields (enough for these files). */
const rowsOf = (csv: string) => csv.replace(/^\uFEFF/, '').trimEnd().split('\r\n').map((l) => l.match(/("([^"]|"")*"|[^,]*)(,|$)/g)!.slice(0, -1)
  .map((f) => f.replace(/,$/, '').replace(/^"(.*)"$/s, '$1').replace(/""/g, '"')));

describe('exports', () => {
  it('sites as GeoJSON: the same features /api/sites answers, as an attachment', async () => {
    const res = await download('kind=sites&format=geojson&category=school,water');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/geo+json');
    expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="sites-990101-.*\.geojson"/);
    const exported = JSON.parse(text(res.bytes));
    const listed = (await t.get('/api/sites?category=school,water', inspector)).body;
    expect(exported.features.map((f: any) => f.id).sort()).toEqual(listed.features.map((f: any) => f.id).sort());
    const water = exported.features.find((f: any) => f.properties.category === 'water');
    expect(water.geometry).toEqual(listed.features.find((f: any) => f.id === water.id).geometry);
    expect(water.properties.attrs.kind).toBeDefined();
  });

  it('streams more than one page (5,000 rows) of sites intact', async () => {
    const exported = JSON.parse(text((await download('kind=sites&format=geojson')).bytes));
    const listed = (await t.get('/api/sites?limit=50000', inspector)).body;
    expect(listed.features.length).toBeGreaterThan(5000);
    expect(exported.features.length).toBe(listed.features.length);
    expect(new Set(exported.features.map((f: any) => f.id)).size).toBe(exported.features.length);
  });

  it('CSV is UTF-8 with a BOM; points get lon/lat, lines and polygons WKT; attributes by dotted path', async () => {
    const cams = await download('kind=sites&format=csv&category=camera');
    expect(cams.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect([...cams.bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const [header, ...rows] = rowsOf(text(cams.bytes));
    expect(header.slice(0, 8)).toEqual(['id', 'category', 'name', 'regionCode', 'villageName', 'gridId', 'lon', 'lat']);
    expect(header).not.toContain('wkt');
    const listed = (await t.get('/api/sites?category=camera', inspector)).body.features;
    expect(rows.length).toBe(listed.length);
    const first = listed.find((f: any) => String(f.id) === rows[0][0]);
    expect([Number(rows[0][6]), Number(rows[0][7])]).toEqual(first.geometry.coordinates);
    expect(rows[0][2]).toBe(first.properties.name);

    const [wh, ...waters] = rowsOf(text((await download('kind=sites&format=csv&category=water')).bytes));
    expect(wh).toEqual(expect.arrayContaining(['wkt', 'attrs.kind', 'attrs.responsible.village.name', 'attrs.equipment.lifeBuoys']));
    const wkt = waters.map((r) => r[wh.indexOf('wkt')]);
    expect(wkt.every((w) => /^(LINESTRING|MULTILINESTRING|POLYGON|MULTIPOLYGON|POINT)\(/.test(w) || w === '')).toBe(true);
    expect(wkt.some((w) => w.startsWith('POLYGON'))).toBe(true);
    expect(waters.every((r) => ['river', 'lake', 'reservoir', 'pond', 'pit'].includes(r[wh.indexOf('attrs.kind')]))).toBe(true);
  });

  it('Shapefile: one shapefile per geometry type with .prj, Chinese names intact (read back with shpjs)', async () => {
    const res = await download('kind=sites&format=shp&category=water');
    expect(res.headers.get('content-type')).toBe('application/zip');
    const layers = await shp(res.bytes.buffer as ArrayBuffer) as any[];
    const listed = (await t.get('/api/sites?category=water', inspector)).body.features;
    expect(layers.map((l) => l.fileName).sort()).toEqual(['lines', 'polygons']);
    const back = layers.flatMap((l) => l.features);
    expect(back.length).toBe(listed.length);
    for (const f of back.slice(0, 40)) {
      const orig = listed.find((o: any) => o.id === f.properties.id);
      expect(f.properties.name).toBe(orig.properties.name);
      expect(f.geometry.type.replace('Multi', '')).toBe(orig.geometry.type.replace('Multi', ''));
      // the first vertex survives the round trip (shpjs reprojects through the .prj)
      const flat = (c: any): number[] => (typeof c[0] === 'number' ? c : flat(c[0]));
      expect(flat(f.geometry.coordinates)[0]).toBeCloseTo(flat(orig.geometry.coordinates)[0], 7);
    }
  });

  it('grids of a township as a Shapefile, and a rule\'s violations as CSV', async () => {
    const code = '990101001000';
    const layers = await shp((await download(`kind=grids&format=shp&region=${code}`)).bytes.buffer as ArrayBuffer) as any;
    const { rows: [{ n }] } = await sql<{ n: number }>`select count(*)::int as n from grids
      where valid_to is null and layer_id = 1 and village_code like '990101001%'`.execute(t.db.kysely);
    const features = (Array.isArray(layers) ? layers : [layers]).flatMap((l: any) => l.features);
    expect(features.length).toBe(n);
    expect(features.every((f: any) => /^990101001\d{6}$/.test(f.properties.code) && f.geometry.type.endsWith('Polygon'))).toBe(true);

    const rules = (await t.get('/api/rules', inspector)).body.items;
    const rule = rules.find((r: any) => r.code === 'internet-cafe-school-200');
    const run = await (await t.app.request(`/api/rules/${rule.id}/run?region=990101000000`, { method: 'POST', headers: { cookie: inspector } })).json() as any;
    const [h, ...rows] = rowsOf(text((await download(`kind=violations&format=csv&rule=${rule.id}`)).bytes));
    expect(rows.length).toBe(run.features.length);
    expect(rows.map((r) => Number(r[h.indexOf('distance_m')]))).toEqual(run.features.map((f: any) => f.properties.distance_m));
    expect(h).toEqual(expect.arrayContaining(['subjectName', 'targetName', 'lon', 'lat', 'siteId']));
    expect((await download('kind=violations&format=csv')).status).toBe(400);
  });

  it('is scoped: a grid member exports only the sites of their grids', async () => {
    const member = await t.login('member');
    const mine = (await t.get('/api/sites', member)).body.features.length;
    const exported = JSON.parse(text((await download('kind=sites&format=geojson', member)).bytes));
    expect(exported.features.length).toBe(mine);
    expect(mine).toBeLessThan(500);
  });
});
