/**
 * Browser tests of the map front end in Debian's Chromium (SwiftShader WebGL), against a running
 * server whose base URL is E2E_BASE_URL. Screenshots go to test-results/screenshots/.
 *
 * Page-side code is passed to `evaluate` as strings: it runs in the browser, not in Node, and this
 * file is type-checked without the DOM library.
 */
import { mkdirSync } from 'node:fs';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { launchChromium } from '../support/browser.ts';
import { mapIdle } from '../support/e2e-page.ts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const BASE = process.env.E2E_BASE_URL?.replace(/\/$/, '');
if (!BASE) throw new Error('E2E_BASE_URL must name the running server, e.g. http://127.0.0.1:8787');
const ORIGIN = new URL(BASE).origin;
const SHOTS = 'test-results/screenshots';
const PASSWORD = 'demo-2026';

let browser: Browser;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

interface Session {
  context: BrowserContext;
  page: Page;
  /** Every URL the page requested, in order. */
  requests: string[];
}

async function open(viewport: { width: number; height: number }, mobile = false): Promise<Session> {
  const context = await browser.newContext({
    viewport,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    deviceScaleFactor: 1,
    isMobile: mobile,
    hasTouch: mobile,
  });
  const page = await context.newPage();
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  return { context, page, requests };
}

async function login(page: Page, username: string, password: string): Promise<void> {
  await page.locator('#login-username').fill(username);
  await page.locator('#login-password').fill(password);
  await page.getByRole('button', { name: '登录', exact: true }).click();
}

async function waitForMapIdle(page: Page): Promise<void> {
  await page.waitForFunction('document.body.dataset.mapIdle === "1"', null, { timeout: 90_000 });
}

/** Waits until the camera has stopped and everything in view is loaded and drawn. */
async function waitForMapSettled(page: Page, minZoom = 0): Promise<void> {
  await page.waitForFunction(
    `(() => { const m = window.__map; return !!m && !m.isMoving() && m.loaded() && m.areTilesLoaded() && m.getZoom() >= ${minZoom}; })()`,
    null,
    { timeout: 60_000, polling: 200 },
  );
  // labels fade in after placement: MapLibre's 'idle' says they are done
  await mapIdle(page);
}

/** How many rendered features the given layers have in the current view. */
function renderedCount(page: Page, layers: string[]): Promise<number> {
  return page.evaluate<number>(`window.__map.queryRenderedFeatures({ layers: ${JSON.stringify(layers)} }).length`);
}

/**
 * A point on the page inside a comprehensive grid, away from site symbols and dedicated grids, and
 * the grid found there. Samples the map canvas on a coarse lattice from its centre outwards.
 */
function findGridPoint(page: Page): Promise<{ x: number; y: number; code: string; name: string; id: string } | null> {
  return page.evaluate(`(() => {
    const m = window.__map;
    const canvas = m.getCanvas().getBoundingClientRect();
    const w = canvas.width, h = canvas.height;
    const pts = [];
    for (let i = 1; i < 12; i++) for (let j = 1; j < 12; j++) pts.push([w * i / 12, h * j / 12]);
    pts.sort((a, b) => Math.hypot(a[0] - w / 2, a[1] - h / 2) - Math.hypot(b[0] - w / 2, b[1] - h / 2));
    for (const [x, y] of pts) {
      const near = m.queryRenderedFeatures([[x - 14, y - 14], [x + 14, y + 14]], { layers: ['sites-point', 'sites-polygon', 'sites-line', 'grids-dedicated-fill'] });
      if (near.length) continue;
      const grid = m.queryRenderedFeatures([x, y], { layers: ['grids-fill'] })[0];
      if (!grid) continue;
      return { x: canvas.left + x, y: canvas.top + y, code: grid.properties.code, name: grid.properties.name, id: String(grid.properties.id) };
    }
    return null;
  })()`);
}

