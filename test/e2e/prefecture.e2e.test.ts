/**
 * A prefecture-wide account in the browser: a small generated prefecture (the demo county and one
 * more, no extra sites or incidents) in its own data directory, served by its own server (the shared
 * e2e server's embedded database cannot be written from outside while it runs): the map, then the
 * statistics panel of the prefecture (by county, coloured from the region tiles), and the people tab
 * of its administrator (staffing and patrols by county). Generating takes
 * about 40–80 s on PGlite; set E2E_SKIP_PREFECTURE=1 to leave this file out. Screenshots go to
 * test-results/screenshots/prefecture-*.png.
 *
 * Page-side code is passed to `evaluate` as strings (this file is type-checked without the DOM library).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launchChromium } from '../support/browser.ts';
import { killOnExit } from '../support/children.ts';
import { DEMO_PASSWORD, mapIdle, signIn } from '../support/e2e-page.ts';
import { StopWaiting, waitFor } from '../support/wait.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SHOTS = 'test-results/screenshots';
const skip = process.env.E2E_SKIP_PREFECTURE === '1';

let browser: Browser;
let server: ChildProcess | undefined;
let dataDir = '';
let base = '';

function run(args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts', ...args], {
      cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (d) => { output += d; });
    child.stderr!.on('data', (d) => { output += d; });
    killOnExit(child);
    child.once('exit', (code) => (code === 0 ? resolve(output) : reject(new Error(`${args.join(' ')} exited ${code}:\n${output}`))));
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** A desktop page in Chinese, on China time, collecting the page's uncaught errors. */
async function newPage() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', deviceScaleFactor: 1 });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return { context, page, errors };
}

/** Signs in on this file's server and waits for the navigator to list the prefecture's counties. */
async function signInToPrefecture(page: Page, username: string) {
  await signIn(page, username, DEMO_PASSWORD, base);
  await page.getByRole('heading', { name: '县（市、区）' }).waitFor();
}

beforeAll(async () => {
  if (skip) return;
  mkdirSync(SHOTS, { recursive: true });
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'pingan-e2e-prefecture-'));
  const env = { DATA_DIR: dataDir, DATABASE_URL: '' };
  await run(['generate', '--scale', 'prefecture', '--counties', '1', '--sites', '0', '--incidents', '0'], env);
  const port = await freePort();
  server = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts', 'start'], {
    cwd: root, env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', DEMO: '1' }, stdio: 'ignore',
  });
  base = `http://127.0.0.1:${port}`;
  killOnExit(server);
  const started = server;
  await waitFor(async () => {
    if (started.exitCode !== null) throw new StopWaiting(`the server exited (${started.exitCode})`);
    return (await fetch(`${base}/api/health`)).ok;
  }, { what: 'the prefecture server to start', timeoutMs: 180_000, intervalMs: 250 });
  browser = await launchChromium();
}, 480_000);

