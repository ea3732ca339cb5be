/**
 * Rules figures (issue 5), on the engine DATABASE_URL selects (PGlite when unset): the 200 m rule
 * (no internet café within 200 m of a primary or middle school campus, by boundary) over the demo
 * county and over a generated prefecture-sized set (5,000 school campuses, 500,000 venues) in a
 * scratch database, beside a brute-force Turf baseline on the same data (every school against every
 * venue, turf.pointToPolygonDistance). Turf measures on a sphere, PostGIS on the WGS84 spheroid, so
 * the hit counts are printed side by side. On the prefecture set the baseline runs on a slice of the
 * schools and is extrapolated linearly (each school's check is independent); the slice's counts are
 * compared with the database's answer for the same schools.
 * Usage: npx tsx bench/rules.ts   |   DATABASE_URL=postgres://… npx tsx bench/rules.ts
 */
import { randomBytes } from 'node:crypto';
import * as turf from '@turf/turf';
import { sql } from 'kysely';
import pg from 'pg';
import { openDatabase } from '../server/db/connection.ts';
import { migrateToLatest } from '../server/db/migrate.ts';
import { loadDemoCounty } from '../server/demo/demo.seed.ts';
import { listRules, runRule } from '../server/rules/rules.repository.ts';

const base = process.env.DATABASE_URL;
const created: string[] = [];
async function scratch() {
  if (!base) return openDatabase({});
  const name = `pingan_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  created.push(name);
  const u = new URL(base); u.pathname = `/${name}`;
  return openDatabase({ databaseUrl: u.toString() });
}
async function dropScratch() {
  if (!base) return;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  for (const name of created) await admin.query(`drop database if exists ${name} with (force)`);
  await admin.end();
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function time<T>(runs: number, fn: () => Promise<T>) {
  let result = await fn(); // warm
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) { const t0 = performance.now(); result = await fn(); ms.push(performance.now() - t0); }
  return { ms: median(ms), result };
}
const fmt = (ms: number) => (ms >= 10_000 ? `${(ms / 1000).toFixed(0)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(0)} ms`);

type Db = Awaited<ReturnType<typeof openDatabase>>;
async function data(db: Db, prefix: string, schoolLimit?: number) {
  const { rows: schools } = await sql<{ id: number; g: any }>`select id, ST_AsGeoJSON(geom)::json as g from sites
    where category = 'school' and attrs ->> 'stage' in ('primary', 'middle') and region_code like ${prefix + '%'} order by id
    ${schoolLimit ? sql`limit ${schoolLimit}` : sql``}`.execute(db.kysely);
  const { rows: venues } = await sql<{ id: number; g: any }>`select id, ST_AsGeoJSON(geom)::json as g
    from sites where category = 'internet_cafe' order by id`.execute(db.kysely);
  return {
    schools: schools.map((s) => ({ id: Number(s.id), polygon: turf.feature(s.g) as any, vertices: turf.coordAll(s.g) })),
    venues: venues.map((v) => ({ id: Number(v.id), point: v.g.type === 'Point' ? v.g.coordinates : null, polygon: v.g.type === 'Point' ? null : turf.feature(v.g) as any,
      vertices: turf.coordAll(v.g) })),
  };
}
type Data = Awaited<ReturnType<typeof data>>;
/** Footprint to campus, as the rule measures: a point's distance to the polygon; two polygons' distance from each one's vertices to the other. */
function distance(s: Data['schools'][number], v: Data['venues'][number]) {
  if (v.point) return turf.pointToPolygonDistance(v.point, s.polygon, { units: 'meters' });
  let d = Infinity;
  for (const p of v.vertices) d = Math.min(d, turf.pointToPolygonDistance(p, s.polygon, { units: 'meters' }));
  for (const p of s.vertices) d = Math.min(d, turf.pointToPolygonDistance(p, v.polygon, { units: 'meters' }));
  return Math.max(d, 0);
}
/** Brute force: every school campus against every venue point (Turf, spherical metres). */
function bruteForce(schools: Data['schools'], venues: Data['venues']) {
  let hits = 0;
  const t0 = performance.now();
  for (const s of schools) {
    for (const v of venues) {
      if (distance(s, v) <= 200) hits++;
    }
  }
  return { ms: performance.now() - t0, hits };
}

const engine = base ? 'PostgreSQL' : 'PGlite';
console.log(`# 200 m rule (internet cafés by campus boundary) on ${engine}`);

// ---------------------------------------------------------------- demo county
{
  const db = await scratch();
  await migrateToLatest(db.kysely);
  await loadDemoCounty(db.kysely);
  const rule = (await listRules(db.kysely)).find((r) => r.code === 'internet-cafe-school-200')!;
  const run = await time(5, () => runRule(db.kysely, rule, { prefix: '990101' }));
  const { schools, venues } = await data(db, '990101');
  const brute = bruteForce(schools, venues);
  console.log(`demo county: ${schools.length} primary/middle schools × ${venues.length} internet cafés`);
  console.log(`  rule run (median of 5): ${fmt(run.ms)}, ${run.result.length} violations`);
  console.log(`  Turf brute force: ${fmt(brute.ms)}, ${brute.hits} hits — ratio ${(brute.ms / run.ms).toFixed(1)}×`);
  await db.close();
}

// ---------------------------------------------------------------- prefecture-sized set
{
  const db = await scratch();
  await migrateToLatest(db.kysely);
  const k = db.kysely;
  const t0 = performance.now();
  // one synthetic prefecture-level region, 1.6° × 1.2° (about 150 km × 130 km) around 113.5°E 34°N
  await sql`insert into regions (code, name, level, parent_code) values ('990200000000', '基准市（示范数据）', 'county', null)`.execute(k);
  await sql`select setseed(0.42)`.execute(k);
  await sql`insert into sites (category, name, geom, attrs, region_code)
    select 'school', '学校' || i, ST_Envelope(ST_Buffer(ST_SetSRID(ST_MakePoint(112.7 + random() * 1.6, 33.4 + random() * 1.2), 4326)::geography, 80)::geometry),
      jsonb_build_object('stage', case when i % 3 = 0 then 'middle' else 'primary' end), '990200000000'
    from generate_series(1, 5000) i`.execute(k);
  for (let batch = 0; batch < 10; batch++) {
    await sql`insert into sites (category, name, geom, attrs, region_code)
      select 'internet_cafe', '网吧' || i, ST_SetSRID(ST_MakePoint(112.7 + random() * 1.6, 33.4 + random() * 1.2), 4326), '{}', '990200000000'
      from generate_series(${batch * 50_000 + 1}::int, ${(batch + 1) * 50_000}::int) i`.execute(k);
  }
  await sql`analyze sites`.execute(k);
  console.log(`prefecture set: 5,000 school campuses, 500,000 internet cafés generated in ${fmt(performance.now() - t0)}`);
  const rule = (await listRules(k)).find((r) => r.code === 'internet-cafe-school-200')!;
  const run = await time(3, () => runRule(k, rule, { prefix: '990200' }));
  console.log(`  rule run (median of 3): ${fmt(run.ms)}, ${run.result.length} violations`);
  const slice = 2;
  const { schools, venues } = await data(db, '990200', slice);
  const brute = bruteForce(schools, venues);
  const ids = new Set(schools.map((s) => s.id));
  const dbHits = run.result.filter((v) => ids.has(v.subjectId)).length;
  const extrapolated = (brute.ms * 5000) / slice;
  console.log(`  Turf brute force on ${slice} schools × 500,000 cafés: ${fmt(brute.ms)}, ${brute.hits} hits (database: ${dbHits} for the same schools)`);
  console.log(`  Turf brute force extrapolated to 5,000 schools: ${fmt(extrapolated)} — ratio ${(extrapolated / run.ms).toFixed(0)}×`);
  await db.close();
}
await dropScratch();
