/**
 * Prefecture-scale benchmarks over real HTTP (the app served by @hono/node-server on a local port,
 * requests with fetch and autocannon), as the prefecture-wide inspector (scope 9901) when the
 * database holds a generated prefecture, else as the county inspector.
 *
 *   tiles   vector tile latency p50/p95 per zoom (8, 10, 12, 14) for grids, sites and regions, tiles
 *           spread over the whole area; target: grid tile p95 ≤ 50 ms at any zoom
 *   ogc     OGC items pages: first, and a deep page by key (the next link) against the same depth by
 *           offset (the naive baseline)
 *   locate  point-in-grid: single HTTP call p95 (GET /api/grids/at and POST /api/grids/locate with one
 *           point; target ≤ 10 ms) and bulk throughput of 100,000 points in requests of 10,000
 *           (target ≥ 20,000 points/s; baseline: one call per point)
 *   stats   incident statistics (GET /api/stats/incidents) for this month and twelve months, by county
 *           (prefecture) or township, and by month; baseline: the year's rows fetched and counted in JS
 *   load    sustained read mix with autocannon (tiles, grid at a point, OGC pages, region details):
 *           requests/s, p99, errors
 *
 * Usage (PostgreSQL; the database must exist, generate it first):
 *   DATABASE_URL=postgres://…/prefecture npm run cli -- generate --scale prefecture
 *   DATABASE_URL=postgres://…/prefecture npx tsx bench/prefecture.ts [tiles ogc locate stats load]
 * Embedded: DATA_DIR=./data npx tsx bench/prefecture.ts (the persisted PGlite database under DATA_DIR).
 */
import { spawn } from 'node:child_process';
import { type AddressInfo, createServer } from 'node:net';
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import autocannon from 'autocannon';
import { sql } from 'kysely';
import { createApp } from '../server/app.ts';
import { openDatabase } from '../server/db/connection.ts';
import { migrateToLatest } from '../server/db/migrate.ts';
import { DEMO_PASSWORD } from '../server/demo/demo.seed.ts';

const sections = new Set(process.argv.slice(2).length ? process.argv.slice(2) : ['tiles', 'ogc', 'locate', 'stats', 'load']);
const databaseUrl = process.env.DATABASE_URL || undefined;
const db = await openDatabase(databaseUrl ? { databaseUrl } : { pgliteDir: path.join(process.env.DATA_DIR ?? './data', 'pglite') });
await migrateToLatest(db.kysely);
const engine = db.kind === 'postgres' ? 'PostgreSQL 15 + PostGIS 3.3 (ST_AsMVT)' : 'PGlite 0.5.8 + PostGIS 3.6 (JS tile encoder)';
const totals = (await sql<Record<string, number>>`select
  (select count(*) from regions where level = 'county')::int as counties,
  (select count(*) from grids where valid_to is null)::int as grids,
  (select count(*) from sites)::int as sites,
  (select count(*) from incidents)::int as incidents`.execute(db.kysely)).rows[0];
if (!totals.grids) throw new Error('the database is empty: load the demo county or generate a prefecture first');

// On PostgreSQL the server runs as it is deployed, in a process of its own (`server/main.ts start`,
// logging at info to /dev/null), so the client's work here does not share its event loop. PGlite
// allows one process per data directory: there the app is served from this process.
const { base, stop } = db.kind === 'postgres' ? await serverProcess(databaseUrl!) : await inProcessServer();

async function inProcessServer() {
  const app = createApp(db, { demo: true, basemap: { kind: 'none' }, sessionHours: 12 });
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, stop: async () => { server.close(); } };
}

async function serverProcess(url: string) {
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address() as AddressInfo;
      probe.close(() => resolve(free));
    });
  });
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts', 'start'], {
    cwd: path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..'),
    env: { ...process.env, DATABASE_URL: url, PORT: String(port), HOST: '127.0.0.1', DEMO: '1', SKIP_WEB_BUILD: '1', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url0 = `http://127.0.0.1:${port}`;
  for (let tries = 0; ; tries++) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
    if (await fetch(`${url0}/api/health/live`).then((r) => r.ok, () => false)) break;
    if (tries > 300) throw new Error('the server did not start');
    await new Promise((r) => setTimeout(r, 200));
  }
  return { base: url0, stop: async () => { child.kill('SIGTERM'); await new Promise((r) => child.once('exit', r)); } };
}

const prefectureUser = await db.kysely.selectFrom('users').select('username').where('username', '=', 'prefecture').executeTakeFirst();
const username = prefectureUser && totals.counties > 1 ? 'prefecture' : 'inspector';
const login = await fetch(`${base}/api/auth/login`, {
  method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: DEMO_PASSWORD }),
});
if (login.status !== 200) throw new Error(`login ${username} failed: ${login.status}`);
const cookie = login.headers.get('set-cookie')!.split(';')[0];
const headers = { cookie };