afterAll(async () => {
  await browser?.close();
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await new Promise((r) => server!.once('exit', r));
  }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function settle(page: Page): Promise<void> {
  await page.waitForFunction(
    '(() => { const m = window.__map; return !!m && !m.isMoving() && m.loaded() && m.areTilesLoaded(); })()',
    null, { timeout: 60_000, polling: 200 },
  );
  await mapIdle(page);
}

/** Distinct values of a property among the rendered features of some layers. */
function rendered(page: Page, layers: string[], property: string): Promise<string[]> {
  return page.evaluate<string[]>(`[...new Set(window.__map.queryRenderedFeatures({ layers: ${JSON.stringify(layers)} })
    .map((f) => String(f.properties[${JSON.stringify(property)}])))].sort()`);
}

describe.skipIf(skip)('a prefecture-wide account (scope 9901)', () => {
  test('sees its counties at z8, named, with township outlines and no grids, and drills down to a village', async () => {
    const { context, page, errors } = await newPage();
    const regionRequests: string[] = [];
    page.on('request', (r) => { if (r.url().includes('/api/regions')) regionRequests.push(r.url()); });
    try {
      // the navigator starts at the prefecture, its counties listed
      await signInToPrefecture(page, 'prefecture');
      expect(await page.locator('.head h2').innerText()).toBe('平安示范市');
      const list = page.locator('.children ul');
      expect(await list.locator('.item-name').allInnerTexts()).toEqual(['平安示范县', '平安示范二县']);
      // no boundary GeoJSON up front: the township and village outlines are tiles
      expect(regionRequests.filter((u) => /[?&]level=(township|village)/.test(u))).toEqual([]);

      await page.evaluate('window.__map.jumpTo({ center: window.__map.getCenter(), zoom: 8 })');
      await settle(page);
      expect(await rendered(page, ['regions-county-line'], 'code')).toEqual(['990101000000', '990102000000']);
      expect(await rendered(page, ['regions-county-label'], 'name')).toEqual(['平安示范二县', '平安示范县']);
      expect((await rendered(page, ['regions-township-line'], 'code')).length).toBeGreaterThanOrEqual(30);
      expect(await rendered(page, ['grids-fill'], 'code')).toEqual([]);
      await page.screenshot({ path: `${SHOTS}/prefecture-e2e-z8.png` });

      // a click inside the second county (away from the school dots) opens it
      const label = await page.evaluate<{ x: number; y: number } | null>(`(() => {
        const m = window.__map; const r = m.getCanvas().getBoundingClientRect();
        for (let i = 1; i < 64; i++) for (let j = 1; j < 64; j++) {
          const x = r.width * i / 64, y = r.height * j / 64;
          if (m.queryRenderedFeatures([[x - 8, y - 8], [x + 8, y + 8]], { layers: ['sites-dot'] }).length) continue;
          const hit = m.queryRenderedFeatures([x, y], { layers: ['regions-fill'] });
          if (hit.some((f) => f.properties.code === '990102000000')) return { x: r.left + x, y: r.top + y };
        }
        return null;
      })()`);
      expect(label, 'a point inside the second county').not.toBeNull();
      await page.mouse.click(label!.x, label!.y);
      await page.getByRole('heading', { name: '乡镇（街道）' }).waitFor();
      expect(await page.locator('.head h2').innerText()).toBe('平安示范二县');
      await settle(page);
      expect(await page.evaluate<number>('window.__map.getZoom()')).toBeGreaterThan(8.5);
      // the breadcrumb leads back to the prefecture
      expect(await page.locator('.crumbs li').allInnerTexts()).toEqual(['平安示范市', '平安示范二县']);

      // down to a township and a village through the list; grids are drawn there
      await list.getByRole('button').first().click();
      await page.getByRole('heading', { name: '村（社区）' }).waitFor();
      const village = (await list.locator('.item-name').first().innerText()).trim();
      await list.getByRole('button').first().click();
      await page.getByRole('heading', { name: /^网格/ }).waitFor();
      await page.locator('.crumbs [aria-current="location"]', { hasText: village }).waitFor();
      await settle(page);
      const grids = await rendered(page, ['grids-fill'], 'code');
      expect(grids.length).toBeGreaterThan(0);
      expect(grids.some((c) => c.startsWith('990102'))).toBe(true);
      expect((await page.locator('.crumbs li').allInnerTexts())[0]).toBe('平安示范市');
      await page.screenshot({ path: `${SHOTS}/prefecture-e2e-village.png` });

      // and back up to the prefecture
      await page.locator('.crumbs').getByRole('button', { name: '平安示范市' }).click();
      await page.getByRole('heading', { name: '县（市、区）' }).waitFor();
      expect(await list.locator('.item-name').count()).toBe(2);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 360_000);

  test('runs the 200 m café rule over the whole prefecture: both counties\' violations listed and drawn', async () => {
    const { context, page, errors } = await newPage();
    try {
      await signInToPrefecture(page, 'prefecture');
      await page.getByRole('tab', { name: '规则', exact: true }).click();
      const select = page.getByTestId('rule-select');
      await select.waitFor();
      await page.waitForFunction(`document.querySelectorAll('[data-testid=rule-select] option').length > 3`, null, { timeout: 30_000 });
      const ruleId = await page.evaluate<string>(`[...document.querySelectorAll('[data-testid=rule-select] option')].find((o) => o.textContent.includes('网吧')).value`);
      await select.selectOption(ruleId);
      await page.getByTestId('rule-run').click();
      await page.getByTestId('rule-summary').waitFor();
      // the API's answer per county is the truth: the list holds both
      const perCounty = await page.evaluate<number[]>(`Promise.all(['990101000000', '990102000000'].map((r) =>
        fetch('/api/rules/${ruleId}/run?region=' + r, { method: 'POST' }).then((x) => x.json()).then((j) => j.features.length)))`);
      expect(perCounty[0]).toBeGreaterThan(0);
      expect(await page.getByTestId('violation').count()).toBe(perCounty[0] + perCounty[1]);
      await page.screenshot({ path: `${SHOTS}/prefecture-rules.png` });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 360_000);

  test('opens the statistics of the prefecture: its figures, the by-county table and choropleth, then a county', async () => {
    const { context, page, errors } = await newPage();
    try {
      await signInToPrefecture(page, 'prefecture');

      await page.getByTestId('stats-toggle').click();
      const panel = page.getByTestId('stats-panel');
      await panel.waitFor();
      await expect.poll(() => page.getByTestId('stats-region').textContent()).toBe('平安示范市');
      await page.locator('[data-testid="stats-chart-month"] canvas').waitFor();
      await page.locator('[data-testid="stats-chart-category"] canvas').waitFor();

      // the figures are the API's: the prefecture's summary, one row per county
      const api = await page.evaluate<any>(`fetch('/api/stats/incidents?region=9901&groupBy=county').then((r) => r.json())`);
      expect(api.region.level).toBe('prefecture');
      expect(api.rows.map((r: any) => r.name)).toEqual(['平安示范县', '平安示范二县']);
      expect(api.summary.total).toBeGreaterThan(0);
      await expect.poll(() => page.getByTestId('stats-total').textContent()).toBe(api.summary.total.toLocaleString('zh-CN'));
      await panel.getByRole('heading', { name: '分县（市、区）' }).waitFor();
      const table = page.getByTestId('stats-table');
      expect(await table.locator('tbody th').allInnerTexts()).toEqual(['平安示范县', '平安示范二县']);
      const totals = (await table.locator('tbody tr td:nth-of-type(1)').allInnerTexts()).map((s) => s.trim());
      expect(totals).toEqual(api.rows.map((r: any) => r.total.toLocaleString('zh-CN')));

      // the choropleth colours both counties (region tiles) with the resolution rate of their rows
      await settle(page);
      const drawn = async () => page.evaluate<Record<string, { level: string; v: number | null }>>(`(() => {
        const out = {};
        for (const f of window.__map.queryRenderedFeatures({ layers: ['stats-choropleth-fill'] })) {
          out[f.properties.code] = { level: f.properties.level, v: typeof f.state.v === 'number' ? f.state.v : null };
        }
        return out;
      })()`);
      await expect.poll(async () => Object.keys(await drawn()).sort()).toEqual(['990101000000', '990102000000']);
      const counties = await drawn();
      for (const row of api.rows) expect(counties[row.key], row.key).toEqual({ level: 'county', v: row.resolutionRate });
      // and they are painted from it: the fill colour is an expression of the state (MapLibre keeps the
      // previous plain grey when it refuses one, as it did a stepless 'step' when both counties had one figure)
      const fill = await page.evaluate<unknown>(`window.__map.getPaintProperty('stats-choropleth-fill', 'fill-color')`);
      expect(JSON.stringify(fill)).toContain('feature-state');
      await page.getByTestId('stats-legend').waitFor();
      // the panel narrows the map, which keeps the whole prefecture (both counties) in view beside it
      const bbox = (await page.evaluate<any>(`fetch('/api/regions/9901').then((r) => r.json())`)).properties.bbox as number[];
      const panelBox = (await panel.boundingBox())!;
      const view = await page.evaluate<{ bounds: number[]; right: number }>(`(() => {
        const m = window.__map; const b = m.getBounds();
        return { bounds: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()], right: m.getCanvas().getBoundingClientRect().right };
      })()`);
      expect(view.right).toBeLessThanOrEqual(panelBox.x + 1);
      expect(view.bounds[0]).toBeLessThanOrEqual(bbox[0]);
      expect(view.bounds[1]).toBeLessThanOrEqual(bbox[1]);
      expect(view.bounds[2]).toBeGreaterThanOrEqual(bbox[2]);
      expect(view.bounds[3]).toBeGreaterThanOrEqual(bbox[3]);
      await page.screenshot({ path: `${SHOTS}/prefecture-stats.png` });
      await table.scrollIntoViewIfNeeded();
      await page.screenshot({ path: `${SHOTS}/prefecture-stats-table.png` });

      // a county's row opens it: its townships are listed and coloured
      await table.locator('tbody tr', { hasText: '平安示范二县' }).getByRole('button').click();
      await expect.poll(() => page.getByTestId('stats-region').textContent()).toBe('平安示范二县');
      await panel.getByRole('heading', { name: '分乡镇（街道）' }).waitFor();
      await settle(page);
      await expect.poll(async () => Object.values(await drawn()).filter((f) => f.level === 'township').length)
        .toBeGreaterThan(5);
      expect(Object.keys(await drawn()).every((code) => code.startsWith('990102'))).toBe(true);
      await page.screenshot({ path: `${SHOTS}/prefecture-stats-county.png` });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 360_000);

  test('the administrator\'s people tab: the prefecture named in the top bar, staffing and patrols by county', async () => {
    const { context, page, errors } = await newPage();
    try {
      await signInToPrefecture(page, 'prefecture-admin');
      // the top bar names the prefecture, beside the account
      expect(await page.locator('.topbar .user .scope').innerText()).toBe('· 平安示范市');

      await page.getByRole('tab', { name: '人员' }).click();
      const panel = page.getByTestId('people-panel');
      await panel.getByTestId('staffing-summary').waitFor();
      expect(await panel.locator('.where').innerText()).toBe('平安示范市');
      await panel.getByRole('heading', { name: '按县（市、区）' }).waitFor();
      const api = await page.evaluate<any>(`fetch('/api/staffing?region=9901').then((r) => r.json())`);
      expect(api.level).toBe('prefecture');
      const table = panel.getByTestId('staffing-table');
      expect(await table.locator('tbody td:first-child').allInnerTexts()).toEqual(['平安示范县', '平安示范二县']);
      const grids = (await table.locator('tbody td:nth-child(2)').allInnerTexts()).map((s) => s.trim());
      expect(grids).toEqual(api.counties.map((c: any) => c.grids.toLocaleString('zh-CN')));
      expect(await panel.getByTestId('staffing-summary').locator('dd').first().innerText()).toBe(api.summary.grids.toLocaleString('zh-CN'));
      // the problem grids of both counties are coloured on the map
      await expect.poll(async () => (await rendered(page, ['staffing-fill'], 'code')).map((c) => c.slice(0, 6)).filter((c, i, a) => a.indexOf(c) === i).sort())
        .toEqual(['990101', '990102']);
      await settle(page);
      await page.screenshot({ path: `${SHOTS}/prefecture-people.png` });

      // patrols: a row per county
      await panel.getByRole('button', { name: '巡查', exact: true }).click();
      const counties = panel.getByTestId('compliance-counties');
      await counties.waitFor();
      expect(await counties.locator('tbody td:first-child').allInnerTexts()).toEqual(['平安示范县', '平安示范二县']);
      await page.screenshot({ path: `${SHOTS}/prefecture-patrols.png` });

      // the directory searches the whole prefecture
      await panel.getByRole('button', { name: '名录' }).click();
      await panel.getByTestId('people-results').locator('li').first().waitFor();

      // a county's row opens the county, and the report follows it (its townships)
      await panel.getByRole('button', { name: '配备' }).click();
      await table.locator('tbody tr', { hasText: '平安示范二县' }).getByRole('button').click();
      await panel.getByRole('heading', { name: '按乡镇（街道）' }).waitFor();
      expect(await panel.locator('.where').innerText()).toBe('平安示范二县');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 360_000);
});
