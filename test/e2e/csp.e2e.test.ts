/**
 * The app under its Content-Security-Policy (no bypass): it signs in and the map renders, with
 * MapLibre's worker running, and the browser reports no policy violation. Page-side checks use
 * selectors only: string evaluation is exactly what the policy forbids.
 */
import { mkdirSync } from 'node:fs';
import { type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launchChromium } from '../support/browser.ts';
import { waitFor } from '../support/wait.ts';

const BASE = process.env.E2E_BASE_URL?.replace(/\/$/, '');
if (!BASE) throw new Error('E2E_BASE_URL must name the running server');
const SHOTS = 'test-results/screenshots';
let browser: Browser;
beforeAll(async () => { mkdirSync(SHOTS, { recursive: true }); browser = await launchChromium(); });
afterAll(async () => { await browser?.close(); });

describe('content security policy', () => {
  test('the map and the audit page work under the policy without a violation', async () => {
    const context = await browser.newContext({ bypassCSP: false, viewport: { width: 1280, height: 800 }, locale: 'zh-CN' });
    const page = await context.newPage();
    const messages: string[] = [];
    page.on('console', (m) => messages.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => messages.push(`pageerror: ${e.message}`));
    const res = await page.goto(BASE!);
    const csp = res!.headers()['content-security-policy'];
    expect(csp).toContain("script-src 'self'");
    await page.locator('#login-username').fill('admin');
    await page.locator('#login-password').fill('demo-2026');
    await page.getByRole('button', { name: '登录', exact: true }).click();
    await page.waitForSelector('body[data-map-idle="1"]', { timeout: 90_000 });
    await page.locator('canvas.maplibregl-canvas').waitFor();
    // grid and site tiles arrived and were drawn: the attribution of the platform's own sources is on the map
    await page.waitForTimeout(500);
    await page.screenshot({ path: `${SHOTS}/csp-map.png` });
    // the administrators' audit page: a change made now (a draft plan) is found by entity, with its details
    const villages = await (await context.request.get(`${BASE}/api/regions?level=village&within=990101000000&geometry=false`)).json();
    const made = await context.request.post(`${BASE}/api/plans`, { data: { region: villages.features[7].properties.code, name: 'CSP 审计测试' } });
    expect(made.status()).toBe(201);
    await page.getByRole('button', { name: '审计日志' }).click();
    await page.locator('dialog.audit tr.entry').first().waitFor();
    await page.locator('dialog.audit select[name=entity]').selectOption('plan');
    await page.getByRole('button', { name: '查询' }).click();
    // the filtered answer replaces the list: wait until every row shown is a plan's
    const texts = await waitFor(async () => {
      const all = await page.locator('dialog.audit tr.entry td:nth-child(4)').allTextContents();
      return all.length > 0 && all.every((t) => /^网格调整方案/.test(t)) ? all : undefined;
    }, { what: 'the audit list filtered to plans', timeoutMs: 30_000 });
    expect(texts.length).toBeGreaterThan(0);
    await page.locator('dialog.audit tr.entry').first().click();
    await page.locator('dialog.audit tr.diff').waitFor();
    await page.screenshot({ path: `${SHOTS}/audit-dialog.png` });
    const violations = messages.filter((m) => /Content Security Policy|Refused to/i.test(m));
    expect(violations).toEqual([]);
    await context.close();
  });
});
