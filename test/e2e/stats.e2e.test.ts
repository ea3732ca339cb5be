/**
 * The statistics panel in Debian's Chromium against the running server (E2E_BASE_URL): charts drawn
 * on a canvas, the chosen measure as a choropleth on the map (feature-state per region code, equal
 * to the API's figures), drilling into a township, the English switch, and the printable report.
 * Screenshots go to test-results/screenshots/stats-*.png.
 *
 * Page-side code is passed to `evaluate` as strings: it runs in the browser, not in Node.
 */
import { mkdirSync } from 'node:fs';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launchChromium } from '../support/browser.ts';
import { e2eBase, mapIdle, signIn } from '../support/e2e-page.ts';

const BASE = e2eBase();
const SHOTS = 'test-results/screenshots';

let browser: Browser;
beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

async function settled(page: Page) {
  await page.waitForFunction(
    '(() => { const m = window.__map; return !!m && !m.isMoving() && m.loaded() && m.areTilesLoaded(); })()',
    null, { timeout: 60_000, polling: 200 },
  );
  await mapIdle(page);
}

/** Rendered choropleth features with their feature-state value, by region code. */
async function choropleth(page: Page): Promise<Record<string, { level: string; v: number | null }>> {
  return page.evaluate(`(() => {
    const out = {};
    for (const f of window.__map.queryRenderedFeatures({ layers: ['stats-choropleth-fill'] })) {
      out[f.properties.code] = { level: f.properties.level, v: typeof f.state.v === 'number' ? f.state.v : null };
    }
    return out;
  })()`);
}

describe('statistics panel', () => {
  test('charts, the choropleth of the chosen measure, drilling down, English, and the printable report', async () => {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await signIn(page, 'planner');

    await page.getByTestId('stats-toggle').click();
    const panel = page.getByTestId('stats-panel');
    await panel.waitFor();
    // both charts draw on a canvas (ECharts, canvas renderer)
    await page.locator('[data-testid="stats-chart-month"] canvas').waitFor();
    await page.locator('[data-testid="stats-chart-category"] canvas').waitFor();
    const canvasSize = await page.evaluate<number[]>(`(() => { const c = document.querySelector('[data-testid="stats-chart-month"] canvas'); return [c.width, c.height]; })()`);
    expect(canvasSize[0]).toBeGreaterThan(300);
    expect(canvasSize[1]).toBeGreaterThan(150);

    // the figures are the API's
    const api = await page.evaluate<any>(`fetch('/api/stats/incidents?groupBy=township').then((r) => r.json())`);
    await expect.poll(() => page.getByTestId('stats-total').textContent()).toBe(api.summary.total.toLocaleString('zh-CN'));
    await expect.poll(() => page.locator('[data-testid="stats-table"] tbody tr').count()).toBe(api.rows.length);

    // the choropleth: every township drawn, its feature-state the resolution rate of its row
    await settled(page);
    await expect.poll(async () => Object.keys(await choropleth(page)).length).toBe(api.rows.length);
    const drawn = await choropleth(page);
    for (const row of api.rows) {
      expect(drawn[row.key]?.level).toBe('township');
      expect(drawn[row.key]?.v).toBe(row.resolutionRate);
    }
    await page.getByTestId('stats-legend').waitFor();
    await page.screenshot({ path: `${SHOTS}/stats-county.png` });

    // another measure re-colours the map
    await page.getByTestId('stats-measure').selectOption('overdueOpen');
    await expect.poll(async () => (await choropleth(page))[api.rows[0].key]?.v).toBe(api.rows[0].overdueOpen);

    // a township's row opens it: its villages are coloured
    const township = api.rows.reduce((a: any, b: any) => (b.total > a.total ? b : a));
    await page.locator('[data-testid="stats-table"] tbody tr', { hasText: township.name }).first().getByRole('button').click();
    await expect.poll(() => page.getByTestId('stats-region').textContent()).toBe(township.name);
    await settled(page);
    const villages = await page.evaluate<any>(`fetch('/api/stats/incidents?groupBy=village&region=${township.key}').then((r) => r.json())`);
    await expect.poll(async () => {
      const d = await choropleth(page);
      return Object.values(d).filter((f) => f.level === 'village').length;
    }).toBeGreaterThan(villages.rows.length / 2);
    const d = await choropleth(page);
    const v = villages.rows.find((r: any) => d[r.key]);
    expect(d[v.key].v).toBe(v.overdueOpen);
    await page.screenshot({ path: `${SHOTS}/stats-township.png` });

    // English
    await page.getByRole('button', { name: /English|切换/ }).first().click();
    await expect.poll(() => panel.locator('header .kind').textContent()).toBe('Statistics');
    await page.screenshot({ path: `${SHOTS}/stats-english.png` });

    // the printable monthly report opens in a new tab of the app
    const [report] = await Promise.all([context.waitForEvent('page'), page.getByTestId('stats-report-monthly').click()]);
    await report.waitForLoadState();
    expect(new URL(report.url()).pathname).toBe('/reports/monthly');
    await report.getByTestId('report-section-byRegion').waitFor();
    const villageRows = await report.locator('[data-testid="report-section-byRegion"] tbody tr').count();
    expect(villageRows).toBe(villages.rows.length);
    await report.screenshot({ path: `${SHOTS}/stats-report.png`, fullPage: true });
    await report.emulateMedia({ media: 'print' });
    expect(await report.locator('.toolbar').isVisible()).toBe(false);
    await report.screenshot({ path: `${SHOTS}/stats-report-print.png`, fullPage: true });
    expect(errors).toEqual([]);
    await context.close();
  });
});
