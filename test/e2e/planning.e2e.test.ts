/**
 * Browser test of the planning tools (issue 3), played as the demo planner in Debian's Chromium
 * against the running server (E2E_BASE_URL): open a draft for a village, delete a grid and see the
 * gap flagged, draw a grid over the gap and two neighbours and see it come back clipped, split a
 * grid, merge two, drag a shared vertex, undo a delete, preview, publish. Screenshots of every step
 * go to test-results/screenshots/planning-*.png.
 *
 * Gestures are real mouse events at pixel positions projected from the draft's coordinates with
 * `window.__map.project`. The draft's state is read back from the API (GET /api/plans/{id}), so the
 * assertions check what the server decided. Page-side code is passed to `evaluate` as strings: this
 * file is type-checked without the DOM library.
 */
import { mkdirSync } from 'node:fs';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { launchChromium } from '../support/browser.ts';
import { mapIdle } from '../support/e2e-page.ts';
import { waitFor } from '../support/wait.ts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const BASE = process.env.E2E_BASE_URL?.replace(/\/$/, '');
if (!BASE) throw new Error('E2E_BASE_URL must name the running server, e.g. http://127.0.0.1:8787');
const SHOTS = 'test-results/screenshots';
const PASSWORD = 'demo-2026';

type Pos = [number, number];
interface Grid { id: number; name: string; sourceCode: string | null; areaM2: number; rings: Pos[][][] }
interface Plan {
  id: number;
  version: number;
  canUndo: boolean;
  grids: Grid[];
  summary: { gaps: number; overlaps: number; outside: number; publishable: boolean };
}

let browser: Browser;
let context: BrowserContext;
let page: Page;
let villageCode = '';
/** How many grids the village had when the draft opened: new grids get higher sequence numbers. */
let plan0Count = 0;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', deviceScaleFactor: 1 });
  page = await context.newPage();
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
});

async function waitForMapSettled(minZoom = 0): Promise<void> {
  await page.waitForFunction(
    `(() => { const m = window.__map; return !!m && !m.isMoving() && m.loaded() && m.areTilesLoaded() && m.getZoom() >= ${minZoom}; })()`,
    null,
    { timeout: 60_000, polling: 200 },
  );
  await mapIdle(page);
}

async function shot(name: string): Promise<void> {
  await waitForMapSettled();
  await page.screenshot({ path: `${SHOTS}/planning-${name}.png` });
}

/** The open draft as the server has it (the page remembers its id in localStorage). */
function readPlan(): Promise<Plan> {
  return page.evaluate(`(async () => {
    const id = JSON.parse(localStorage.getItem('pingan.plan'));
    const p = await (await fetch('/api/plans/' + id)).json();
    return {
      id: p.id, version: p.version, canUndo: p.canUndo, summary: p.validation.summary,
      grids: p.grids.features.map((f) => ({
        id: f.properties.id, name: f.properties.name, sourceCode: f.properties.sourceCode, areaM2: f.properties.areaM2,
        rings: f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates,
      })),
    };
  })()`);
}

/** Waits until the draft's version passed `version` and the panel is idle again. */
async function waitForEdit(version: number): Promise<Plan> {
  const plan = await waitFor(async () => { const p = await readPlan(); return p.version > version ? p : undefined; },
    { what: `the draft to pass version ${version}`, timeoutMs: 45_000, intervalMs: 250 });
  await page.waitForFunction(`document.querySelector('[data-testid="plan-panel"]')?.getAttribute('aria-busy') === 'false'`);
  return plan;
}

/** Page pixel of a lon/lat. */
function px(p: Pos): Promise<{ x: number; y: number }> {
  return page.evaluate(`(() => {
    const m = window.__map; const r = m.getCanvas().getBoundingClientRect();
    const q = m.project(${JSON.stringify(p)});
    return { x: r.left + q.x, y: r.top + q.y };
  })()`);
}

