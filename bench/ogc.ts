/**
 * OGC API – Features items pages, in process (createApp + app.request, no network): the median
 * time of a page of grids and of sites at limit 100 and 1000, a deep page, and a per-category
 * page, against the baseline of /api/grids (the whole current grid layer as one FeatureCollection).
 * Embedded PGlite by default (the cached demo-county template the tests use); set DATABASE_URL
 * to measure PostgreSQL (a throwaway clone of the template database, dropped afterwards).
 * Usage: npx tsx bench/ogc.ts [runs]
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createApp } from '../server/app.ts';
import { type Db, openDatabase } from '../server/db/connection.ts';
import { DEMO_PASSWORD } from '../server/demo/demo.seed.ts';
import { cloneTemplateDatabase, ensurePgliteTemplate, ensurePostgresTemplate } from '../test/support/template.ts';

const runs = Number(process.argv[2] ?? 15);
const databaseUrl = process.env.DATABASE_URL;

let db: Db;
let drop: (() => Promise<void>) | undefined;
if (databaseUrl) {
  const template = await ensurePostgresTemplate(databaseUrl);
  const name = `pingan_bench_${randomBytes(4).toString('hex')}`;
  const clone = await cloneTemplateDatabase(databaseUrl, template, name);
  db = await openDatabase({ databaseUrl: clone.databaseUrl });
  drop = clone.drop;
} else {
  db = await openDatabase({ loadDataDir: readFileSync(await ensurePgliteTemplate()) });
}

try {
  const app = createApp(db, { demo: true, basemap: { kind: 'none' }, sessionHours: 12 });
  const login = await app.request('/api/auth/login', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'inspector', password: DEMO_PASSWORD }),
  });
  const cookie = login.headers.get('set-cookie')!.split(';')[0];

  /** Median wall time of a full request (including reading the body), after two warm-up calls. */
  async function measure(path: string) {
    let bytes = 0;
    let features = 0;
    const times: number[] = [];
    for (let i = 0; i < runs + 2; i += 1) {
      const t0 = performance.now();
      const res = await app.request(path, { headers: { cookie } });
      const text = await res.text();
      const ms = performance.now() - t0;
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${text.slice(0, 200)}`);
      if (i >= 2) times.push(ms);
      bytes = text.length;
      features = (JSON.parse(text) as { features: unknown[] }).features.length;
    }
    times.sort((a, b) => a - b);
    return { median: times[Math.floor(times.length / 2)], bytes, features };
  }

  const baseline = await measure('/api/grids');
  const cases = [
    '/ogc/collections/grids/items?limit=100',
    '/ogc/collections/grids/items?limit=1000',
    '/ogc/collections/grids/items?limit=100&offset=2000',
    '/ogc/collections/sites/items?limit=100',
    '/ogc/collections/sites/items?limit=1000',
    '/ogc/collections/sites/items?limit=100&offset=5000',
    '/ogc/collections/sites-school/items?limit=100',
  ];
  const pad = (s: string, n: number) => s.padEnd(n);
  console.log(`engine: ${db.kind}; ${runs} runs per request, medians; in-process app.request as the demo inspector (whole county)`);
  console.log(`${pad('request', 56)} ${'median'.padStart(9)} ${'features'.padStart(9)} ${'bytes'.padStart(10)}  ratio to baseline`);
  const line = (path: string, r: { median: number; bytes: number; features: number }) =>
    console.log(`${pad(path, 56)} ${`${r.median.toFixed(1)} ms`.padStart(9)} ${String(r.features).padStart(9)} ${String(r.bytes).padStart(10)}  ${(r.median / baseline.median).toFixed(2)}×`);
  line('/api/grids (baseline: whole current layer)', baseline);
  for (const path of cases) line(path, await measure(path));
} finally {
  await db.close();
  await drop?.();
}