/** Opens the first township, then its first village, through the region navigator. */
async function openFirstVillage(page: Page): Promise<string> {
  const list = page.locator('.children ul');
  await page.getByRole('heading', { name: /乡镇（街道）|Townships/ }).waitFor();
  await list.getByRole('button').first().click();
  await page.getByRole('heading', { name: /村（社区）|Villages/ }).waitFor();
  await waitForMapSettled(page);
  const townshipZoom = await page.evaluate<number>('window.__map.getZoom()');
  const village = list.getByRole('button').first();
  const villageName = (await village.locator('.item-name').innerText()).trim();
  await village.click();
  await page.getByRole('heading', { name: /^网格|^Grids/ }).waitFor();
  await page.locator('.crumbs [aria-current="location"]', { hasText: villageName }).waitFor();
  // The camera flies from the township to the (smaller) village.
  await waitForMapSettled(page, townshipZoom + 0.5);
  return villageName;
}

describe('map front end (desktop 1280×800)', () => {
  let s: Session;

  beforeAll(async () => {
    s = await open({ width: 1280, height: 800 });
  });
  afterAll(async () => {
    await s?.context.close();
  });

  test('login page shows demo data; a wrong password is refused; demo-2026 reaches the map', async () => {
    const { page } = s;
    await page.goto(`${BASE}/`);
    await page.getByText('示范数据').first().waitFor();
    await page.screenshot({ path: `${SHOTS}/login.png` });

    await login(page, 'inspector', 'wrong-password');
    const alert = page.getByRole('alert');
    await expect.poll(async () => (await alert.innerText()).trim()).not.toBe('');
    // the refusal is said in Chinese from its code (auth.bad-credentials), with no English sentence of the server's
    const refusal = (await alert.innerText()).trim();
    expect(refusal).toContain('用户名或密码错误');
    expect(refusal).not.toMatch(/[A-Za-z]+ [A-Za-z]+ [A-Za-z]+/);
    expect(await page.locator('#login-password').isVisible()).toBe(true);
    await page.screenshot({ path: `${SHOTS}/login-error.png` });

    await login(page, 'inspector', PASSWORD);
    await page.locator('.maplibregl-canvas').waitFor();
    await waitForMapIdle(page);
    await waitForMapSettled(page);
    expect(await page.getByText('示范数据').first().isVisible()).toBe(true);
    await page.screenshot({ path: `${SHOTS}/overview.png` });
  });

  test('grids and township/village boundaries are drawn', async () => {
    const { page } = s;
    const grids = await page.evaluate<Array<{ code: string; layer: string }>>(
      `window.__map.queryRenderedFeatures({ layers: ['grids-fill'] }).map((f) => f.properties)`,
    );
    expect(grids.length).toBeGreaterThan(0);
    expect(grids.every((g) => /^\d{15}$/.test(g.code) && g.layer === 'comprehensive')).toBe(true);
    expect(await renderedCount(page, ['regions-township-line'])).toBeGreaterThan(0);
    expect(await renderedCount(page, ['regions-village-line'])).toBeGreaterThan(0);
    expect(await renderedCount(page, ['regions-township-label'])).toBeGreaterThan(0);
  });

  test('zoomed into a village, clicking a grid opens its details beside the map', async () => {
    const { page } = s;
    await openFirstVillage(page);
    expect(await renderedCount(page, ['grids-label'])).toBeGreaterThan(0);
    await page.screenshot({ path: `${SHOTS}/village.png` });

    const target = await findGridPoint(page);
    expect(target, 'a clickable grid in view').not.toBeNull();
    await page.mouse.click(target!.x, target!.y);

    const code = page.getByTestId('grid-code');
    await expect.poll(() => code.innerText()).toBe(target!.code);
    expect(target!.code).toMatch(/^\d{15}$/);
    await expect.poll(() => page.locator('#grid-title').innerText()).toBe(target!.name);
    await waitForMapSettled(page);
    // The selection is highlighted, and the panel sits beside the map rather than over it.
    expect(await renderedCount(page, ['grids-selected-line'])).toBeGreaterThan(0);
    const mapBox = await page.locator('.maplibregl-canvas').boundingBox();
    const panelBox = await page.getByTestId('detail-panel').boundingBox();
    expect(mapBox!.width).toBeGreaterThan(400);
    expect(panelBox!.x).toBeGreaterThanOrEqual(mapBox!.x + mapBox!.width - 1);
    await page.screenshot({ path: `${SHOTS}/grid-panel.png` });
  });

  test('clicking a site symbol opens its details, labelled from its category\'s attribute schema', async () => {
    const { page } = s;
    // a rental-housing symbol that is the topmost feature at its own pixel
    const target = await page.evaluate<{ x: number; y: number; name: string } | null>(`(() => {
      const m = window.__map;
      const canvas = m.getCanvas().getBoundingClientRect();
      for (const f of m.queryRenderedFeatures({ layers: ['sites-point'] })) {
        if (f.properties.category !== 'rental_housing') continue;
        const p = m.project(f.geometry.coordinates);
        if (p.x < 20 || p.y < 20 || p.x > canvas.width - 20 || p.y > canvas.height - 20) continue;
        const top = m.queryRenderedFeatures([p.x, p.y], { layers: ['sites-point'] })[0];
        if (top && top.properties.id === f.properties.id) return { x: canvas.left + p.x, y: canvas.top + p.y, name: f.properties.name };
      }
      return null;
    })()`);
    expect(target, 'a rental housing symbol in view').not.toBeNull();
    await page.mouse.click(target!.x, target!.y);
    await expect.poll(() => page.locator('#site-title').innerText()).toBe(target!.name);
    const panel = page.getByTestId('detail-panel');
    for (const label of ['出租套数', '租住人数', '房东']) await panel.getByText(label, { exact: true }).first().waitFor();
    await page.screenshot({ path: `${SHOTS}/site-panel.png` });
  });

  test('the English switch changes the UI strings', async () => {
    const { page } = s;
    expect(await page.getByRole('tab', { name: '区域' }).isVisible()).toBe(true);
    await page.getByRole('button', { name: '切换为英文界面' }).click();
    await page.getByRole('tab', { name: 'Regions' }).waitFor();
    expect(await page.evaluate<string>('document.documentElement.lang')).toBe('en');
    expect(await page.getByRole('button', { name: 'Sign out' }).isVisible()).toBe(true);
    expect(await page.getByText('Households').first().isVisible()).toBe(true);
    expect(await page.getByText('Demo data').first().isVisible()).toBe(true);
    expect(await page.getByText('出租套数').count()).toBe(0);
    expect(await page.getByText('Units', { exact: true }).first().isVisible()).toBe(true);
    await page.screenshot({ path: `${SHOTS}/english.png` });
    // The choice is remembered.
    expect(await page.evaluate<string | null>(`localStorage.getItem('pingan.lang')`)).toBe('"en"');
  });

  test('the page requested nothing from any other host', async () => {
    const foreign = s.requests.filter((u) => /^(https?|wss?):/.test(u) && new URL(u).origin !== ORIGIN);
    expect(foreign).toEqual([]);
    expect(s.requests.some((u) => u.startsWith(`${ORIGIN}/api/grids`))).toBe(true);
    // Latin glyphs come from the platform (CJK is drawn from local fonts and never requested).
    const glyphs = await fetch(`${ORIGIN}/glyphs/${encodeURIComponent('Noto Sans Regular')}/0-255.pbf`);
    expect(glyphs.status).toBe(200);
    expect((await glyphs.arrayBuffer()).byteLength).toBeGreaterThan(10_000);
  });
});

