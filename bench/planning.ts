/**
 * Planning figures (issue 3), on the engine DATABASE_URL selects (PGlite when unset):
 * coverage validation of the largest demo township and of the whole county, against a naive
 * baseline that tests every pair of the township's grids for overlap without the bbox prefilter.
 * Usage: npx tsx bench/planning.ts   |   DATABASE_URL=postgres://… npx tsx bench/planning.ts
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { openDatabase } from '../server/db/connection.ts';
import { migrateToLatest } from '../server/db/migrate.ts';
import { loadDemoCounty } from '../server/demo/demo.seed.ts';
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
  await fn(); // warm
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) { const t0 = performance.now(); await fn(); ms.push(performance.now() - t0); }
  return median(ms);
}

const largest = (await sql<{ code: string; name: string; grids: number }>`select t.code, t.name, count(g.id)::int as grids
  from regions t join grids g on left(g.village_code, 9) = left(t.code, 9) and g.valid_to is null and g.layer_id = 1
  where t.level = 'township' group by t.code, t.name order by grids desc limit 1`.execute(k)).rows[0];
const thresholds = await validationThresholds(k);
const township = await time(5, () => validateCoverage(k, largest.code.slice(0, 9), thresholds));
const county = await time(3, () => validateCoverage(k, '990101', thresholds));
const naive = await time(3, () => sql`select count(*) from grids a join grids b on a.id < b.id
  and ST_Relate(a.geom, b.geom, '2********')
  where a.valid_to is null and b.valid_to is null and a.layer_id = 1 and b.layer_id = 1
    and left(a.village_code, 9) = ${largest.code.slice(0, 9)} and left(b.village_code, 9) = ${largest.code.slice(0, 9)}`.execute(k));

console.log(`engine: ${db.kind}`);
console.log(`validation, largest township (${largest.name}, ${largest.grids} grids): ${township.toFixed(0)} ms median`);
console.log(`validation, whole county (2,143 grids): ${county.toFixed(0)} ms median`);
console.log(`naive all-pairs overlap test alone, same township: ${naive.toFixed(0)} ms (full validation is ${(naive / township).toFixed(1)}× faster)`);
await db.close();
if (base && url) {
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`drop database ${new URL(url).pathname.slice(1)} with (force)`);
  await admin.end();
}