console.log(`engine: ${engine}; server ${db.kind === 'postgres' ? 'in its own process (server/main.ts start)' : 'in this process'}`);
console.log(`data: ${totals.counties} counties, ${totals.grids.toLocaleString('en')} current grids, ${totals.sites.toLocaleString('en')} sites, `
  + `${totals.incidents.toLocaleString('en')} incidents; caller: ${username}; over HTTP at ${base}`);
console.log(`load average at the start: ${loadavg().map((v) => v.toFixed(2)).join(', ')} (2 shared cores: well above 2, the figures are the machine's more than the code's)`);

// ------------------------------------------------------------------ helpers

function quantiles(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const q = (f: number) => s[Math.min(s.length - 1, Math.floor(f * s.length))];
  return { p50: q(0.5), p95: q(0.95), p99: q(0.99), n: s.length };
}

async function timed(url: string, init?: RequestInit) {
  const start = performance.now();
  const res = await fetch(`${base}${url}`, { ...init, headers: { ...headers, ...(init?.headers ?? {}) } });
  const body = await res.arrayBuffer();
  const ms = performance.now() - start;
  if (res.status >= 400) throw new Error(`${url}: ${res.status} ${new TextDecoder().decode(body).slice(0, 300)}`);
  return { ms, bytes: body.byteLength, status: res.status, body };
}

const fmt = (v: number, d = 1) => v.toFixed(d).padStart(8);
const tileX = (lon: number, z: number) => Math.floor(((lon + 180) / 360) * 2 ** z);
const tileY = (lat: number, z: number) => Math.floor(((1 - Math.asinh(Math.tan((lat * Math.PI) / 180)) / Math.PI) / 2) * 2 ** z);

const extent = (await sql<{ w: number; s: number; e: number; n: number }>`
  select ST_XMin(b) as w, ST_YMin(b) as s, ST_XMax(b) as e, ST_YMax(b) as n
  from (select ST_Extent(boundary)::geometry as b from regions where level = 'county') q`.execute(db.kysely)).rows[0];

/** Tiles over the area at zoom z that hold data (inside a county), evenly thinned to at most `max`. */
async function areaTiles(z: number, max: number): Promise<[number, number, number][]> {
  const all: [number, number, number][] = [];
  for (let x = tileX(extent.w, z); x <= tileX(extent.e, z); x++) {
    for (let y = tileY(extent.n, z); y <= tileY(extent.s, z); y++) all.push([z, x, y]);
  }
  const step = Math.max(1, all.length / max);
  const picked: [number, number, number][] = [];
  for (let i = 0; i < all.length && picked.length < max; i += step) picked.push(all[Math.floor(i)]);
  return picked;
}

// ------------------------------------------------------------------ tiles

const TILE_TARGET_MS = 50;
if (sections.has('tiles')) {
  console.log(`\n== vector tiles (${db.kind === 'postgres' ? 'ST_AsMVT' : 'geojson-vt'}; each tile fetched once cold, then timed warm; target grid p95 ≤ ${TILE_TARGET_MS} ms)`);
  console.log('layer    z  tiles empty |  cold p50   p95 |  warm p50   p95   max |  avg KB | cold p95 / target');
  // the process's first request pays for connecting and compiling, not for a tile: not timed
  await timed('/tiles/regions/0/0/0.mvt');
  for (const layer of ['grids', 'sites', 'regions'] as const) {
    for (const z of [8, 10, 12, 14]) {
      const tiles = await areaTiles(z, 30);
      const cold: number[] = [];
      let bytes = 0;
      let empty = 0;
      for (const [tz, x, y] of tiles) {
        const r = await timed(`/tiles/${layer}/${tz}/${x}/${y}.mvt`);
        cold.push(r.ms);
        bytes += r.bytes;
        if (r.status === 204) empty++;
      }
      const warm: number[] = [];
      const rounds = Math.max(1, Math.ceil(60 / tiles.length));
      for (let i = 0; i < rounds; i++) for (const [tz, x, y] of tiles) warm.push((await timed(`/tiles/${layer}/${tz}/${x}/${y}.mvt`)).ms);
      const c = quantiles(cold);
      const w = quantiles(warm);
      console.log(`${layer.padEnd(7)} ${String(z).padStart(2)} ${String(tiles.length).padStart(6)} ${String(empty).padStart(5)} |`
        + `${fmt(c.p50)}${fmt(c.p95, 0)} |${fmt(w.p50)}${fmt(w.p95, 0)}${fmt(Math.max(...warm), 0)} |${fmt(bytes / tiles.length / 1024)} | ${fmt(c.p95 / TILE_TARGET_MS, 2)}x`);
    }
  }
}

