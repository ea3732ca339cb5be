/**
 * Browser test of the rules panel (issue 5), played as the demo inspector in Debian's Chromium
 * against the running server (E2E_BASE_URL): run the 200 m internet-café rule over the demo
 * county, see the violations on the map (queryRenderedFeatures) and in the list nearest first,
 * open one (the map zooms, the offending site's details open with a rule warning), and download
 * the list as CSV. Screenshots go to test-results/screenshots/rules-*.png. Page-side code is passed
 * to `evaluate` as strings: this file is type-checked without the DOM library.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { type Browser, type Page } from 'playwright-core';
import { launchChromium } from '../support/browser.ts';
import { e2eBase, mapIdle, signIn } from '../support/e2e-page.ts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const BASE = e2eBase();
const SHOTS = 'test-results/screenshots';

let browser: Browser;
let page: Page;
beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', acceptDownloads: true });
  page = await context.newPage();
});
afterAll(async () => { await browser?.close(); });

async function settled(minZoom = 0) {
  await page.waitForFunction(
    `(() => { const m = window.__map; return !!m && !m.isMoving() && m.loaded() && m.areTilesLoaded() && m.getZoom() >= ${minZoom}; })()`,
    null, { timeout: 60_000, polling: 200 });
  await mapIdle(page);
}
const rendered = (layers: string[]) =>
  page.evaluate<any[]>(`window.__map.queryRenderedFeatures({ layers: ${JSON.stringify(layers)} }).map((f) => ({ ...f.properties, type: f.geometry.type }))`);

describe('an inspector checks the 200 m rule', () => {
  test('runs it over the county, sees violations on the map and in the list, opens one, exports the list', async () => {
    await signIn(page, 'inspector');

    await page.getByRole('tab', { name: '规则', exact: true }).click();
    const select = page.getByTestId('rule-select');
    await select.waitFor();
    await page.waitForFunction(`document.querySelectorAll('[data-testid=rule-select] option').length > 3`, null, { timeout: 30_000 });
    const ruleId = await page.evaluate<string>(`[...document.querySelectorAll('[data-testid=rule-select] option')].find((o) => o.textContent.includes('网吧')).value`);
    await select.selectOption(ruleId);
    await page.getByTestId('rule-run').click();
    await page.getByTestId('rule-summary').waitFor();

    // the API's answer is the truth the page must show
    const run = await page.evaluate<any>(`fetch('/api/rules/${ruleId}/run?region=990101000000', { method: 'POST' }).then((r) => r.json())`);
    expect(run.features.length).toBeGreaterThanOrEqual(3);
    const items = page.getByTestId('violation');
    expect(await items.count()).toBe(run.features.length);
    const distances = (await items.locator('.distance').allTextContents()).map((s) => Number(s.replace(/[^\d.]/g, '')));
    expect(distances).toEqual([...distances].sort((a, b) => a - b));
    expect(distances).toEqual(run.features.map((f: any) => f.properties.distance_m).sort((a: number, b: number) => a - b));
    expect(distances.every((d) => d < 200)).toBe(true);
    await settled();
    await page.screenshot({ path: `${SHOTS}/rules-county.png` });
    const zones = await rendered(['rule-zones-fill']);
    expect(zones.length).toBeGreaterThan(0);

    // open the nearest: the map zooms to it, draws the line, the dot and its distance, and the café's details open
    await items.first().click();
    await settled(14);
    const nearest = run.features.reduce((a: any, b: any) => (a.properties.distance_m <= b.properties.distance_m ? a : b));
    const lines = await rendered(['rule-violation-lines']);
    expect(lines.some((l) => l.target_id === nearest.properties.target_id && l.type === 'LineString')).toBe(true);
    const labels = await rendered(['rule-violation-labels']);
    expect(labels.map((l) => l.label)).toContain(`${nearest.properties.distance_m.toFixed(1)} m`);
    await page.locator('#site-title').waitFor();
    expect(await page.locator('#site-title').textContent()).toBe(nearest.properties.targetName);
    await page.getByTestId('site-violations').waitFor();
    expect(await page.getByTestId('site-violations').textContent()).toContain('违反');
    await page.screenshot({ path: `${SHOTS}/rules-open.png` });

    // export the list
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('rule-export-csv').click()]);
    expect(download.suggestedFilename()).toMatch(/^violations-990101-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = readFileSync((await download.path())!, 'utf8');
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    expect(csv.trim().split('\r\n')).toHaveLength(run.features.length + 1);
    expect(csv).toContain(nearest.properties.targetName);
  }, 480_000);
});

describe('a dispatcher turns a violation into a rectification incident', () => {
  test('opens a violation, creates the incident once; a second try names the open incident', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
    const p = await context.newPage();
    try {
      await signIn(p, 'dispatcher');
      await p.getByRole('tab', { name: '规则', exact: true }).click();
      await p.waitForFunction(`document.querySelectorAll('[data-testid=rule-select] option').length > 3`, null, { timeout: 30_000 });
      const ruleId = await p.evaluate<string>(`[...document.querySelectorAll('[data-testid=rule-select] option')].find((o) => o.textContent.includes('网吧')).value`);
      await p.getByTestId('rule-select').selectOption(ruleId);
      await p.getByTestId('rule-run').click();
      await p.getByTestId('violation').first().click();
      await p.getByTestId('violation-report').click();
      await p.getByText(/已生成整改事件 SJ\d{8}-\d+/).waitFor();
      await p.screenshot({ path: `${SHOTS}/rules-incident-created.png` });
      await p.getByTestId('violation-report').click();
      await p.getByText(/此违规已作为事件 SJ\d{8}-\d+ 上报/).waitFor();
    } finally {
      await context.close();
    }
  });
});