const outer = (g: Grid) => g.rings.reduce((a, b) => (b[0].length > a[0].length ? b : a))[0];
function bbox(points: Pos[]): [number, number, number, number] {
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}
/** A point well inside a grid: the mean of its outer ring's vertices, nudged toward a vertex if that falls outside. */
async function insidePoint(g: Grid): Promise<{ x: number; y: number }> {
  const hit = await page.evaluate<{ x: number; y: number } | null>(`(() => {
    const m = window.__map; const r = m.getCanvas().getBoundingClientRect();
    const b = ${JSON.stringify(bbox(outer(g)))};
    const a = m.project([b[0], b[3]]), c = m.project([b[2], b[1]]);
    let best = null, bestD = -1;
    for (let i = 1; i < 10; i++) for (let j = 1; j < 10; j++) {
      const x = a.x + (c.x - a.x) * i / 10, y = a.y + (c.y - a.y) * j / 10;
      if (x < 5 || y < 5 || x > r.width - 5 || y > r.height - 5) continue;
      const f = m.queryRenderedFeatures([x, y], { layers: ['plan-grids-fill'] })[0];
      if (!f || f.properties.id !== ${g.id}) continue;
      // prefer points far from other grids: count how many of 8 neighbours at 12 px are the same grid
      let same = 0;
      for (const [dx, dy] of [[12,0],[-12,0],[0,12],[0,-12],[9,9],[-9,9],[9,-9],[-9,-9]]) {
        const h = m.queryRenderedFeatures([x + dx, y + dy], { layers: ['plan-grids-fill'] })[0];
        if (h && h.properties.id === ${g.id}) same++;
      }
      if (same > bestD) { bestD = same; best = { x: r.left + x, y: r.top + y }; }
    }
    return best;
  })()`);
  if (!hit) throw new Error(`no visible point inside grid ${g.name}`);
  return hit;
}

/** Grids sharing at least two vertices (a boundary) with `g`. */
function neighbours(plan: Plan, g: Grid): Grid[] {
  const key = (p: Pos) => `${p[0].toFixed(7)},${p[1].toFixed(7)}`;
  const mine = new Set(outer(g).map(key));
  return plan.grids.filter((o) => o.id !== g.id && outer(o).filter((p) => mine.has(key(p))).length >= 2);
}

async function fitTo(b: [number, number, number, number], padding = 120): Promise<void> {
  await page.evaluate(`window.__map.fitBounds(${JSON.stringify([[b[0], b[1]], [b[2], b[3]]])}, { padding: ${padding}, duration: 0, maxZoom: 18 })`);
  await waitForMapSettled();
}

async function tool(name: 'select' | 'draw' | 'split' | 'reshape'): Promise<void> {
  await page.locator(`[data-tool="${name}"]`).click();
  await expect.poll(() => page.locator(`[data-tool="${name}"]`).getAttribute('aria-pressed')).toBe('true');
}

async function clickAt(p: { x: number; y: number }): Promise<void> {
  await page.mouse.move(p.x, p.y, { steps: 4 });
  await page.mouse.click(p.x, p.y);
  await page.waitForTimeout(150);
}

