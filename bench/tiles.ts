/**
 * Vector tile latency per zoom for the grids and sites layers over the demo county, measured
 * in-process through the app (authentication, scoped transaction, encoder) as the inspector.
 * Baseline for the ratio: the GeoJSON endpoint (/api/grids?bbox=, /api/sites?bbox=) for the same
 * tile bounds, which is what the web map fetched before tiles.
 * Engine: PostgreSQL (ST_AsMVT) when DATABASE_URL is set, else in-memory PGlite (JS encoder).
 * Usage: npx tsx bench/tiles.ts            DATABASE_URL=postgres://… npx tsx bench/tiles.ts
 */
import { sql } from 'kysely';
import { createApp } from '../server/app.ts';
import { openDatabase } from '../server/db/connection.ts';
import { migrateToLatest } from '../server/db/migrate.ts';
import { DEMO_PASSWORD, loadDemoCounty } from '../server/demo/demo.seed.ts';
import { lonLatBounds } from '../server/tiles/tiles.layers.ts';

const ZOOMS = [8, 10, 12, 14];
/** Tiles sampled per zoom (spread evenly over the county) and samples per tile kind. */
const MAX_TILES = 40;
const MIN_SAMPLES = 40;

const db = await openDatabase({ databaseUrl: process.env.DATABASE_URL || undefined });
const engine = db.kind === 'postgres' ? 'PostgreSQL (ST_AsMVT)' : 'PGlite (geojson-vt + vt-pbf)';
const t0 = performance.now();
await migrateToLatest(db.kysely);
const { rows: [{ n }] } = await sql<{ n: number }>`select count(*)::int as n from regions`.execute(db.kysely);
if (n === 0) await loadDemoCounty(db.kysely);
console.log(`engine: ${engine}; database ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

const app = createApp(db, { demo: true, basemap: { kind: 'none' }, sessionHours: 12 });
const login = await app.request('/api/auth/login', {
  method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'inspector', password: DEMO_PASSWORD }),
});
if (login.status !== 200) throw new Error(`login failed: ${login.status}`);
const cookie = login.headers.get('set-cookie')!.split(';')[0];

const { rows: [extent] } = await sql<{ w: number; s: number; e: number; n: number }>`
  select ST_XMin(b) as w, ST_YMin(b) as s, ST_XMax(b) as e, ST_YMax(b) as n
  from (select ST_Extent(boundary)::geometry as b from regions where level = 'county') q`.execute(db.kysely);

const tileX = (lon: number, z: number) => Math.floor(((lon + 180) / 360) * 2 ** z);
const tileY = (lat: number, z: number) => {
  const r = (lat * Math.PI) / 180;
  return Math.floor(((1 - Math.asinh(Math.tan(r)) / Math.PI) / 2) * 2 ** z);
};

/** Every tile over the county's extent, thinned to MAX_TILES evenly spread ones. */
function countyTiles(z: number): [number, number, number][] {
  const all: [number, number, number][] = [];
  for (let x = tileX(extent.w, z); x <= tileX(extent.e, z); x++) {
    for (let y = tileY(extent.n, z); y <= tileY(extent.s, z); y++) all.push([z, x, y]);
  }
  const step = Math.max(1, all.length / MAX_TILES);
  const picked: [number, number, number][] = [];
  for (let i = 0; i < all.length && picked.length < MAX_TILES; i += step) picked.push(all[Math.floor(i)]);
  return picked;
}

async function timed(path: string): Promise<{ ms: number; bytes: number; status: number }> {
  const start = performance.now();
  const res = await app.request(path, { headers: { cookie } });
  const body = await res.arrayBuffer();
  const ms = performance.now() - start;
  if (res.status >= 400) throw new Error(`${path}: ${res.status} ${new TextDecoder().decode(body)}`);
  return { ms, bytes: body.byteLength, status: res.status };
}

/** Latency samples over the tiles, each path requested round-robin until MIN_SAMPLES (after one warm-up pass). */
async function measure(paths: string[]) {
  for (const p of paths) await timed(p);
  const samples: number[] = [];
  let bytes = 0;
  let empty = 0;
  const rounds = Math.ceil(MIN_SAMPLES / paths.length);
  for (let r = 0; r < rounds; r++) {
    for (const p of paths) {
      const s = await timed(p);
      samples.push(s.ms);
      if (r === 0) { bytes += s.bytes; if (s.status === 204) empty++; }
    }
  }
  samples.sort((a, b) => a - b);
  const q = (f: number) => samples[Math.min(samples.length - 1, Math.floor(f * samples.length))];
  return { p50: q(0.5), p95: q(0.95), kb: bytes / paths.length / 1024, empty };
}

const fmt = (v: number, d = 1) => v.toFixed(d).padStart(7);
console.log(`demo county extent ${[extent.w, extent.s, extent.e, extent.n].map((v) => v.toFixed(3)).join(',')}; inspector (county scope)`);
console.log('layer  z  tiles empty |  tile p50   p95 ms   avg KB | GeoJSON p50   p95 ms   avg KB | p50 ratio GeoJSON/tile');
for (const layer of ['grids', 'sites'] as const) {
  for (const z of ZOOMS) {
    const tiles = countyTiles(z);
    const tile = await measure(tiles.map(([tz, x, y]) => `/tiles/${layer}/${tz}/${x}/${y}.mvt`));
    const geojson = await measure(tiles.map(([tz, x, y]) => `/api/${layer}?bbox=${lonLatBounds(tz, x, y).map((v) => v.toFixed(7)).join(',')}`));
    console.log(`${layer.padEnd(5)} ${String(z).padStart(2)} ${String(tiles.length).padStart(6)} ${String(tile.empty).padStart(5)} |`
      + `${fmt(tile.p50)} ${fmt(tile.p95)}    ${fmt(tile.kb)} |  ${fmt(geojson.p50)} ${fmt(geojson.p95)}    ${fmt(geojson.kb)} | ${fmt(geojson.p50 / tile.p50, 2)}x`);
  }
}
await db.close();
