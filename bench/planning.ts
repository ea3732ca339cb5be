/**
 * Planning figures (issue 3), on the engine DATABASE_URL selects (PGlite when unset):
 * coverage validation of the largest demo township and of the whole county; its overlap check
 * against a naive baseline that tests every pair of the county's grids without the index prefilter;
 * and publishing a plan in which every grid of that township changes (its grids re-imported),
 * through the HTTP API as the demo planner.
 * Usage: npx tsx bench/planning.ts   |   DATABASE_URL=postgres://… npx tsx bench/planning.ts
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { openDatabase } from '../server/db/connection.ts';
import { migrateToLatest } from '../server/db/migrate.ts';
import { loadDemoCounty } from '../server/demo/demo.seed.ts';
import { createApp } from '../server/app.ts';
import { validateCoverage, validationThresholds } from '../server/grids/validation.repository.ts';

const base = process.env.DATABASE_URL;
let url: string | undefined;
if (base) {
  const name = `pingan_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const u = new URL(base); u.pathname = `/${name}`; url = u.toString();
}
const db = await openDatabase({ databaseUrl: url });
await migrateToLatest(db.kysely);
await loadDemoCounty(db.kysely);
const k = db.kysely;

const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function time(runs: number, fn: () => Promise<unknown>) {
  if (runs > 0) await fn(); // warm
  const ms: number[] = [];
  if (runs === 0) { const t0 = performance.now(); await fn(); return performance.now() - t0; }
  for (let i = 0; i < runs; i++) { const t0 = performance.now(); await fn(); ms.push(performance.now() - t0); }
  return median(ms);
}

const largest = (await sql<{ code: string; name: string; grids: number }>`select t.code, t.name, count(g.id)::int as grids
  from regions t join grids g on left(g.village_code, 9) = left(t.code, 9) and g.valid_to is null and g.layer_id = 1
  where t.level = 'township' group by t.code, t.name order by grids desc limit 1`.execute(k)).rows[0];
const thresholds = await validationThresholds(k);
const township = await time(5, () => validateCoverage(k, largest.code.slice(0, 9), thresholds));
const county = await time(3, () => validateCoverage(k, '990101', thresholds));
const pairs = (prefilter: boolean) => sql`select count(*) from grids a join grids b on a.id < b.id
  ${prefilter ? sql`and a.geom && b.geom` : sql``} and ST_Relate(a.geom, b.geom, '2********')
  where a.valid_to is null and b.valid_to is null and a.layer_id = 1 and b.layer_id = 1`.execute(k);
const indexed = await time(3, () => pairs(true));
const naive = await time(0, () => pairs(false));

// publish: a draft of the township whose every grid is replaced by an imported copy of itself
const app = createApp(db, { demo: true, basemap: { kind: 'none' }, sessionHours: 1 });
const login = await app.request('/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ username: 'planner', password: 'demo-2026' }) });
const headers = { cookie: login.headers.get('set-cookie')!.split(';')[0], 'content-type': 'application/json' };
const post = async (path: string, body?: unknown) => {
  const res = await app.request(path, { method: 'POST', headers, body: body ? JSON.stringify(body) : undefined });
  if (res.status >= 300) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<any>;
};
const plan = await post('/api/plans', { region: largest.code });
const features = plan.grids.features.map((f: any) => ({ type: 'Feature', properties: { name: f.properties.name }, geometry: f.geometry }));
let t0 = performance.now();
const imported = await post(`/api/plans/${plan.id}/import`, { type: 'FeatureCollection', features });
const importMs = performance.now() - t0;
t0 = performance.now();
const published = await post(`/api/plans/${plan.id}/publish`);
const publishMs = performance.now() - t0;

console.log(`engine: ${db.kind}`);
console.log(`validation, largest township (${largest.name}, ${largest.grids} grids): ${township.toFixed(0)} ms median`);
console.log(`validation, whole county (2,143 grids): ${county.toFixed(0)} ms median`);
console.log(`overlap check over the county: ${indexed.toFixed(0)} ms with the GiST prefilter, ${naive.toFixed(0)} ms testing all pairs (${(naive / indexed).toFixed(0)}× slower)`);
console.log(`import of ${features.length} grids into a draft (with its validation): ${importMs.toFixed(0)} ms; publishable: ${imported.validation.summary.publishable}`);
console.log(`publish of a ${features.length}-grid plan (${published.closed} closed, ${published.inserted} inserted, ${published.sitesRehomed} sites and ${published.incidentsRehomed} incidents re-homed): ${publishMs.toFixed(0)} ms`);
await db.close();
if (base && url) {
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`drop database ${new URL(url).pathname.slice(1)} with (force)`);
  await admin.end();
}