describe('planning: a planner redraws a village\'s grids (desktop 1440×900)', () => {
  test('opens a draft for the first village of the third township', async () => {
    await page.goto(`${BASE}/`);
    await page.locator('#login-username').fill('planner');
    await page.locator('#login-password').fill(PASSWORD);
    await page.getByRole('button', { name: '登录', exact: true }).click();
    await page.waitForFunction('document.body.dataset.mapIdle === "1"', null, { timeout: 90_000 });
    const list = page.locator('.children ul');
    await page.getByRole('heading', { name: /乡镇（街道）/ }).waitFor();
    await list.getByRole('button').nth(2).click();
    await page.getByRole('heading', { name: /村（社区）/ }).waitFor();
    await waitForMapSettled();
    const village = list.getByRole('button').first();
    const villageName = (await village.locator('.item-name').innerText()).trim();
    await village.click();
    await page.locator('.crumbs [aria-current="location"]', { hasText: villageName }).waitFor();
    villageCode = (await page.locator('.nav .head .code').innerText()).trim();
    expect(villageCode).toMatch(/^\d{12}$/);
    await waitForMapSettled();

    await page.getByTestId('plan-start').click();
    // a draft left open by an earlier run against the same server is offered instead of a second one
    const existing = page.getByRole('button', { name: '打开该草稿' });
    await Promise.race([page.getByTestId('plan-panel').waitFor(), existing.waitFor()]);
    if (await existing.isVisible()) await existing.click();
    await page.getByTestId('plan-panel').waitFor();
    await waitForMapSettled();

    const plan = await readPlan();
    expect(plan.grids.length).toBeGreaterThan(2);
    plan0Count = Math.max(...plan.grids.map((g) => Number(g.sourceCode?.slice(12) ?? 0)));
    expect(plan.summary.publishable).toBe(true);
    await expect.poll(() => page.getByTestId('plan-badge').innerText()).toBe('可发布');
    // the draft's grids are drawn, with labels; the published grids of the village give way to them
    const drawn = await page.evaluate<number>(`window.__map.queryRenderedFeatures({ layers: ['plan-grids-fill'] }).length`);
    expect(drawn).toBeGreaterThan(0);
    expect(await page.evaluate<number>(`window.__map.queryRenderedFeatures({ layers: ['plan-grids-label'] }).length`)).toBeGreaterThan(0);
    const published = await page.evaluate<number>(
      `window.__map.queryRenderedFeatures({ layers: ['grids-fill'] }).filter((f) => String(f.properties.code).startsWith('${villageCode}')).length`,
    );
    expect(published).toBe(0);
    expect(await page.getByTestId('plan-workload').locator('tbody tr').count()).toBe(plan.grids.length);
    const headers = await page.getByTestId('plan-workload').locator('thead').innerText();
    expect(headers).toContain('重点场所');
    expect(headers).toContain('近一年事件');
    await shot('1-draft');
  }, 360_000);

  let gapGrid: Grid;

  test('deleting a grid leaves a gap, flagged in red and listed', async () => {
    let plan = await readPlan();
    // a grid with at least two neighbours, so that a grid drawn over its gap overlaps both
    gapGrid = [...plan.grids].sort((a, b) => neighbours(plan, b).length - neighbours(plan, a).length)[0];
    expect(neighbours(plan, gapGrid).length).toBeGreaterThanOrEqual(2);
    await fitTo(bbox(outer(gapGrid)), 200);
    await tool('select');
    await clickAt(await insidePoint(gapGrid));
    await expect.poll(() => page.locator('#plan-grid-name').inputValue()).toBe(gapGrid.name);
    await page.getByRole('button', { name: '删除', exact: true }).click();
    plan = await waitForEdit(plan.version);
    expect(plan.summary.gaps).toBe(1);
    expect(plan.summary.publishable).toBe(false);
    await expect.poll(() => page.getByTestId('plan-badge').innerText()).toMatch(/个问题/);
    await expect.poll(() => page.getByTestId('plan-problems').innerText()).toMatch(/缝隙/);
    await waitForMapSettled();
    expect(await page.evaluate<number>(`window.__map.queryRenderedFeatures({ layers: ['plan-problems-fill'] }).length`)).toBeGreaterThan(0);
    await shot('2-gap');
  });

  test('a grid drawn over the gap and two neighbours comes back clipped to the gap', async () => {
    let plan = await readPlan();
    const [w, s, e, n] = bbox(outer(gapGrid));
    const dx = (e - w) * 0.25, dy = (n - s) * 0.25;
    const corners: Pos[] = [[w - dx, s - dy], [e + dx, s - dy], [e + dx, n + dy], [w - dx, n + dy]];
    await tool('draw');
    const pts = [];
    for (const c of corners) pts.push(await px(c));
    for (const p of pts) await clickAt(p);
    await shot('3-drawing');
    await clickAt(pts[0]);
    plan = await waitForEdit(plan.version);
    const added = plan.grids.find((g) => g.sourceCode === null && !g.name.includes('-'))!;
    expect(added).toBeTruthy();
    // drawn: the rectangle (about 1.5² times the gap's box); kept: the gap only
    const drawnM2 = (e - w + 2 * dx) * 111_320 * Math.cos(((s + n) / 2) * Math.PI / 180) * (n - s + 2 * dy) * 110_574;
    expect(added.areaM2).toBeLessThan(drawnM2 * 0.8);
    expect(Math.abs(added.areaM2 - gapGrid.areaM2)).toBeLessThan(gapGrid.areaM2 * 0.02);
    expect(plan.summary).toMatchObject({ gaps: 0, overlaps: 0, publishable: true });
    await expect.poll(() => page.getByTestId('toast').first().innerText()).toMatch(/裁去/);
    await shot('4-drawn-clipped');
  });

  test('splits a grid along a line drawn across it', async () => {
    let plan = await readPlan();
    const target = [...plan.grids].filter((g) => g.sourceCode !== null).sort((a, b) => b.areaM2 - a.areaM2)[0];
    const [w, s, e, n] = bbox(outer(target));
    await fitTo([w, s, e, n], 200);
    await tool('select');
    await clickAt(await insidePoint(target));
    await tool('split');
    const y = (s + n) / 2;
    const a = await px([w - (e - w) * 0.15, y]);
    const b = await px([e + (e - w) * 0.15, y]);
    await clickAt(a);
    await clickAt(b);
    await clickAt(b);
    plan = await waitForEdit(plan.version);
    const parts = plan.grids.filter((g) => g.name === target.name || g.name.startsWith(`${target.name}-`));
    expect(parts.length).toBeGreaterThanOrEqual(2);
    const sum = parts.reduce((t, g) => t + g.areaM2, 0);
    expect(Math.abs(sum - target.areaM2)).toBeLessThan(target.areaM2 * 1e-3);
    expect(plan.summary).toMatchObject({ gaps: 0, overlaps: 0 });
    await shot('5-split');
  });

  test('merges two neighbouring grids', async () => {
    let plan = await readPlan();
    const a = plan.grids.find((g) => g.sourceCode !== null && neighbours(plan, g).some((o) => o.sourceCode !== null))!;
    const b = neighbours(plan, a).find((o) => o.sourceCode !== null)!;
    await fitTo(bbox([...outer(a), ...outer(b)]), 160);
    await tool('select');
    await clickAt(await insidePoint(a));
    await page.keyboard.down('Shift');
    await clickAt(await insidePoint(b));
    await page.keyboard.up('Shift');
    await expect.poll(() => page.getByText('已选 2 个网格').isVisible()).toBe(true);
    await shot('6-merge-selected');
    await page.getByRole('button', { name: '合并所选 2 个网格' }).click();
    plan = await waitForEdit(plan.version);
    const survivors = plan.grids.filter((g) => g.id === a.id || g.id === b.id);
    expect(survivors).toHaveLength(1);
    expect(Math.abs(survivors[0].areaM2 - (a.areaM2 + b.areaM2))).toBeLessThan((a.areaM2 + b.areaM2) * 1e-3);
    expect(plan.summary).toMatchObject({ gaps: 0, overlaps: 0 });
    await shot('7-merged');
  });

  test('drags a vertex of a shared edge; the neighbours follow', async () => {
    let plan = await readPlan();
    const key = (p: Pos) => `${p[0].toFixed(7)},${p[1].toFixed(7)}`;
    // an inner junction: a vertex shared by three grids
    const owners = new Map<string, Set<number>>();
    for (const g of plan.grids) for (const p of outer(g)) owners.set(key(p), (owners.get(key(p)) ?? new Set()).add(g.id));
    const [vKey, ids] = [...owners].find(([, s]) => s.size >= 3)!;
    const vertex = vKey.split(',').map(Number) as Pos;
    const grid = plan.grids.find((g) => ids.has(g.id))!;
    const before = new Map(plan.grids.map((g) => [g.id, g.areaM2]));
    await fitTo(bbox(outer(grid)), 220);
    await tool('select');
    await clickAt(await insidePoint(grid));
    await tool('reshape');
    await page.waitForTimeout(300);
    const from = await px(vertex);
    await page.mouse.move(from.x, from.y, { steps: 3 });
    await page.mouse.down();
    for (let i = 1; i <= 10; i++) await page.mouse.move(from.x + 3 * i, from.y + 2 * i);
    await page.mouse.up();
    plan = await waitForEdit(plan.version);
    const changed = plan.grids.filter((g) => Math.abs(g.areaM2 - (before.get(g.id) ?? 0)) > 1);
    expect(changed.length).toBeGreaterThanOrEqual(2);
    expect(plan.summary).toMatchObject({ gaps: 0, overlaps: 0 });
    await expect.poll(() => page.getByTestId('toast').last().innerText()).toMatch(/相邻网格随之调整/);
    await shot('8-reshaped');
    await tool('select');
  });

  test('a deleted grid flags a gap; Ctrl+Z fills it again', async () => {
    let plan = await readPlan();
    const g = plan.grids[0];
    await fitTo(bbox(outer(g)), 200);
    await clickAt(await insidePoint(g));
    await page.getByRole('button', { name: '删除', exact: true }).click();
    plan = await waitForEdit(plan.version);
    expect(plan.summary.gaps).toBe(1);
    await shot('9-deleted');
    await page.locator('.maplibregl-canvas').focus();
    await page.keyboard.press('Control+z');
    plan = await waitForEdit(plan.version);
    expect(plan.summary).toMatchObject({ gaps: 0, publishable: true });
    expect(plan.grids.some((x) => x.id === g.id)).toBe(true);
  });

  test('previews what publishing moves, publishes, and the map shows the new grids', async () => {
    const final = await readPlan();
    await fitTo(bbox(final.grids.flatMap(outer)), 60);
    await page.getByTestId('plan-preview').click();
    const dialog = page.getByTestId('plan-preview-dialog');
    await dialog.getByTestId('preview-added').waitFor();
    expect(Number(await dialog.getByTestId('preview-added').innerText())).toBeGreaterThanOrEqual(1);
    expect(Number(await dialog.getByTestId('preview-changed').innerText()) + Number(await dialog.getByTestId('preview-removed').innerText())).toBeGreaterThanOrEqual(1);
    // the planner decides per member: unticking one ends their duty instead of carrying it
    const carry = dialog.getByTestId('carry-member');
    expect(await carry.count()).toBeGreaterThan(0);
    const carried = (await page.evaluate<Array<{ gridCode: string; outcome: string }>>(
      `fetch('/api/plans/${final.id}/preview').then((r) => r.json()).then((p) => p.members)`,
    )).filter((m) => m.outcome === 'carried');
    const untickedGrid = carried[0].gridCode;
    await carry.first().uncheck();
    await expect.poll(() => carry.first().locator('xpath=following-sibling::span[1]').innerText()).toBe('任职结束');
    await page.screenshot({ path: `${SHOTS}/planning-10-preview.png` });
    await dialog.getByTestId('plan-publish').click();
    await expect.poll(() => page.getByTestId('toast').last().innerText()).toMatch(/已发布/);
    await page.getByTestId('plan-panel').waitFor({ state: 'detached' });
    const grids = await page.evaluate<Array<{ code: string; version: number }>>(
      `fetch('/api/grids?region=${villageCode}&layer=comprehensive').then((r) => r.json()).then((fc) => fc.features.map((f) => f.properties))`,
    );
    expect(grids.some((g) => g.version > 1)).toBe(true);
    expect(grids.every((g) => /^\d{15}$/.test(g.code))).toBe(true);
    // the map's grid tiles are fetched again: what it draws of the village is exactly the published grids
    const codes = grids.map((g) => g.code).sort();
    await page.waitForFunction(
      `(() => {
        const drawn = new Set(window.__map.queryRenderedFeatures({ layers: ['grids-fill'] })
          .map((f) => String(f.properties.code)).filter((c) => c.startsWith('${villageCode}')));
        const want = ${JSON.stringify(codes)};
        return drawn.size > 0 && [...drawn].every((c) => want.includes(c)) && want.some((c) => drawn.has(c) && Number(c.slice(12)) > ${plan0Count});
      })()`,
      null, { timeout: 30_000, polling: 300 },
    );
    await shot('11-published');
    // the grid whose member was unticked has one member fewer in its new version
    const untickedNow = await page.evaluate<{ id: number; members: number }>(
      `fetch('/api/grids?region=${villageCode}&layer=comprehensive').then((r) => r.json())
        .then((fc) => fc.features.find((f) => f.properties.code === '${untickedGrid}').id)
        .then((id) => fetch('/api/grids/' + id).then((r) => r.json()).then((g) => ({ id, members: g.properties.members.length })))`,
    );
    expect(untickedNow.members).toBe(carried.filter((m) => m.gridCode === untickedGrid).length - 1);
    // and its panel shows its versions on a timeline
    await page.locator('.children ul').getByRole('button', { name: new RegExp(untickedGrid) }).click();
    const history = page.getByTestId('grid-history');
    await history.waitFor();
    expect(await history.locator('li').count()).toBeGreaterThanOrEqual(2);
    await shot('12-grid-history');
  });

  test('grids as of yesterday show the village\'s old grids; "now" shows the published ones', async () => {
    // the demo grids are valid from two years ago; the plan published above made new versions today
    const yesterday = await page.evaluate<string>(
      `new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(Date.now() - 86400000))`,
    );
    const codesAt = (at: string) => page.evaluate<string[]>(
      `fetch('/api/grids?region=${villageCode}&layer=comprehensive${at ? `&at=${at}` : ''}').then((r) => r.json()).then((fc) => fc.features.map((f) => f.properties.code).sort())`,
    );
    const oldCodes = await codesAt(yesterday);
    const newCodes = await codesAt('');
    expect(oldCodes.length).toBeGreaterThan(0);
    // the published plan added grids numbered after the old ones: not there yesterday
    const added = newCodes.filter((c) => Number(c.slice(12)) > plan0Count);
    expect(added.length).toBeGreaterThan(0);
    expect(oldCodes.some((c) => added.includes(c))).toBe(false);

    await page.getByRole('tab', { name: '图层', exact: true }).click();
    await page.getByTestId('as-of-date').fill(yesterday);
    await page.getByTestId('as-of-legend').filter({ hasText: `历史网格 ${yesterday}` }).waitFor();
    const grids = await page.evaluate<[number, number, number, number]>(
      `fetch('/api/grids?region=${villageCode}&layer=comprehensive').then((r) => r.json()).then((fc) => {
        const xs = [], ys = [];
        const walk = (c) => typeof c[0] === 'number' ? (xs.push(c[0]), ys.push(c[1])) : c.forEach(walk);
        fc.features.forEach((f) => walk(f.geometry.coordinates));
        return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
      })`,
    );
    await fitTo(grids, 60);
    // the overlay holds exactly yesterday's grids of the village; the current grid tiles are hidden
    await page.waitForFunction(
      `(() => {
        const m = window.__map;
        const drawn = new Set(m.queryRenderedFeatures({ layers: ['grids-as-of-line'] })
          .map((f) => String(f.properties.code)).filter((c) => c.startsWith('${villageCode}')));
        const want = ${JSON.stringify(oldCodes)};
        return drawn.size === want.length && want.every((c) => drawn.has(c));
      })()`,
      null, { timeout: 30_000, polling: 300 },
    );
    expect(await page.evaluate<number>(`window.__map.queryRenderedFeatures({ layers: ['grids-fill'] }).length`)).toBe(0);
    await waitForMapSettled();
    await page.screenshot({ path: `${SHOTS}/history-as-of.png` });

    await page.getByTestId('as-of-now').click();
    await page.getByTestId('as-of-legend').waitFor({ state: 'detached' });
    await page.waitForFunction(
      `(() => {
        const m = window.__map;
        const drawn = new Set(m.queryRenderedFeatures({ layers: ['grids-fill'] })
          .map((f) => String(f.properties.code)).filter((c) => c.startsWith('${villageCode}')));
        return ${JSON.stringify(added)}.some((c) => drawn.has(c)) && m.queryRenderedFeatures({ layers: ['grids-as-of-line'] }).length === 0;
      })()`,
      null, { timeout: 30_000, polling: 300 },
    );
  });

  test('imports a GeoJSON grid layer into a new draft: a bad file lists its features, a good one replaces the grids', async () => {
    await page.getByRole('tab', { name: '区域', exact: true }).click();
    await page.getByTestId('plan-start').click();
    await page.getByTestId('plan-panel').waitFor();
    await waitForMapSettled();
    const plan = await readPlan();

    // a self-crossing ring: the server refuses the whole file, feature by feature
    const [w, s, e, n] = bbox(plan.grids.flatMap(outer));
    const bowtie = { type: 'FeatureCollection', features: [{ type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [[[w, s], [e, n], [e, s], [w, n], [w, s]]] } }] };
    await page.getByTestId('plan-import-file').setInputFiles({ name: 'bad.geojson', mimeType: 'application/geo+json', buffer: Buffer.from(JSON.stringify(bowtie)) });
    await page.getByTestId('plan-import-errors').filter({ hasText: '要素 1' }).waitFor();
    expect((await readPlan()).version).toBe(plan.version);

    // the draft's own grids, as a layer exported from another system
    const layer = {
      type: 'FeatureCollection',
      features: plan.grids.map((g) => ({ type: 'Feature', properties: { name: g.name }, geometry: { type: 'MultiPolygon', coordinates: g.rings } })),
    };
    await page.getByTestId('plan-import-file').setInputFiles({ name: 'grids.geojson', mimeType: 'application/geo+json', buffer: Buffer.from(JSON.stringify(layer)) });
    const after = await waitForEdit(plan.version);
    expect(after.grids.length).toBe(plan.grids.length);
    expect(after.summary).toMatchObject({ gaps: 0, overlaps: 0, publishable: true });
    await expect.poll(() => page.getByTestId('toast').last().innerText()).toMatch(/已导入 \d+ 个网格/);
    await expect.poll(() => page.getByTestId('plan-import-errors').count()).toBe(0);
    await expect.poll(() => page.getByTestId('plan-badge').innerText()).toBe('可发布');
    await shot('import');

    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: '放弃草稿', exact: true }).click();
    await page.getByTestId('plan-panel').waitFor({ state: 'detached' });
  });
});
