/**
 * A planner imports key sites from the layer panel: a file with a bad row is refused with the row
 * named; a good GeoJSON is checked first (its rows previewed on the map, nothing written), then
 * imported; a large CSV runs as a job with a progress bar until it is checked.
 */
import { mkdirSync } from 'node:fs';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launchChromium } from '../support/browser.ts';
import { e2eBase, renderedCount, signIn } from '../support/e2e-page.ts';

const BASE = e2eBase();
const SHOTS = 'test-results/screenshots';
let browser: Browser;
beforeAll(async () => { mkdirSync(SHOTS, { recursive: true }); browser = await launchChromium(); });
afterAll(async () => { await browser?.close(); });

describe('importing key sites', () => {
  test('bad rows are named; a checked file is previewed, then imported; a large file shows its progress', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
    const p = await context.newPage();
    try {
      await signIn(p, 'planner');
      const cameras = await (await context.request.get(`${BASE}/api/sites?category=camera&limit=2`)).json();
      const [x, y] = cameras.features[0].geometry.coordinates as [number, number];
      const stamp = Date.now() % 100000;
      const point = (i: number, name: string) => ({ type: 'Feature', properties: { name, category: 'internet_cafe' }, geometry: { type: 'Point', coordinates: [x + 0.0004 * i, y + 0.0003] } });

      await p.getByRole('tab', { name: '图层' }).click();
      await p.getByTestId('import-open').click();
      const dialog = p.getByTestId('import-dialog');

      // a row far outside the county: refused, the row named, nothing written
      const bad = { type: 'FeatureCollection', features: [point(1, `导入测试甲${stamp}`), { ...point(2, `导入测试乙${stamp}`), geometry: { type: 'Point', coordinates: [10, 10] } }] };
      await dialog.getByTestId('import-file').setInputFiles({ name: 'bad.geojson', mimeType: 'application/geo+json', buffer: Buffer.from(JSON.stringify(bad)) });
      await dialog.getByTestId('import-check').click();
      await dialog.getByTestId('import-errors').waitFor();
      expect(await dialog.getByTestId('import-errors').locator('tbody tr').first().locator('td').first().textContent()).toBe('2');
      expect(await dialog.getByTestId('import-run').isDisabled()).toBe(true);

      // a good file: checked, previewed in orange, then imported
      const good = { type: 'FeatureCollection', features: [point(1, `导入测试甲${stamp}`), point(2, `导入测试乙${stamp}`)] };
      await dialog.getByTestId('import-file').setInputFiles({ name: 'good.geojson', mimeType: 'application/geo+json', buffer: Buffer.from(JSON.stringify(good)) });
      await dialog.getByTestId('import-check').click();
      await expect.poll(() => dialog.getByTestId('import-result').textContent()).toContain('2 行，2 行有效，0 处错误');
      await p.waitForFunction('(() => { const m = window.__map; return !m.isMoving() && m.loaded(); })()', null, { timeout: 30_000 });
      await expect.poll(() => renderedCount(p, ['import-preview-point'])).toBe(2);
      await p.screenshot({ path: `${SHOTS}/import-preview.png` });
      expect((await (await context.request.get(`${BASE}/api/sites?category=internet_cafe&limit=5000`)).json()).features
        .filter((f: any) => String(f.properties.name).endsWith(String(stamp))).length).toBe(0);
      await dialog.getByTestId('import-run').click();
      await expect.poll(() => dialog.getByTestId('import-result').textContent()).toContain('已导入 2 处场所');
      expect((await (await context.request.get(`${BASE}/api/sites?category=internet_cafe&limit=5000`)).json()).features
        .filter((f: any) => String(f.properties.name).endsWith(String(stamp))).length).toBe(2);

      // a large CSV: a background job with a progress bar, polled until checked
      const rows = ['name,category,lon,lat', ...Array.from({ length: 5200 }, (_, i) => `批量${i},camera,${(x + (i % 70) * 0.00005).toFixed(6)},${(y + Math.floor(i / 70) * 0.00005).toFixed(6)}`)];
      await dialog.getByTestId('import-file').setInputFiles({ name: 'cameras.csv', mimeType: 'text/csv', buffer: Buffer.from(rows.join('\n')) });
      await dialog.getByTestId('import-check').click();
      await dialog.getByTestId('import-progress').waitFor();
      await p.screenshot({ path: `${SHOTS}/import-progress.png` });
      await expect.poll(() => dialog.getByTestId('import-result').count(), { timeout: 120_000 }).toBe(1);
      expect(await dialog.getByTestId('import-result').textContent()).toMatch(/检查完毕：5200 行/);
    } finally {
      await context.close();
    }
  }, 480_000);
});
