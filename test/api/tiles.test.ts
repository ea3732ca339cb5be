import { VectorTile, type VectorTileFeature, type VectorTileLayer } from '@mapbox/vector-tile';
import { sql } from 'kysely';
import { PbfReader } from 'pbf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encoders } from '../../server/tiles/tiles.encoders.ts';
import { IMPORTANT_SITE_CATEGORIES, INCIDENT_CELL_PROPERTIES, LAYER_PROPERTIES, OVERVIEW_GRID_PROPERTIES, OVERVIEW_SITE_CATEGORIES, TILE_LAYERS, type TileLayer, ZOOMS, lonLatBounds } from '../../server/tiles/tiles.layers.ts';
import { type TestContext, createTestContext } from '../support/test-app.ts';

let t: TestContext;
let inspector: string;
/** The county seat: the centre of the urban communities. */
let seat: [number, number];

beforeAll(async () => {
  t = await createTestContext();
  inspector = await t.login('inspector');
  const { rows } = await sql<{ x: number; y: number }>`select ST_X(c) as x, ST_Y(c) as y
    from (select ST_Centroid(ST_Collect(boundary)) as c from regions where level = 'village' and urban) q`.execute(t.db.kysely);
  seat = [rows[0].x, rows[0].y];
});
afterAll(async () => { await t?.close(); });

/** The XYZ tile containing a lon/lat point. */
function tileAt([lon, lat]: [number, number], z: number): [number, number, number] {
  const n = 2 ** z;
  const r = (lat * Math.PI) / 180;
  return [z, Math.floor(((lon + 180) / 360) * n), Math.floor(((1 - Math.asinh(Math.tan(r)) / Math.PI) / 2) * n)];
}

async function fetchTile(layer: string, [z, x, y]: [number, number, number], cookie = inspector, headers: Record<string, string> = {}) {
  return t.app.request(`/tiles/${layer}/${z}/${x}/${y}.mvt`, { headers: { cookie, ...headers } });
}

function decode(bytes: Uint8Array): Record<string, VectorTileLayer> {
  return bytes.length ? new VectorTile(new PbfReader(bytes)).layers : {};
}

function features(layer: VectorTileLayer | undefined): VectorTileFeature[] {
  return layer ? Array.from({ length: layer.length }, (_, i) => layer.feature(i)) : [];
}

/** The features of one layer of a tile fetched over HTTP (an empty list for 204). */
async function tileFeatures(layer: TileLayer, tile: [number, number, number], cookie = inspector) {
  const res = await fetchTile(layer, tile, cookie);
  expect([200, 204]).toContain(res.status);
  const layers = decode(new Uint8Array(await res.arrayBuffer()));
  if (res.status === 200) expect(Object.keys(layers)).toEqual([layer]);
  return features(layers[layer]);
}

const sorted = (ids: Iterable<number>) => [...ids].sort((a, b) => a - b);

