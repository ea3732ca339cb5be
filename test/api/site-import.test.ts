import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metresApart, wgs84ToGcj02 } from '../support/gcj02.ts';
import { type TestContext, createTestContext } from '../support/test-app.ts';

// The team's real-world reference data is read where it lives (its README asks not to copy it into the
// project); a clone without it skips only the test that needs it.
const sharedData = process.env.PINGAN_SHARED_DATA
  ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/data');
const ruzhou = path.join(sharedData, 'ruzhou/outline-410482-gcj02.geojson');

let t: TestContext;
let planner: string;
beforeAll(async () => { t = await createTestContext(); planner = await t.login('planner'); });
afterAll(async () => { await t?.close(); });

async function upload(fileName: string, content: string | Uint8Array, fields: Record<string, string>, cookie = planner) {
  const form = new FormData();
  form.set('file', new File([content], fileName));
  form.set('kind', 'sites');
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  const res = await t.app.request('/api/imports', { method: 'POST', headers: { cookie }, body: form });
  return { status: res.status, body: await res.json() as any };
}
/** Centroid of a (Multi)Polygon's first ring, in degrees. */
const centre = (g: any) => {
  const ring = (g.type === 'Polygon' ? g.coordinates[0] : g.coordinates[0][0]) as number[][];
  return [ring.reduce((s, p) => s + p[0], 0) / ring.length, ring.reduce((s, p) => s + p[1], 0) / ring.length];
};

