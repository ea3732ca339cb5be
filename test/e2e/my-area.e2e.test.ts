/**
 * A grid member on a phone (360×640, touch): their own area, their position inside or outside their
 * grids, and a patrol check-in at a water that the server accepts near the water and refuses from
 * two kilometres away. The browser's geolocation is emulated; everything else is the real platform.
 */
import { mkdirSync } from 'node:fs';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launchChromium } from '../support/browser.ts';
import { e2eBase, renderedCount, settle, signIn } from '../support/e2e-page.ts';

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

/** The member's area as the API gives it, read with the member's own session. */
async function memberArea() {
  const login = await fetch(`${BASE}/api/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'member', password: 'demo-2026' }),
  });
  const cookie = login.headers.get('set-cookie')!.split(';')[0];
  const get = async (path: string) => (await fetch(`${BASE}${path}`, { headers: { cookie } })).json();
  return { area: await get('/api/me/area'), patrols: () => get('/api/patrols') };
}

/** A position on the water's footprint (a vertex of its outline, or the point itself). */
function onFootprint(geometry: { type: string; coordinates: unknown }): [number, number] {
  let c: unknown = geometry.coordinates;
  while (Array.isArray(c) && Array.isArray(c[0])) c = c[0];
  return c as [number, number];
}

describe('my area on a phone (grid member)', () => {
  test('sees their grids and sites, is told inside or outside, checks in near a water and is refused far away', async () => {
    const { area, patrols } = await memberArea() as { area: any; patrols: () => Promise<any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
    const water = area.sites.features.find((f: { properties: { category: string } }) => f.properties.category === 'water');
    expect(water, 'the demo member has a water in their grids').toBeTruthy();
    const [lon, lat] = onFootprint(water.geometry);
    const far = { longitude: lon, latitude: lat + 0.018, accuracy: 15 }; // ≈ 2 km north
    const before = (await patrols()).features.length;

    const context = await browser.newContext({
      viewport: { width: 360, height: 640 }, isMobile: true, hasTouch: true, deviceScaleFactor: 1,
      locale: 'zh-CN', timezoneId: 'Asia/Shanghai', permissions: ['geolocation'], geolocation: far,
    });
    const page = await context.newPage();
    try {
      await signIn(page, 'member');

      // "my area" opens by itself under the map: the member's grids are listed and outlined
      const mine = page.getByTestId('my-area');
      await mine.getByText(area.grids.features[0].properties.name).first().waitFor();
      await settle(page);
      expect(await renderedCount(page, ['me-grids-line'])).toBeGreaterThan(0);
      expect(await renderedCount(page, ['sites-point', 'sites-polygon', 'sites-line'])).toBeGreaterThan(0);
      const mapBox = (await page.locator('.maplibregl-canvas').boundingBox())!;
      expect(mapBox.height).toBeGreaterThan(200);
      await page.screenshot({ path: `${SHOTS}/my-area-phone.png` });

      // two kilometres away: outside my grids
      await mine.getByRole('button', { name: '获取我的位置' }).tap();
      await expect.poll(() => page.getByTestId('my-position').locator('[data-inside]').getAttribute('data-inside')).toBe('false');

      // the water's panel: the check-in is refused with the distance
      await mine.getByRole('button', { name: new RegExp(water.properties.categoryName) }).tap();
      await mine.getByRole('button', { name: water.properties.name }).first().tap();
      const checkIn = page.getByTestId('check-in');
      await expect.poll(() => checkIn.getByTestId('distance-hint').textContent()).toMatch(/约 [12],\d{3} 米/);
      await checkIn.getByRole('button', { name: '打卡签到' }).tap();
      const refused = checkIn.locator('[data-result="too-far"]');
      await refused.waitFor();
      const text = (await refused.textContent()) ?? '';
      const metres = Number(/距场所 ([\d,]+) 米/.exec(text)?.[1].replace(/,/g, ''));
      expect(metres).toBeGreaterThan(1900);
      expect(metres).toBeLessThan(2100);
      await settle(page);
      await page.screenshot({ path: `${SHOTS}/my-area-check-in-refused.png` });

      // on the water's edge: accepted
      await context.setGeolocation({ longitude: lon, latitude: lat, accuracy: 8 });
      // checking in takes a fresh fix: now on the water's footprint
      await checkIn.getByRole('button', { name: '打卡签到' }).tap();
      const accepted = checkIn.locator('[data-result="accepted"]');
      await accepted.waitFor();
      expect(await accepted.textContent()).toMatch(/已签到 .*距场所 0 米/);
      expect(await checkIn.getByTestId('distance-hint').textContent()).toMatch(/约 0 米/);
      // the phone's position is drawn on the map, on the water's edge
      await expect.poll(() => renderedCount(page, ['me-position'])).toBe(1);
      await settle(page);
      await page.screenshot({ path: `${SHOTS}/my-area-check-in-accepted.png` });

      // back in "my area": now inside a grid
      await page.getByRole('button', { name: '我的网格' }).tap();
      await mine.getByRole('button', { name: '重新定位' }).tap();
      await expect.poll(() => page.getByTestId('my-position').locator('[data-inside]').getAttribute('data-inside')).toBe('true');
      await page.screenshot({ path: `${SHOTS}/my-area-inside.png` });

      // the server kept the accepted check-in only
      const after = (await patrols()).features;
      expect(after.length).toBe(before + 1);
      expect(after.some((f: { properties: { siteId: number; accepted: boolean } }) => f.properties.siteId === water.properties.id && f.properties.accepted)).toBe(true);
    } finally {
      await context.close();
    }
  }, 360_000);
});
