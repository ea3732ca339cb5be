/**
 * Screenshots of the web map on a generated prefecture at z8 (the whole prefecture) and z10–z16 (a
 * county seat), with the time each view took to load and draw, for looking at: the map must
 * stay fluid and readable with ten counties. Needs the built web app (npm run build) and a database
 * holding a generated prefecture. Writes test-results/screenshots/prefecture-z8.png … -z16.png.
 *
 *   DATABASE_URL=postgres://…/prefecture npx tsx bench/screenshots.ts [username]
 * (username: default `prefecture`, the prefecture-wide inspector; `inspector` shows one county)
 */
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { sql } from 'kysely';
import { createApp } from '../server/app.ts';
import { openDatabase } from '../server/db/connection.ts';
import { DEMO_PASSWORD } from '../server/demo/demo.seed.ts';
import { launchChromium } from '../test/support/browser.ts';

const username = process.argv[2] ?? 'prefecture';
const SHOTS = 'test-results/screenshots';
mkdirSync(SHOTS, { recursive: true });
const db = await openDatabase({ databaseUrl: process.env.DATABASE_URL });
const app = createApp(db, { demo: true, basemap: { kind: 'none' }, sessionHours: 12 });
const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
await new Promise((resolve) => server.once('listening', resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const { rows: [extent] } = await sql<{ w: number; s: number; e: number; n: number }>`
  select ST_XMin(b) as w, ST_YMin(b) as s, ST_XMax(b) as e, ST_YMax(b) as n
  from (select ST_Extent(boundary)::geometry as b from regions where level = 'county') q`.execute(db.kysely);
const { rows: [seat] } = await sql<{ x: number; y: number }>`select ST_X(c) as x, ST_Y(c) as y
  from (select ST_Centroid(ST_Collect(boundary)) as c from regions where level = 'village' and urban and code like '990107%') q`.execute(db.kysely);

const browser = await launchChromium();
try {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', deviceScaleFactor: 1 });
  const page = await context.newPage();
  const tiles: number[] = [];
  page.on('requestfinished', (r) => { if (r.url().includes('/tiles/')) tiles.push(1); });
  page.on('pageerror', (e) => console.error('[page error]', e.message));
  await page.goto(base);
  await page.locator('#login-username').fill(username);
  await page.locator('#login-password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: '登录', exact: true }).click();
  await page.waitForFunction('!!window.__map', null, { timeout: 90_000 });
  const settle = async (label: string, move: string) => {
    tiles.length = 0;
    const start = Date.now();
    await page.evaluate(move);
    await page.waitForFunction('(() => { const m = window.__map; return !m.isMoving() && m.loaded() && m.areTilesLoaded(); })()',
      null, { timeout: 120_000, polling: 100 });
    const ms = Date.now() - start;
    await page.waitForTimeout(500);
    const counts = await page.evaluate<Record<string, number>>(`(() => {
      const m = window.__map; const by = {};
      for (const f of m.queryRenderedFeatures()) by[f.layer.id] = (by[f.layer.id] ?? 0) + 1;
      return by; })()`);
    await page.screenshot({ path: `${SHOTS}/prefecture-${label}.png` });
    console.log(`${label}: loaded and drawn in ${ms} ms, ${tiles.length} tile requests; rendered features by layer: `
      + Object.entries(counts).sort((a, b) => b[1] - a[1]).slice(0, 8).map(([k, v]) => `${k} ${v}`).join(', '));
  };
  await settle('z8', `window.__map.jumpTo({ center: [${(extent.w + extent.e) / 2}, ${(extent.s + extent.n) / 2}], zoom: 8 })`);
  for (const z of [10, 12, 14, 15, 16]) await settle(`z${z}`, `window.__map.jumpTo({ center: [${seat.x}, ${seat.y}], zoom: ${z} })`);
} finally {
  await browser.close();
  server.close();
  await db.close();
}