describe('map front end (phone 360×640)', () => {
  test('the map stays visible with the grid details in a bottom sheet', async () => {
    const s = await open({ width: 360, height: 640 }, true);
    try {
      const { page } = s;
      await page.goto(`${BASE}/`);
      await login(page, 'inspector', PASSWORD);
      await waitForMapIdle(page);
      await waitForMapSettled(page);
      await page.screenshot({ path: `${SHOTS}/phone-overview.png` });

      await page.getByRole('button', { name: '区域' }).click();
      await openFirstVillage(page);
      await page.locator('.children ul').getByRole('button').first().click();
      await page.getByTestId('grid-code').waitFor();
      await waitForMapSettled(page);

      const mapBox = await page.locator('.maplibregl-canvas').boundingBox();
      const sheetBox = await page.getByTestId('detail-panel').boundingBox();
      expect(mapBox!.height).toBeGreaterThan(200);
      expect(sheetBox!.y).toBeGreaterThanOrEqual(mapBox!.y + mapBox!.height - 1);
      expect(await renderedCount(page, ['grids-selected-line'])).toBeGreaterThan(0);
      await page.screenshot({ path: `${SHOTS}/phone.png` });

      const foreign = s.requests.filter((u) => /^(https?|wss?):/.test(u) && new URL(u).origin !== ORIGIN);
      expect(foreign).toEqual([]);
    } finally {
      await s.context.close();
    }
  });
});