// ------------------------------------------------------------------ OGC

if (sections.has('ogc')) {
  console.log('\n== OGC API – Features items (median of 7; deep = 90 % into the collection)');
  console.log('collection        limit |  first page | deep by key (next link) | deep by offset (baseline) | offset / key');
  for (const collection of ['grids', 'sites', 'sites-rental_housing']) {
    for (const limit of [100, 1000]) {
      const first = JSON.parse(new TextDecoder().decode((await timed(`/ogc/collections/${collection}/items?limit=1`)).body));
      const matched: number = first.numberMatched;
      const depth = Math.floor(matched * 0.9);
      const table = collection === 'grids' ? sql`grids where valid_to is null` : collection === 'sites' ? sql`sites`
        : sql`sites where category = ${collection.slice(6)}`;
      const { rows: [{ id }] } = await sql<{ id: number }>`select id::int as id from ${table} order by id offset ${depth} limit 1`.execute(db.kysely);
      const median = async (url: string) => {
        await timed(url);
        const samples: number[] = [];
        for (let i = 0; i < 7; i++) samples.push((await timed(url)).ms);
        return quantiles(samples).p50;
      };
      const firstMs = await median(`/ogc/collections/${collection}/items?limit=${limit}`);
      const byKey = await median(`/ogc/collections/${collection}/items?limit=${limit}&after=${id}`);
      const byOffset = await median(`/ogc/collections/${collection}/items?limit=${limit}&offset=${depth}`);
      console.log(`${collection.padEnd(20)} ${String(limit).padStart(5)} | ${fmt(firstMs)} ms | ${fmt(byKey)} ms (#${depth.toLocaleString('en')}) `
        + `|  ${fmt(byOffset)} ms                | ${fmt(byOffset / byKey, 1)}x`);
    }
  }
}

// ------------------------------------------------------------------ point in grid

const SINGLE_TARGET_MS = 10;
const BULK_TARGET = 20_000;
if (sections.has('locate')) {
  // random points over the area's grids: points on household points jittered, most inside a grid
  const { rows: points } = await sql<{ x: number; y: number }>`
    select ST_X(geom) + (random() - 0.5) * 0.002 as x, ST_Y(geom) + (random() - 0.5) * 0.002 as y
    from household_points tablesample system (50) limit 100000`.execute(db.kysely);
  while (points.length < 100_000) points.push(...points.slice(0, 100_000 - points.length));
  console.log(`\n== point in grid (targets: single call p95 ≤ ${SINGLE_TARGET_MS} ms, bulk ≥ ${BULK_TARGET.toLocaleString('en')} points/s)`);
  const single = async (make: (p: { x: number; y: number }) => Promise<{ ms: number }>) => {
    for (let i = 0; i < 20; i++) await make(points[i]);
    const samples: number[] = [];
    for (let i = 0; i < 400; i++) samples.push((await make(points[(i * 97) % points.length])).ms);
    return quantiles(samples);
  };
  const at = await single((p) => timed(`/api/grids/at?lon=${p.x}&lat=${p.y}`));
  const one = await single((p) => timed('/api/grids/locate', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ points: [[p.x, p.y]] }),
  }));
  console.log(`GET  /api/grids/at (grid with its geometry)  p50 ${fmt(at.p50, 2)} ms  p95 ${fmt(at.p95, 2)} ms  (${fmt(at.p95 / SINGLE_TARGET_MS, 2)}x target)`);
  console.log(`POST /api/grids/locate, 1 point              p50 ${fmt(one.p50, 2)} ms  p95 ${fmt(one.p95, 2)} ms  (${fmt(one.p95 / SINGLE_TARGET_MS, 2)}x target)`);

  for (const batch of [1000, 10_000]) {
    const runs: number[] = [];
    let located = 0;
    for (let round = 0; round < 3; round++) {
      const start = performance.now();
      located = 0;
      for (let i = 0; i < points.length; i += batch) {
        const r = await timed('/api/grids/locate', {
          method: 'POST', headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ points: points.slice(i, i + batch).map((p) => [p.x, p.y]) }),
        });
        located += JSON.parse(new TextDecoder().decode(r.body)).located;
      }
      runs.push(points.length / ((performance.now() - start) / 1000));
    }
    const rate = quantiles(runs).p50;
    console.log(`bulk: 100,000 points in requests of ${String(batch).padStart(6)}: ${fmt(rate, 0)} points/s (median of 3; ${located.toLocaleString('en')} located) `
      + `= ${fmt(rate / BULK_TARGET, 2)}x target, ${fmt(rate / (1000 / one.p50), 0)}x one call per point`);
  }
}

