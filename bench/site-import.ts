/**
 * A large site import as a job (the long form of test/api/site-import-jobs.test.ts, which imports
 * 12,000 rows): N CSV rows of rental housing spread over the demo county, uploaded through the HTTP
 * API as the demo planner; prints the time, the progress values seen and the peak RSS of this
 * process (the embedded database included on PGlite).
 * Usage: npx tsx bench/site-import.ts [rows=100000]   |   DATABASE_URL=postgres://… npx tsx bench/site-import.ts
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { createApp } from '../server/app.ts';
import { openDatabase } from '../server/db/connection.ts';
import { DEMO_PASSWORD } from '../server/demo/demo.seed.ts';
import { importsSettled } from '../server/imports/import-jobs.ts';
import { cloneTemplateDatabase, ensurePgliteTemplate, ensurePostgresTemplate } from '../test/support/template.ts';
import { waitFor } from '../test/support/wait.ts';

const rows = Number(process.argv[2] ?? 100_000);
const base = process.env.DATABASE_URL;
let dropDatabase = async () => {};
let db;
if (base) {
  const copy = await cloneTemplateDatabase(base, await ensurePostgresTemplate(base), `pingan_bench_${randomBytes(4).toString('hex')}`);
  db = await openDatabase({ databaseUrl: copy.databaseUrl });
  dropDatabase = copy.drop;
} else {
  db = await openDatabase({ loadDataDir: readFileSync(await ensurePgliteTemplate()) });
}
try {
  const app = createApp(db, { demo: true, basemap: { kind: 'none' }, sessionHours: 12 });
  const login = await app.request('/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'planner', password: DEMO_PASSWORD }) });
  const cookie = login.headers.get('set-cookie')!.split(';')[0];
  const points = (await sql<{ x: number; y: number }>`select ST_X(p) as x, ST_Y(p) as y from
    (select ST_PointOnSurface(geom) as p from grids where layer_id = 1 order by code limit 500) g`.execute(db.kysely)).rows.map((r) => [Number(r.x), Number(r.y)]);
  const lines = ['名称,经度,纬度,units,tenants'];
  for (let i = 0; i < rows; i++) {
    const [x, y] = points[i % points.length];
    const jitter = ((i * 7919) % 1000) / 1e7;
    lines.push(`出租屋${i},${(x + jitter).toFixed(7)},${(y - jitter).toFixed(7)},${1 + (i % 5)},${i % 9}`);
  }
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 100);
  const t0 = Date.now();
  const form = new FormData();
  form.set('file', new File([lines.join('\n')], `rentals-${rows}.csv`));
  for (const [k, v] of Object.entries({ kind: 'sites', category: 'rental_housing', dryRun: 'false' })) form.set(k, v);
  const started = await (await app.request('/api/imports', { method: 'POST', headers: { cookie }, body: form })).json() as { id: number };
  const seen: number[] = [];
  const job = await waitFor(async () => {
    const j = await (await app.request(`/api/imports/${started.id}`, { headers: { cookie } })).json() as { status: string; processed: number; imported: number };
    seen.push(j.processed);
    return ['queued', 'running'].includes(j.status) ? undefined : j;
  }, { what: `the ${rows}-row import`, timeoutMs: 3_600_000, intervalMs: 200 });
  clearInterval(sampler);
  console.log(`${rows}-row CSV import (${base ? 'PostgreSQL' : 'PGlite'}): ${job.status}, ${job.imported} imported in ${((Date.now() - t0) / 1000).toFixed(1)} s; `
    + `progress seen: ${[...new Set(seen)].join(' ')}; peak RSS of this process ${(peak / 2 ** 20).toFixed(0)} MiB`);
  await importsSettled();
} finally {
  await db.close();
  await dropDatabase();
}
