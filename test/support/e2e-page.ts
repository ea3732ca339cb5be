/**
 * What the browser tests do on every page: sign in as a demo account and wait for the map, wait for
 * the map to settle, count what a layer draws. Page-side code is passed as strings: it runs in the
 * browser, and these files are type-checked without the DOM library.
 */
import type { Page } from 'playwright-core';

export const DEMO_PASSWORD = 'demo-2026';

/** The running server's base URL (the e2e project's global setup starts one). */
export function e2eBase(): string {
  const base = process.env.E2E_BASE_URL?.replace(/\/$/, '');
  if (!base) throw new Error('E2E_BASE_URL must name the running server, e.g. http://127.0.0.1:8787');
  return base;
}

/** Opens the app (the shared e2e server unless `base` names another), signs in through the login form and waits until the map is idle. */
export async function signIn(page: Page, username: string, password = DEMO_PASSWORD, base = e2eBase()): Promise<void> {
  await page.goto(`${base}/`);
  await page.locator('#login-username').fill(username);
  await page.locator('#login-password').fill(password);
  await page.getByRole('button', { name: '登录', exact: true }).click();
  await page.waitForFunction('document.body.dataset.mapIdle === "1"', null, { timeout: 90_000 });
}

/** Waits until the camera has stopped and everything in view is loaded and drawn (labels faded in). */
export async function settle(page: Page, minZoom = 0): Promise<void> {
  await page.waitForFunction(
    `(() => { const m = window.__map; return !!m && !m.isMoving() && m.loaded() && m.areTilesLoaded() && m.getZoom() >= ${minZoom}; })()`,
    null, { timeout: 60_000, polling: 200 });
  await mapIdle(page);
}

/**
 * Waits for MapLibre's next 'idle': no camera move, tile load or fade left (labels fade in after
 * placement, 300 ms on a quiet machine, longer on a loaded one). A repaint is asked for, so it
 * also ends when the map was idle already.
 */
export async function mapIdle(page: Page, timeoutMs = 120_000): Promise<void> {
  await page.evaluate(`new Promise((resolve, reject) => {
    const m = window.__map;
    // on timeout, say what MapLibre was still waiting for (a camera move, the style, a source's tiles)
    const state = () => JSON.stringify({ moving: m.isMoving(), styleLoaded: m.isStyleLoaded(), loaded: m.loaded(), tilesLoaded: m.areTilesLoaded(),
      sourcesLoading: Object.keys(m.style?.sourceCaches ?? m.style?.tileManagers ?? {}).filter((id) => { const c = (m.style.sourceCaches ?? m.style.tileManagers)[id]; return c && !c.loaded(); }) });
    const t = setTimeout(() => reject(new Error('the map did not become idle within ${timeoutMs / 1000} s: ' + state())), ${timeoutMs});
    m.once('idle', () => { clearTimeout(t); resolve(); });
    m.triggerRepaint();
  })`);
}

/** How many features the given layers draw in the current view. */
export function renderedCount(page: Page, layers: string[]): Promise<number> {
  return page.evaluate<number>(`window.__map.queryRenderedFeatures({ layers: ${JSON.stringify(layers)} }).length`);
}