// ------------------------------------------------------------------ incident statistics

if (sections.has('stats')) {
  // the caller's whole scope (the prefecture, or the county), by county or township and by month
  const me = JSON.parse(new TextDecoder().decode((await timed('/api/auth/me')).body)).user;
  const groupBy = me.scopeCode.length === 4 ? 'county' : 'township';
  const { rows: [{ today }] } = await sql<{ today: string }>`select to_char(now() at time zone 'Asia/Shanghai', 'YYYY-MM-DD') as today`.execute(db.kysely);
  const monthStart = `${today.slice(0, 7)}-01`;
  const yearAgo = `${Number(today.slice(0, 4)) - 1}${today.slice(4, 7)}-01`;
  const median = async (url: string, n: number) => {
    const samples: number[] = [];
    for (let i = 0; i < n; i++) samples.push((await timed(url)).ms);
    return quantiles(samples).p50;
  };
  console.log(`\n== incident statistics over HTTP (GET /api/stats/incidents, the caller's scope ${me.scopeCode}; medians)`);
  for (const [label, from, n] of [['this month', monthStart, 5], ['twelve months', yearAgo, 3]] as const) {
    for (const by of [groupBy, 'month']) {
      const ms = await median(`/api/stats/incidents?groupBy=${by}&from=${from}&to=${today}`, n);
      console.log(`${label.padEnd(14)} by ${by.padEnd(8)} ${fmt(ms, 0)} ms`);
    }
  }
  // the naive baseline: the same twelve months' incidents fetched to JavaScript and counted there
  const started = performance.now();
  const { rows } = await sql<{ region: string; state: string }>`select region_code as region, state from incidents
    where created_at >= ${yearAgo}::date and region_code like ${`${me.scopeCode}%`}`.execute(db.kysely);
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.region.slice(0, 6), (counts.get(r.region.slice(0, 6)) ?? 0) + 1);
  const naive = performance.now() - started;
  const api = await median(`/api/stats/incidents?groupBy=${groupBy}&from=${yearAgo}&to=${today}`, 3);
  console.log(`baseline: ${rows.length.toLocaleString('en')} rows fetched and counted in JS ${fmt(naive, 0)} ms (no RLS, two columns) `
    + `= ${fmt(naive / api, 1)}x the API's twelve months by ${groupBy}`);
}

// ------------------------------------------------------------------ sustained load

if (sections.has('load')) {
  const duration = Number(process.env.LOAD_SECONDS ?? 20);
  const tiles = [...await areaTiles(12, 40), ...await areaTiles(14, 40)];
  const { rows: spots } = await sql<{ x: number; y: number }>`
    select ST_X(p) as x, ST_Y(p) as y from (select ST_PointOnSurface(geom) as p from grids where valid_to is null order by id limit 200) g`.execute(db.kysely);
  const { rows: villages } = await sql<{ code: string }>`select code from regions where level = 'village' order by code limit 100`.execute(db.kysely);
  const mix: string[] = [];
  for (let i = 0; i < 200; i++) {
    const [z, x, y] = tiles[i % tiles.length];
    mix.push(`/tiles/grids/${z}/${x}/${y}.mvt`, `/tiles/sites/${z}/${x}/${y}.mvt`, `/tiles/grids/${z}/${x}/${y}.mvt`);
    const p = spots[i % spots.length];
    mix.push(`/api/grids/at?lon=${p.x}&lat=${p.y}`);
    if (i % 4 === 0) mix.push(`/ogc/collections/sites/items?limit=100&after=${i * 2000}`);
    if (i % 4 === 1) mix.push(`/api/regions/${villages[i % villages.length].code}`);
  }
  let next = 0;
  console.log(`\n== sustained load: autocannon, ${duration} s, 10 connections, read mix of ${mix.length} requests `
    + '(grid and site tiles z12/z14, grid at a point, OGC pages by key, village details)');
  const result = await autocannon({
    url: base, connections: 10, duration, headers,
    requests: [{ method: 'GET', setupRequest: (req: Record<string, unknown>) => ({ ...req, path: mix[next++ % mix.length] }) }],
  });
  const errors = result.errors + result.non2xx;
  console.log(`requests/s: mean ${result.requests.average.toFixed(0)}, median ${result.requests.p50}; latency p50 ${result.latency.p50} ms, `
    + `p99 ${result.latency.p99} ms, max ${result.latency.max} ms; ${result.requests.total} requests, ${errors} errors/non-2xx, `
    + `${(result.throughput.average / 1024 / 1024).toFixed(1)} MB/s`);
}

console.log(`\nload average at the end: ${loadavg().map((v) => v.toFixed(2)).join(', ')}`);
await stop();
await db.close();