describe('importing key sites', () => {
  it('converts GCJ-02 (Amap) coordinates on the way in: points made GCJ-02 by an independent formula land back within 0.5 m', async () => {
    const { rows } = await sql<{ x: number; y: number }>`select ST_X(p) as x, ST_Y(p) as y from
      (select ST_PointOnSurface(geom) as p from grids where layer_id = 1 order by code limit 4 offset 120) g`.execute(t.db.kysely);
    const wgs = rows.map((r) => [r.x, r.y] as [number, number]);
    const features = wgs.map((p, i) => ({ type: 'Feature', properties: { name: `旅馆${i + 1}` }, geometry: { type: 'Point', coordinates: wgs84ToGcj02(p) } }));
    const text = JSON.stringify({ type: 'FeatureCollection', features });
    const raw = await upload('hotels.geojson', text, { crs: 'wgs84', category: 'hotel', dryRun: 'true' });
    const converted = await upload('hotels.geojson', text, { crs: 'gcj02', category: 'hotel', dryRun: 'true' });
    expect(converted.status).toBe(200);
    expect(converted.body).toMatchObject({ total: 4, imported: 0 });
    const landed = converted.body.preview.features.map((f: any) => f.geometry.coordinates as [number, number]);
    expect(landed).toHaveLength(4);
    for (const [i, p] of landed.entries()) expect(metresApart(wgs[i], p)).toBeLessThan(0.5);
    // read as WGS84 the same file is hundreds of metres off: the option is what moves it
    const unconverted = raw.body.preview.features.map((f: any) => f.geometry.coordinates as [number, number]);
    for (const [i, p] of unconverted.entries()) expect(metresApart(wgs[i], p)).toBeGreaterThan(100);
  });

  it.skipIf(!existsSync(ruzhou))('the real Ruzhou outline (GCJ-02, shared reference data) moves by the known offset', async () => {
    const text = readFileSync(ruzhou, 'utf8');
    const raw = await upload('ruzhou.geojson', text, { crs: 'wgs84', category: 'hotel', dryRun: 'true' });
    const converted = await upload('ruzhou.geojson', text, { crs: 'gcj02', category: 'hotel', dryRun: 'true' });
    expect(converted.status).toBe(200);
    const [x0, y0] = centre(raw.body.preview.features[0].geometry);
    const [x1, y1] = centre(converted.body.preview.features[0].geometry);
    // GCJ-02 puts this part of Henan several hundred metres east of where WGS84 has it
    const eastM = (x1 - x0) * 111_320 * Math.cos((y0 * Math.PI) / 180);
    const northM = (y1 - y0) * 110_570;
    expect(eastM).toBeLessThan(-300);
    expect(Math.hypot(eastM, northM)).toBeGreaterThan(300);
    expect(Math.hypot(eastM, northM)).toBeLessThan(900);
    // a dry run of an area outside the demo county reports why, and stores nothing but the report
    expect(converted.body.errors).toEqual([expect.objectContaining({ row: 1, message: 'lies in no grid of your area' })]);
    expect(converted.body.imported).toBe(0);
    expect((await t.get(`/api/imports/${converted.body.id}`, planner)).body.crs).toBe('gcj02');
  });

  it('checks a CSV row by row, imports nothing while any row is wrong, then imports all', async () => {
    const { rows } = await sql<{ x: number; y: number }>`select ST_X(p) as x, ST_Y(p) as y from
      (select ST_PointOnSurface(geom) as p from grids where layer_id = 1 order by code limit 3 offset 200) g`.execute(t.db.kysely);
    const good = rows.map((r, i) => `网吧${i + 1},${r.x.toFixed(6)},${r.y.toFixed(6)},${60 + i},测试路${i + 1}号`);
    const csv = ['名称,经度,纬度,seats,address', ...good, '坏坐标,abc,34.1,20,某路', '坏座位,113.2,33.95,-5,某路'].join('\r\n');
    const dry = await upload('cafes.csv', csv, { category: 'internet_cafe', dryRun: 'true' });
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ format: 'csv', total: 5, valid: 3, imported: 0 });
    expect(dry.body.errors.map((e: any) => [e.row, e.field])).toEqual([[5, 'lon/lat'], [6, 'attrs.seats']]);
    const before = (await t.get('/api/sites?category=internet_cafe', planner)).body.features.length;
    const refused = await upload('cafes.csv', csv, { category: 'internet_cafe', dryRun: 'false' });
    expect(refused.status).toBe(422);
    expect((await t.get('/api/sites?category=internet_cafe', planner)).body.features.length).toBe(before);
    const fixed = ['名称,经度,纬度,seats,address', ...good].join('\n');
    const done = await upload('cafes.csv', fixed, { category: 'internet_cafe', dryRun: 'false' });
    expect(done.body).toMatchObject({ total: 3, valid: 3, imported: 3 });
    const after = (await t.get('/api/sites?category=internet_cafe', planner)).body.features;
    expect(after.length).toBe(before + 3);
    expect(after.find((f: any) => f.properties.name === '网吧1').properties.attrs).toEqual({ seats: 60, address: '测试路1号' });
  });

  it('reads KML placemarks (points and polygons, heights dropped, ExtendedData as attributes) with the same crs handling', async () => {
    const { rows } = await sql<{ x: number; y: number }>`select ST_X(p) as x, ST_Y(p) as y from
      (select ST_PointOnSurface(geom) as p from grids where layer_id = 1 order by code limit 2 offset 300) g`.execute(t.db.kysely);
    const [a, b] = rows.map((r) => [Number(r.x.toFixed(6)), Number(r.y.toFixed(6))]);
    const d = 0.0004;
    const kmlText = `<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>测试</name>
  <Placemark><name>KML旅馆</name><styleUrl>#s1</styleUrl>
    <ExtendedData><Data name="rooms"><value>12</value></Data><Data name="address"><value>河边路8号</value></Data></ExtendedData>
    <Point><coordinates>${a[0]},${a[1]},35</coordinates></Point></Placemark>
  <Placemark><name>KML宾馆</name>
    <Polygon><outerBoundaryIs><LinearRing><coordinates>${b[0]},${b[1]},0 ${b[0] + d},${b[1]},0 ${b[0] + d},${b[1] + d},0 ${b[0]},${b[1] + d},0 ${b[0]},${b[1]},0</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>
  <Placemark><name>坏房间数</name><ExtendedData><Data name="rooms"><value>-1</value></Data></ExtendedData>
    <Point><coordinates>${a[0]},${a[1]}</coordinates></Point></Placemark>
</Document></kml>`;
    const dry = await upload('hotels.kml', kmlText, { category: 'hotel', crs: 'wgs84', dryRun: 'true' });
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ format: 'kml', total: 3, valid: 2, status: 'checked' });
    expect(dry.body.errors.map((e: any) => [e.row, e.field])).toEqual([[3, 'attrs.rooms']]);
    expect(dry.body.preview.features[0].geometry).toEqual({ type: 'Point', coordinates: a });
    // the same file said to be in GCJ-02 lands a few hundred metres away
    const gcj = await upload('hotels.kml', kmlText, { category: 'hotel', crs: 'gcj02', dryRun: 'true' });
    const [x, y] = gcj.body.preview.features[0].geometry.coordinates;
    expect(Math.hypot((x - a[0]) * 92_000, (y - a[1]) * 110_900)).toBeGreaterThan(200);
    const good = kmlText.replace(/<Placemark><name>坏房间数[\s\S]*?<\/Placemark>/, '');
    const done = await upload('hotels.kml', good, { category: 'hotel', crs: 'wgs84', dryRun: 'false' });
    expect(done.body).toMatchObject({ total: 2, imported: 2, status: 'imported' });
    const hotels = (await t.get('/api/sites?category=hotel', planner)).body.features;
    const point = hotels.find((f: any) => f.properties.name === 'KML旅馆');
    expect(point.properties.attrs).toEqual({ rooms: 12, address: '河边路8号' });
    expect(hotels.find((f: any) => f.properties.name === 'KML宾馆').geometry.type).toBe('Polygon');
    expect((await upload('bad.kml', '<kml><Document><Placemark>', { category: 'hotel' })).status).toBe(422);
  });

  it('refuses other roles and unreadable files clearly', async () => {
    const inspector = await t.login('inspector');
    expect((await upload('a.csv', 'name,lon,lat', { category: 'camera' }, inspector)).status).toBe(403);
    expect((await upload('a.txt', 'hello', { category: 'camera' })).status).toBe(415);
    expect((await upload('a.geojson', '{"type": "Feat', { category: 'camera' })).status).toBe(422);
    expect((await upload('a.csv', 'name,x1,y1\n甲,1,2', { category: 'camera' })).body.detail).toMatch(/longitude and latitude/);
  });
});