describe('vector tiles', () => {
  it('a z12 tile over the county seat holds its grids, with the web map\'s properties and database ids', async () => {
    const tile = tileAt(seat, 12);
    const res = await fetchTile('grids', tile);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.mapbox-vector-tile');
    const grids = features(decode(new Uint8Array(await res.arrayBuffer())).grids);
    expect(grids.length).toBeGreaterThan(20);
    for (const f of grids) {
      expect(Object.keys(f.properties).sort()).toEqual([...LAYER_PROPERTIES.grids].sort());
      expect(f.id).toBe(f.properties.id);
      expect(f.properties.code).toMatch(/^\d{15}$/);
      expect(String(f.properties.code).slice(0, 12)).toBe(f.properties.villageCode);
      expect(['comprehensive', 'dedicated']).toContain(f.properties.layer);
      expect(f.type).toBe(3);
    }
    expect(grids.some((f) => f.properties.layer === 'comprehensive')).toBe(true);

    // the same grids as the GeoJSON API for the tile's bounds: every tile feature is in the API's
    // answer for the buffered tile, and every grid touching the tile's inner part is in the tile
    const ids = new Set(grids.map((f) => Number(f.id)));
    const api = async (margin: number) => {
      const bbox = lonLatBounds(tile[0], tile[1], tile[2], margin).join(',');
      const { status, body } = await t.get(`/api/grids?bbox=${bbox}`, inspector);
      expect(status).toBe(200);
      return body.features as { id: number; properties: Record<string, unknown> }[];
    };
    const outer = await api(64 / 4096);
    const outerIds = new Set(outer.map((f) => f.id));
    expect([...ids].filter((id) => !outerIds.has(id))).toEqual([]);
    const inner = await api(-0.1);
    expect(inner.length).toBeGreaterThan(10);
    expect(inner.map((f) => f.id).filter((id) => !ids.has(id))).toEqual([]);
    const exact = await api(0);
    expect(ids.size).toBeGreaterThanOrEqual(Math.floor(exact.length * 0.9));
    // properties agree with the API's
    for (const f of outer.filter((g) => ids.has(g.id)).slice(0, 20)) {
      const feature = grids.find((g) => g.id === f.id)!;
      for (const key of LAYER_PROPERTIES.grids.filter((k) => k !== 'label')) expect(feature.properties[key]).toEqual(f.properties[key]);
    }
  });

  it('labels each grid in one tile only, the one holding its label point', async () => {
    const [z, x, y] = tileAt(seat, 12);
    const children: [number, number, number][] = [[z + 1, 2 * x, 2 * y], [z + 1, 2 * x + 1, 2 * y], [z + 1, 2 * x, 2 * y + 1], [z + 1, 2 * x + 1, 2 * y + 1]];
    const labelled = new Map<number, number>();
    let cut = 0;
    const seen = new Map<number, number>();
    for (const child of children) {
      for (const f of await tileFeatures('grids', child)) {
        expect(typeof f.properties.label).toBe('boolean');
        seen.set(Number(f.id), (seen.get(Number(f.id)) ?? 0) + 1);
        if (f.properties.label) labelled.set(Number(f.id), (labelled.get(Number(f.id)) ?? 0) + 1);
      }
    }
    for (const n of seen.values()) if (n > 1) cut++;
    expect(cut).toBeGreaterThan(0);
    expect([...labelled.values()].every((n) => n === 1)).toBe(true);
    // grids wholly inside the parent tile are labelled in one of its children
    expect(labelled.size).toBeGreaterThan(seen.size * 0.7);
  });

  it('a z8 tile has no grids but the county and township outlines; villages join from z10', async () => {
    const tile = tileAt(seat, 8);
    const res = await fetchTile('grids', tile);
    expect(res.status).toBe(204);
    expect((await res.arrayBuffer()).byteLength).toBe(0);

    const regions = await tileFeatures('regions', tile);
    const levels = new Set(regions.map((f) => f.properties.level));
    expect(levels).toEqual(new Set(['county', 'township']));
    expect(regions.filter((f) => f.properties.level === 'township').length).toBeGreaterThanOrEqual(15);
    const county = regions.find((f) => f.properties.level === 'county')!;
    expect(county.id).toBe(990101000000);
    expect(county.properties).toMatchObject({ code: '990101000000', name: '平安示范县', level: 'county' });
    // (a county has no parent: MVT leaves null properties out)
    expect(Object.keys(county.properties).sort()).toEqual(LAYER_PROPERTIES.regions.filter((p) => p !== 'parentCode').sort());
    // what a click opens: townships name their county; each region is labelled in one tile at most
    const townships = regions.filter((f) => f.properties.level === 'township');
    expect(townships.every((f) => f.properties.parentCode === '990101000000')).toBe(true);
    expect(townships.filter((f) => f.properties.label === true).length).toBeGreaterThan(townships.length / 2);

    const z10 = await tileFeatures('regions', tileAt(seat, 10));
    expect(z10.some((f) => f.properties.level === 'village')).toBe(true);
  });

  it('below z12 grid tiles are an overview: what the map draws there, no names or label points', async () => {
    const overview = await tileFeatures('grids', tileAt(seat, 10));
    expect(overview.length).toBeGreaterThan(500);
    for (const f of overview) expect(Object.keys(f.properties).sort()).toEqual([...OVERVIEW_GRID_PROPERTIES].sort());
    expect(overview.every((f) => f.id === f.properties.id && /^\d{15}$/.test(String(f.properties.code)))).toBe(true);
    const details = await tileFeatures('grids', tileAt(seat, 12));
    expect(Object.keys(details[0].properties).sort()).toEqual([...LAYER_PROPERTIES.grids].sort());
  });

  it('sites below z10: schools and kindergartens as points, each in one tile only', async () => {
    const tile = tileAt(seat, 8);
    const low = await tileFeatures('sites', tile);
    expect(low.length).toBeGreaterThan(20);
    expect(low.every((f) => OVERVIEW_SITE_CATEGORIES.includes(String(f.properties.category)) && f.type === 1)).toBe(true);
    const [w, s, e, n0] = lonLatBounds(...tile);
    const { rows: [{ n }] } = await sql<{ n: number }>`select count(*)::int as n from sites, ST_PointOnSurface(geom) p
      where category = any(${OVERVIEW_SITE_CATEGORIES}::text[]) and ST_X(p) >= ${w} and ST_X(p) < ${e} and ST_Y(p) > ${s} and ST_Y(p) <= ${n0}`.execute(t.db.kysely);
    expect(low.length).toBe(n);
  });

  it('sites: the important categories at low zoom, every category from z14; small campuses become points', async () => {
    const low = await tileFeatures('sites', tileAt(seat, 10));
    expect(low.some((f) => f.properties.category === 'water')).toBe(true);
    expect(low.length).toBeGreaterThan(0);
    expect(low.every((f) => IMPORTANT_SITE_CATEGORIES.includes(String(f.properties.category)))).toBe(true);
    for (const f of low) expect(Object.keys(f.properties).sort()).toEqual(['category', 'id', 'label', 'name']);
    expect(low.some((f) => f.properties.category === 'school')).toBe(true);

    const high = await tileFeatures('sites', tileAt(seat, 14));
    const categories = new Set(high.map((f) => String(f.properties.category)));
    expect([...categories].some((c) => !IMPORTANT_SITE_CATEGORIES.includes(c))).toBe(true);
    expect(high.every((f) => f.id === f.properties.id)).toBe(true);

    // a school campus: a polygon at z14, a point at z8 (a few pixels across)
    const { rows } = await sql<{ id: number; x: number; y: number }>`select id, ST_X(ST_PointOnSurface(geom)) as x, ST_Y(ST_PointOnSurface(geom)) as y
      from sites where category = 'school' and geometrytype(geom) = 'POLYGON' order by id limit 1`.execute(t.db.kysely);
    const school = rows[0];
    const at = (z: number) => tileFeatures('sites', tileAt([school.x, school.y], z)).then((fs) => fs.find((f) => f.id === Number(school.id)));
    expect((await at(15))?.type).toBe(3);
    expect((await at(8))?.type).toBe(1);
  });

  it('incidents: open ones only, with their state and priority', async () => {
    const open = await tileFeatures('incidents', tileAt(seat, ZOOMS.incidentPoints));
    expect(open.length).toBeGreaterThan(0);
    for (const f of open) {
      expect(Object.keys(f.properties).sort()).toEqual([...LAYER_PROPERTIES.incidents].sort());
      expect(['closed', 'rejected']).not.toContain(f.properties.state);
      expect(f.type).toBe(1);
    }
  });

  it('incidents below z12 are counts per cell and state: every open incident in the tile counted once', async () => {
    const tile = tileAt(seat, 10);
    const cells = await tileFeatures('incidents', tile);
    const [w, s, e, n] = lonLatBounds(tile[0], tile[1], tile[2], 64 / 4096);
    const { rows: [{ open }] } = await sql<{ open: number }>`select count(*)::int as open from incidents
      where location && ST_MakeEnvelope(${w}, ${s}, ${e}, ${n}, 4326) and state not in ('closed', 'rejected')`.execute(t.db.kysely);
    expect(open).toBeGreaterThan(50);
    expect(cells.reduce((sum, f) => sum + Number(f.properties.count), 0)).toBe(open);
    // far fewer features than incidents, one per cell and state
    expect(cells.length).toBeLessThan(open);
    const keys = cells.map((f) => { const [[p]] = f.loadGeometry(); return `${p.x},${p.y},${f.properties.state}`; });
    expect(new Set(keys).size).toBe(keys.length);
    for (const f of cells) {
      expect(Object.keys(f.properties).sort()).toEqual([...INCIDENT_CELL_PROPERTIES].sort());
      expect(['closed', 'rejected']).not.toContain(f.properties.state);
      // the heatmap's weight: 0.5 each, 0.8 high, 1 urgent
      expect(Number(f.properties.weight)).toBeGreaterThanOrEqual(0.5 * Number(f.properties.count) - 1e-9);
      expect(Number(f.properties.weight)).toBeLessThanOrEqual(Number(f.properties.count) + 1e-9);
    }
  });

  it('a grid member gets only their own grids, and nothing elsewhere', async () => {
    const member = await t.login('member');
    const own = (await t.get('/api/grids', member)).body.features as { id: number; geometry: { coordinates: number[][][][] } }[];
    expect(own.length).toBeGreaterThanOrEqual(1);
    const ownIds = new Set(own.map((f) => f.id));
    const { rows } = await sql<{ x: number; y: number }>`select ST_X(p) as x, ST_Y(p) as y
      from (select ST_PointOnSurface(geom) as p from grids where id = ${own[0].id}) q`.execute(t.db.kysely);
    const home = tileAt([rows[0].x, rows[0].y], 13);

    const mine = await tileFeatures('grids', home, member);
    expect(mine.length).toBeGreaterThan(0);
    expect(sorted(mine.map((f) => Number(f.id))).every((id) => ownIds.has(id))).toBe(true);
    // the inspector sees the neighbours in the same tile: it is the scope that filtered them
    const all = await tileFeatures('grids', home, inspector);
    expect(all.length).toBeGreaterThan(mine.length);

    // a tile far from the member's village: grids there exist, but not for them
    const { rows: far } = await sql<{ x: number; y: number }>`select ST_X(p) as x, ST_Y(p) as y
      from (select ST_PointOnSurface(g.geom) as p from grids g, grids m where m.id = ${own[0].id}
        and g.valid_to is null order by ST_Distance(g.geom, m.geom) desc limit 1) q`.execute(t.db.kysely);
    const elsewhere = tileAt([far[0].x, far[0].y], 13);
    expect((await tileFeatures('grids', elsewhere, inspector)).length).toBeGreaterThan(0);
    const res = await fetchTile('grids', elsewhere, member);
    expect(res.status).toBe(204);
    // the member's sites and incidents are filtered the same way
    const sites = await tileFeatures('sites', elsewhere, member);
    expect(sites).toEqual([]);
  });

  it('rejects bad parameters with 400 problem+json, and anonymous callers with 401', async () => {
    for (const path of [
      '/tiles/roads/12/3335/1636.mvt', '/tiles/grids/23/0/0.mvt', '/tiles/grids/-1/0/0.mvt', '/tiles/grids/2/4/0.mvt',
      '/tiles/grids/2/0/4.mvt', '/tiles/grids/2/0/0.pbf', '/tiles/grids/a/0/0.mvt', '/tiles/grids/12/1.5/0.mvt',
      '/tiles/grids/12/99999999999/0.mvt',
    ]) {
      const res = await t.app.request(path, { headers: { cookie: inspector } });
      expect(res.status, path).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const body = await res.json() as { type: string; errors: unknown[] };
      expect(body.type).toBe('/problems/validation');
      expect(body.errors.length).toBeGreaterThan(0);
    }
    const anonymous = await t.app.request('/tiles/grids/12/3335/1636.mvt');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('caches privately per caller, with an ETag that answers 304', async () => {
    const tile = tileAt(seat, 12);
    const first = await fetchTile('regions', tile);
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('private, max-age=60');
    expect(first.headers.get('vary')).toBe('Cookie, Authorization, Accept-Encoding');
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    const body = new Uint8Array(await first.arrayBuffer());

    const again = await fetchTile('regions', tile, inspector, { 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect((await again.arrayBuffer()).byteLength).toBe(0);
    expect(again.headers.get('etag')).toBe(etag);
    expect((await fetchTile('regions', tile, inspector, { 'if-none-match': `"other", W/${etag}` })).status).toBe(304);

    // a stale tag gets the tile again, the same bytes
    const stale = await fetchTile('regions', tile, inspector, { 'if-none-match': '"stale"' });
    expect(stale.status).toBe(200);
    expect(new Uint8Array(await stale.arrayBuffer())).toEqual(body);
    // another tile, another tag
    const other = await fetchTile('regions', tileAt(seat, 11));
    expect(other.headers.get('etag')).not.toBe(etag);
  });

  it('gzips tiles for clients that accept it, under their own tag', async () => {
    const tile = tileAt(seat, 12);
    const plain = new Uint8Array(await (await fetchTile('grids', tile)).arrayBuffer());
    const res = await fetchTile('grids', tile, inspector, { 'accept-encoding': 'gzip, deflate' });
    expect(res.headers.get('content-encoding')).toBe('gzip');
    const zipped = new Uint8Array(await res.arrayBuffer());
    expect(zipped.length).toBeLessThan(plain.length * 0.8);
    const { gunzipSync } = await import('node:zlib');
    expect(new Uint8Array(gunzipSync(zipped))).toEqual(plain);
    expect(res.headers.get('etag')).toMatch(/-gz"$/);
  });

  it('serves a changed grid at once, though tiles are cached', async () => {
    const tile = tileAt(seat, 13);
    const before = await tileFeatures('grids', tile);
    const target = before.find((f) => f.properties.layer === 'comprehensive')!;
    await sql`update grids set name = '改名后的网格' where id = ${Number(target.id)}`.execute(t.db.kysely);
    const after = await tileFeatures('grids', tile);
    expect(after.find((f) => f.id === target.id)!.properties.name).toBe('改名后的网格');
    // a grid member (another scope identity) still sees only their own grids in the same tile
    const member = await t.login('member');
    const mine = new Set(((await t.get('/api/grids', member)).body.features as any[]).map((f) => Number(f.id)));
    expect((await tileFeatures('grids', tile, member)).every((f) => mine.has(Number(f.id)))).toBe(true);
  });
});

/**
 * Both encoders read the same SQL source; ST_AsMVT exists only on PostgreSQL, so the comparison
 * runs there. The JS encoder snaps coordinates by rounding where ST_AsMVTGeom snaps after its own
 * half-unit simplification: geometry may differ by a unit or two, feature sets and properties not.
 */
describe('encoders', () => {
  it.skipIf(!process.env.DATABASE_URL)('ST_AsMVT and the JavaScript encoder give the same features (PostgreSQL only)', async () => {
    const tiles: [number, number, number][] = [];
    const { rows } = await sql<{ x: number; y: number }>`select ST_X(p) as x, ST_Y(p) as y from (
      select ST_PointOnSurface(geom) as p from grids where layer_id = 1 order by code limit 4 offset 700) q`.execute(t.db.kysely);
    for (const z of [8, 12, 15]) {
      tiles.push(tileAt(seat, z));
      for (const r of rows.slice(0, z === 8 ? 1 : 4)) tiles.push(tileAt([r.x, r.y], z));
    }
    let compared = 0;
    for (const [z, x, y] of tiles) {
      for (const layer of TILE_LAYERS) {
        const address = { layer, z, x, y };
        const [mvt, js] = await Promise.all([
          encoders.postgis.encode(t.db.kysely, address), encoders.js.encode(t.db.kysely, address),
        ]);
        const a = features(decode(mvt)[layer]);
        const b = features(decode(js)[layer]);
        const where = `${layer} ${z}/${x}/${y}`;
        expect(sorted(b.map((f) => Number(f.id))), where).toEqual(sorted(a.map((f) => Number(f.id))));
        const byId = new Map(b.map((f) => [f.id, f]));
        for (const fa of a) {
          const fb = byId.get(fa.id)!;
          expect(fb.properties, where).toEqual(fa.properties);
          expect(fb.type, `${where} #${fa.id}`).toBe(fa.type);
          const [ba, bb] = [bbox(fa), bbox(fb)];
          for (let i = 0; i < 4; i++) expect(Math.abs(ba[i] - bb[i]), `${where} #${fa.id} bbox ${ba} vs ${bb}`).toBeLessThanOrEqual(2);
          if (fa.type === 3) {
            const [areaA, areaB] = [area(fa), area(fb)];
            expect(Math.abs(areaA - areaB), `${where} #${fa.id} area`).toBeLessThanOrEqual(Math.max(16, 0.02 * areaA));
          }
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(500);
  });
});

function bbox(f: VectorTileFeature): [number, number, number, number] {
  const box: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const ring of f.loadGeometry()) for (const p of ring) {
    box[0] = Math.min(box[0], p.x); box[1] = Math.min(box[1], p.y);
    box[2] = Math.max(box[2], p.x); box[3] = Math.max(box[3], p.y);
  }
  return box;
}

/** Signed ring areas summed: outer rings minus holes, in tile units². */
function area(f: VectorTileFeature): number {
  let total = 0;
  for (const ring of f.loadGeometry()) {
    let sum = 0;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) sum += (ring[j].x - ring[i].x) * (ring[i].y + ring[j].y);
    total += sum / 2;
  }
  return Math.abs(total);
}
