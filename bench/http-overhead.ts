/**
 * What a request costs before and around its query, over real HTTP (@hono/node-server on a local
 * port, fetch with keep-alive and Accept-Encoding like a browser): a bare Hono route answering the
 * same JSON is the baseline; then the app's liveness probe (every middleware, no database), the
 * signed-in user (session lookup), and the grid at a point (scoped transaction + GiST probe).
 * A middleware that starts costing milliseconds shows as a ratio to the baseline — Hono's
 * compress() did (every answer through a CompressionStream, ~1–4 ms each), see server/http/compression.ts.
 *
 *   DATABASE_URL=postgres://… npx tsx bench/http-overhead.ts     (a database holding the demo county)
 *   DATA_DIR=./data npx tsx bench/http-overhead.ts               (the persisted embedded database)
 */
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import path from 'node:path';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createApp } from '../server/app.ts';
import { openDatabase } from '../server/db/connection.ts';
import { migrateToLatest } from '../server/db/migrate.ts';
import { DEMO_PASSWORD } from '../server/demo/demo.seed.ts';

const ROUNDS = 600;
const databaseUrl = process.env.DATABASE_URL || undefined;
const db = await openDatabase(databaseUrl ? { databaseUrl } : { pgliteDir: path.join(process.env.DATA_DIR ?? './data', 'pglite') });
await migrateToLatest(db.kysely);

async function listen(fetchHandler: (req: Request) => Response | Promise<Response>) {
  const server = serve({ fetch: fetchHandler, port: 0, hostname: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function measure(url: string, headers: Record<string, string> = {}) {
  const samples: number[] = [];
  for (let i = 0; i < ROUNDS + 50; i++) {
    const started = performance.now();
    const res = await fetch(url, { headers: { 'accept-encoding': 'gzip, deflate', ...headers } });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`${url}: ${res.status}`);
    if (i >= 50) samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  return { p50: samples[Math.floor(ROUNDS / 2)], p95: samples[Math.floor(ROUNDS * 0.95)] };
}

const bare = new Hono();
bare.get('/live', (c) => c.json({ ok: true }));
const baseline = await listen(bare.fetch);

const app = createApp(db, { demo: true, basemap: { kind: 'none' }, sessionHours: 12 });
const served = await listen(app.fetch);
const login = await fetch(`${served.base}/api/auth/login`, {
  method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'inspector', password: DEMO_PASSWORD }),
});
if (login.status !== 200) throw new Error(`login failed: ${login.status} (load the demo county first)`);
const cookie = login.headers.get('set-cookie')!.split(';')[0];

console.log(`engine: ${db.kind}; ${ROUNDS} sequential requests each after 50 warm-up; load average ${loadavg().map((v) => v.toFixed(2)).join(', ')}`);
const base = await measure(`${baseline.base}/live`);
const row = (name: string, r: { p50: number; p95: number }) =>
  console.log(`${name.padEnd(44)} p50 ${r.p50.toFixed(2).padStart(6)} ms  p95 ${r.p95.toFixed(2).padStart(6)} ms  ${(r.p50 / base.p50).toFixed(1).padStart(5)}x bare p50`);
row('bare Hono, {"ok":true} (baseline)', base);
row('app: GET /api/health/live (middleware only)', await measure(`${served.base}/api/health/live`));
row('app: GET /api/auth/me (session lookup)', await measure(`${served.base}/api/auth/me`, { cookie }));
row('app: GET /api/grids/at (scoped tx + GiST)', await measure(`${served.base}/api/grids/at?lon=113.2&lat=33.94`, { cookie }));
baseline.server.close();
served.server.close();
await db.close();
