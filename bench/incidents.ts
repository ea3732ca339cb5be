/**
 * Incident lists and workflow steps, in process (createApp + app.request): the median time of the
 * dispatcher's queue, the overdue filter (deadline clock computed in SQL per row), a text search,
 * a detail page with timeline and allowed actions, a report (routing + code + duplicates) and an
 * accept step, against the baseline of a plain first page of /api/incidents.
 * Embedded PGlite by default (the cached demo-county template); set DATABASE_URL for PostgreSQL
 * (a throwaway clone of the template database, dropped afterwards).
 * Usage: npx tsx bench/incidents.ts [runs]
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
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
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'dispatcher', password: DEMO_PASSWORD }),
  });
  const cookie = login.headers.get('set-cookie')!.split(';')[0];
  const { rows: [p] } = await sql<{ x: number; y: number }>`select ST_X(ST_PointOnSurface(geom)) as x, ST_Y(ST_PointOnSurface(geom)) as y
    from grids where layer_id = 1 order by code limit 1 offset 100`.execute(db.kysely);
  const detailId = (await sql<{ id: number }>`select id from incidents where state = 'closed' order by id limit 1`.execute(db.kysely)).rows[0].id;

  /** Median wall time of a full request (body read), after two warm-up calls; `request` builds each call. */
  async function measure(request: () => [string, RequestInit?], expect = 200) {
    const times: number[] = [];
    let size = 0;
    for (let i = 0; i < runs + 2; i += 1) {
      const [path, init] = request();
      const t0 = performance.now();
      const res = await app.request(path, { ...init, headers: { cookie, 'content-type': 'application/json', ...(init?.headers ?? {}) } });
      const text = await res.text();
      const ms = performance.now() - t0;
      if (res.status !== expect) throw new Error(`${path}: ${res.status} ${text.slice(0, 200)}`);
      if (i >= 2) times.push(ms);
      size = text.length;
    }
    times.sort((a, b) => a - b);
    return { median: times[Math.floor(times.length / 2)], size };
  }
  const get = (path: string) => () => [path] as [string];
  const report = () => ['/api/incidents', { method: 'POST', body: JSON.stringify({ category: 'city.garbage', title: '垃圾', location: { type: 'Point', coordinates: [p.x, p.y] } }) }] as [string, RequestInit];
  const created: number[] = [];
  const reportAndKeep = async () => {
    const res = await app.request('/api/incidents', { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: report()[1].body });
    created.push(((await res.json()) as { id: number }).id);
  };
  for (let i = 0; i < runs + 2; i += 1) await reportAndKeep();
  let next = 0;

  const baseline = await measure(get('/api/incidents?limit=50'));
  const cases: Array<[string, () => [string, RequestInit?], number?]> = [
    ['GET /api/incidents?view=queue&limit=50', get('/api/incidents?view=queue&limit=50')],
    ['GET /api/incidents?overdue=true&limit=50', get('/api/incidents?overdue=true&limit=50')],
    ['GET /api/incidents?q=纠纷&limit=50', get(`/api/incidents?q=${encodeURIComponent('纠纷')}&limit=50`)],
    ['GET /api/incidents?limit=1000', get('/api/incidents?limit=1000')],
    ['GET /api/incidents/{id} (timeline, allowed actions)', get(`/api/incidents/${detailId}`)],
    ['POST /api/incidents (route, code, duplicates)', report, 201],
    ['POST /api/incidents/{id}/actions accept', () => [`/api/incidents/${created[next++]}/actions`, { method: 'POST', body: JSON.stringify({ action: 'accept' }) }]],
  ];
  const total = (await sql<{ n: number }>`select count(*)::int as n from incidents`.execute(db.kysely)).rows[0].n;
  console.log(`engine: ${db.kind}; ${total} incidents; ${runs} runs per request, medians; in-process app.request as the demo dispatcher (whole county)`);
  console.log(`${'request'.padEnd(52)} ${'median'.padStart(9)} ${'bytes'.padStart(9)}  ratio to baseline`);
  const line = (label: string, r: { median: number; size: number }) =>
    console.log(`${label.padEnd(52)} ${`${r.median.toFixed(1)} ms`.padStart(9)} ${String(r.size).padStart(9)}  ${(r.median / baseline.median).toFixed(2)}×`);
  line('GET /api/incidents?limit=50 (baseline)', baseline);
  for (const [label, request, status] of cases) line(label, await measure(request, status));
} finally {
  await db.close();
  await drop?.();
}
