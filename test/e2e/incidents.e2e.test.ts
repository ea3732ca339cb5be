/**
 * An incident from report to closing, in the browser: a grid member on a phone (360×640, touch)
 * reports at their position with a category's extra fields and a photo; the dispatcher finds it in
 * the intake queue, accepts it and dispatches it to the police; the unit account finds it in its
 * inbox, starts and resolves it; the dispatcher's stale panel gets "someone else changed it" on its
 * next step and reloads; the dispatcher closes it; the timeline shows every step. The map draws the
 * incident and a click on its point opens it. Centre staff enter a caller's report by picking the
 * point on the map, are shown the open incident of the same category there, and link theirs to it.
 */
import { mkdirSync } from 'node:fs';
import { pointOnFeature } from '@turf/turf';
import { type Browser, type Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launchChromium } from '../support/browser.ts';
import { e2eBase, settle, signIn } from '../support/e2e-page.ts';

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

async function apiSession(username: string) {
  const login = await fetch(`${BASE}/api/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: 'demo-2026' }),
  });
  const cookie = login.headers.get('set-cookie')!.split(';')[0];
  return {
    get: async (path: string) => (await fetch(`${BASE}${path}`, { headers: { cookie } })).json() as Promise<any>, // eslint-disable-line @typescript-eslint/no-explicit-any
  };
}

/** Opens an incident from the incidents tab's list by searching its code. */
async function openFromList(page: Page, code: string) {
  const panel = page.getByTestId('incidents-panel');
  await panel.getByRole('searchbox').fill(code);
  const row = panel.getByTestId('incident-list').locator(`button[data-code="${code}"]`);
  await row.waitFor();
  await row.click();
  await page.getByTestId('incident-panel').waitFor();
}
/** Takes a workflow step from the detail panel: its button, its inputs, its confirmation. */
async function step(page: Page, label: string, fill?: (form: ReturnType<Page['getByTestId']>) => Promise<void>) {
  const detail = page.getByTestId('incident-panel');
  const before = Number(await detail.getAttribute('data-version'));
  await page.getByTestId('incident-actions').getByRole('button', { name: label, exact: true }).click();
  const form = page.getByTestId('action-form');
  if (fill) await fill(form);
  await form.getByRole('button', { name: `确认${label}` }).click();
  await expect.poll(() => detail.getAttribute('data-version').then(Number)).toBe(before + 1);
}

describe('an incident from report to closing', () => {
  test('member reports on a phone with a photo; dispatcher accepts and dispatches; the unit resolves; the dispatcher closes', async () => {
    const member = await apiSession('member');
    const area = await member.get('/api/me/area');
    // the county's figures for this month before the report (the dashboard must move by this case)
    const today = new Date().toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' });
    const thisMonth = `/api/stats/incidents?groupBy=month&from=${today.slice(0, 8)}01&to=${today}`;
    const before = (await (await apiSession('dispatcher')).get(thisMonth)).summary;
    const grid = area.grids.features[0];
    const [lon, lat] = pointOnFeature(grid).geometry.coordinates;
    const title = `E2E 冒充客服诈骗 ${Date.now()}`;
    const photo = await sharp({ create: { width: 640, height: 480, channels: 3, background: { r: 200, g: 120, b: 40 } } }).jpeg().toBuffer();

    // ---- the grid member, on a phone, at a point of their first grid
    const phone = await browser.newContext({
      viewport: { width: 360, height: 640 }, isMobile: true, hasTouch: true, deviceScaleFactor: 1,
      locale: 'zh-CN', timezoneId: 'Asia/Shanghai', permissions: ['geolocation'], geolocation: { longitude: lon, latitude: lat, accuracy: 10 },
    });
    const mp = await phone.newPage();
    let code = '';
    try {
      await signIn(mp, 'member');
      await mp.getByTestId('report-button').tap();
      const form = mp.getByTestId('incident-report');
      // the form takes a fresh fix: the point is the phone's position
      await expect.poll(() => form.getByTestId('report-point').textContent()).toContain(lon.toFixed(5));
      await form.getByTestId('category-group').selectOption({ label: '治安隐患' });
      await form.getByTestId('category-sub').selectOption({ label: '电信网络诈骗' });
      // the category's extra fields, generated from its schema
      const extra = form.getByTestId('category-fields');
      await extra.getByLabel('涉及金额（元）').fill('3000');
      await extra.getByLabel('渠道').selectOption({ label: '电话' });
      expect(await form.getByTestId('category-hint').textContent()).toMatch(/办理时限 3 天 · 默认交办 平安示范县公安局/);
      await form.getByLabel('标题 *').fill(title);
      await form.getByLabel('情况描述').fill('居民接到冒充客服电话，被骗转账。');
      await form.getByTestId('photo-input').setInputFiles({ name: 'scene.jpg', mimeType: 'image/jpeg', buffer: photo });
      await form.getByText('scene.jpg').waitFor();
      await settle(mp);
      expect(await mp.evaluate<number>('window.__map.queryRenderedFeatures({ layers: ["incident-draft-point"] }).length')).toBe(1);
      await mp.screenshot({ path: `${SHOTS}/incidents-report-form-phone.png` });
      await form.getByRole('button', { name: '提交上报' }).tap();

      const result = mp.getByTestId('report-result');
      await result.waitFor();
      code = /编号 (SJ[\d-]+)/.exec((await result.textContent()) ?? '')?.[1] ?? '';
      expect(code).toMatch(/^SJ\d{8}-\d+$/);
      expect(await result.textContent()).toContain(grid.properties.name);
      expect(await result.textContent()).toContain('平安示范县公安局');
      expect(await result.textContent()).toContain('照片 scene.jpg 已上传');
      await mp.screenshot({ path: `${SHOTS}/incidents-report-result-phone.png` });

      // the new incident's panel: the extra fields, the photo, the first step of the timeline
      await result.getByRole('button', { name: '查看事件' }).tap();
      const detail = mp.getByTestId('incident-panel');
      await detail.waitFor();
      expect(await detail.getAttribute('data-state')).toBe('reported');
      const attrs = detail.getByTestId('incident-attrs');
      expect(await attrs.textContent()).toMatch(/涉及金额\s*3,000 元/);
      expect(await attrs.textContent()).toMatch(/渠道\s*电话/);
      await expect.poll(() => detail.getByTestId('incident-photos').locator('img').evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(0);
      await settle(mp);
      await mp.screenshot({ path: `${SHOTS}/incidents-detail-phone.png` });
    } catch (e) {
      await mp.screenshot({ path: `${SHOTS}/incidents-member-failure.png` });
      throw e;
    } finally {
      await phone.close();
    }

    // ---- the dispatcher: the queue, accept, dispatch to the suggested unit
    const desk = await browser.newContext({ viewport: { width: 1360, height: 860 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', deviceScaleFactor: 1 });
    const dp = await desk.newPage();
    const unitDesk = await browser.newContext({ viewport: { width: 1360, height: 860 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', deviceScaleFactor: 1 });
    const up = await unitDesk.newPage();
    try {
      await signIn(dp, 'dispatcher');
      await settle(dp);
      // open incidents are a heatmap at county zoom
      expect(await dp.evaluate<number>('window.__map.queryRenderedFeatures({ layers: ["incidents-heat"] }).length')).toBeGreaterThan(0);
      await dp.screenshot({ path: `${SHOTS}/incidents-heatmap.png` });

      await dp.getByRole('tab', { name: '事件' }).click();
      const panel = dp.getByTestId('incidents-panel');
      expect(await panel.getByRole('button', { name: '待受理' }).getAttribute('aria-pressed')).toBe('true');
      await openFromList(dp, code);
      const detail = dp.getByTestId('incident-panel');
      expect(await detail.getByRole('heading', { name: title }).count()).toBe(1);
      await step(dp, '受理');
      expect(await detail.getAttribute('data-state')).toBe('accepted');
      await step(dp, '交办', async (form) => {
        // the category's unit is proposed
        expect(await form.getByRole('combobox').locator('option:checked').textContent()).toContain('平安示范县公安局');
        await form.getByLabel('备注').fill('请派出所核实处置');
      });
      expect(await detail.getAttribute('data-state')).toBe('dispatched');
      expect(await detail.getByTestId('incident-unit').textContent()).toBe('平安示范县公安局');

      // on the map: zoomed in, the point is drawn in its state's colour, and clicking it opens it
      await detail.getByRole('button', { name: '在地图上查看' }).click();
      await settle(dp);
      await dp.screenshot({ path: `${SHOTS}/incidents-dispatched-desktop.png` });
      await dp.getByTestId('detail-panel').getByRole('button', { name: '关闭' }).click();
      await settle(dp);
      const hit = await dp.evaluate<{ x: number; y: number } | null>(`(() => {
        const m = window.__map;
        const f = m.queryRenderedFeatures({ layers: ['incidents-point'] }).find((f) => f.properties.code === ${JSON.stringify(code)});
        if (!f) return null;
        const p = m.project(f.geometry.coordinates);
        return { x: p.x, y: p.y };
      })()`);
      expect(hit, 'the dispatched incident is drawn at zoom 17').not.toBeNull();
      await dp.locator('.maplibregl-canvas').click({ position: hit! });
      await expect.poll(() => detail.getAttribute('data-state')).toBe('dispatched');
      expect(await detail.locator('code').first().textContent()).toBe(code);

      // ---- the unit: its inbox, start, resolve
      await signIn(up, 'unit');
      const inbox = up.getByTestId('incidents-panel');
      expect(await inbox.getByRole('button', { name: '待办理' }).getAttribute('aria-pressed')).toBe('true');
      await openFromList(up, code);
      await step(up, '开始办理');
      await step(up, '办结', (form) => form.getByLabel('办理结果 *').fill('已联系受害人报案，协助冻结涉案账户。'));
      expect(await up.getByTestId('incident-panel').getAttribute('data-state')).toBe('resolved');
      await up.screenshot({ path: `${SHOTS}/incidents-unit-resolved.png` });

      // ---- the dispatcher's panel still shows "dispatched": its next step is refused and reloads
      await dp.getByTestId('incident-actions').getByRole('button', { name: '督办', exact: true }).click();
      await dp.getByTestId('action-form').getByLabel('督办意见 *').fill('请加快办理');
      await dp.getByTestId('action-form').getByRole('button', { name: '确认督办' }).click();
      await expect.poll(() => dp.getByTestId('incident-stale').textContent()).toContain('已被他人修改');
      await expect.poll(() => detail.getAttribute('data-state')).toBe('resolved');
      await dp.screenshot({ path: `${SHOTS}/incidents-stale-409.png` });

      await step(dp, '销号');
      expect(await detail.getAttribute('data-state')).toBe('closed');
      const timeline = detail.getByTestId('incident-timeline').locator('li');
      expect(await timeline.evaluateAll((lis) => lis.map((li) => li.getAttribute('data-action')))).toEqual(
        ['report', 'photo', 'accept', 'dispatch', 'start', 'resolve', 'close']);
      expect(await detail.getByTestId('incident-timeline').textContent()).toContain('交办：平安示范县公安局');
      expect(await detail.getByTestId('incident-timeline').textContent()).toContain('已联系受害人报案');
      await detail.getByTestId('incident-timeline').scrollIntoViewIfNeeded();
      await dp.screenshot({ path: `${SHOTS}/incidents-closed-timeline.png` });

      // the server agrees: closed, the supervision that came too late left no trace
      const stored = await (await apiSession('dispatcher')).get(`/api/incidents?q=${code}`);
      expect(stored.features.map((f: { properties: { state: string } }) => f.properties.state)).toEqual(['closed']);
      const full = await (await apiSession('dispatcher')).get(`/api/incidents/${stored.features[0].id}`);
      expect(full.properties.timeline.map((e: { action: string }) => e.action)).toEqual(['report', 'photo', 'accept', 'dispatch', 'start', 'resolve', 'close']);
      expect(full.properties.photos.length).toBe(1);
      expect(full.properties.attrs).toEqual({ amount: 3000, channel: 'phone' });

      // the dashboard: this month's count is one more, and the case counts as resolved
      const after = (await (await apiSession('dispatcher')).get(thisMonth)).summary;
      expect(after.total).toBe(before.total + 1);
      expect(after.resolvedTotal).toBe(before.resolvedTotal + 1);
      await dp.getByTestId('detail-panel').getByRole('button', { name: '关闭' }).click();
      await dp.getByTestId('stats-toggle').click();
      await dp.getByTestId('stats-period').selectOption('thisMonth');
      await expect.poll(() => dp.getByTestId('stats-total').textContent())
        .toBe(new Intl.NumberFormat('zh-CN').format(after.total));
      await dp.screenshot({ path: `${SHOTS}/incidents-dashboard-after.png` });
    } catch (e) {
      await dp.screenshot({ path: `${SHOTS}/incidents-dispatcher-failure.png` });
      await up.screenshot({ path: `${SHOTS}/incidents-unit-failure.png` });
      throw e;
    } finally {
      await desk.close();
      await unitDesk.close();
    }
  }, 480_000);

  test('the dispatcher enters a caller\'s report at a point picked on the map and links it as a duplicate', async () => {
    const dispatcher = await apiSession('dispatcher');
    const since = new Date(Date.now() - 5 * 86_400_000).toISOString();
    const open = await dispatcher.get(`/api/incidents?state=reported,accepted,dispatched,in_progress&from=${encodeURIComponent(since)}&limit=50`);
    const original = open.features.find((f: { properties: { category: string } }) => f.properties.category.includes('.'));
    expect(original, 'the demo county has a recent open incident').toBeTruthy();
    const category: string = original.properties.category;
    const [lon, lat] = original.geometry.coordinates;

    const desk = await browser.newContext({ viewport: { width: 1360, height: 860 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', deviceScaleFactor: 1 });
    const page = await desk.newPage();
    try {
      await signIn(page, 'dispatcher');
      await page.getByRole('tab', { name: '事件' }).click();
      await page.getByRole('button', { name: '录入来电事件' }).click();
      const form = page.getByTestId('incident-report');
      await form.getByText('请在地图上点击事件发生的位置').waitFor();
      // the caller describes the place of the open incident: pick it on the map
      await page.evaluate(`window.__map.jumpTo({ center: [${lon}, ${lat}], zoom: 17.5 })`);
      await settle(page);
      const box = (await page.locator('.maplibregl-canvas').boundingBox())!;
      await page.locator('.maplibregl-canvas').click({ position: { x: box.width / 2, y: box.height / 2 } });
      const shown = (await form.getByTestId('report-point').textContent()) ?? '';
      const [plon, plat] = shown.split(',').map((v) => Number(v.trim()));
      expect(Math.abs(plon - lon)).toBeLessThan(0.0001);
      expect(Math.abs(plat - lat)).toBeLessThan(0.0001);
      // no detail panel opened underneath: the click set the point only
      expect(await page.getByTestId('detail-panel').count()).toBe(0);

      await form.getByLabel('来电人姓名 *').fill('赵先生');
      await form.getByLabel('来电人电话').fill('13900001111');
      await form.getByTestId('category-group').selectOption(category.split('.')[0]);
      await form.getByTestId('category-sub').selectOption(category);
      await form.getByLabel('标题 *').fill(`来电反映 ${original.properties.title}`);
      await settle(page);
      await page.screenshot({ path: `${SHOTS}/incidents-caller-form.png` });
      await form.getByRole('button', { name: '提交上报' }).click();

      const dups = page.getByTestId('duplicates');
      await dups.waitFor();
      const row = dups.locator('li', { hasText: original.properties.code });
      await row.getByRole('button', { name: '关联为重复' }).click();
      await row.getByText('已关联').waitFor();
      await page.screenshot({ path: `${SHOTS}/incidents-caller-duplicate.png` });

      const code = /编号 (SJ[\d-]+)/.exec((await page.getByTestId('report-result').textContent()) ?? '')?.[1];
      const stored = await dispatcher.get(`/api/incidents?q=${code}`);
      const detail = await dispatcher.get(`/api/incidents/${stored.features[0].id}`);
      expect(detail.properties).toMatchObject({
        state: 'rejected', duplicateOf: original.id, callerName: '赵先生', callerPhone: '13900001111', source: 'hotline', category,
      });
    } catch (e) {
      await page.screenshot({ path: `${SHOTS}/incidents-caller-failure.png` });
      throw e;
    } finally {
      await desk.close();
    }
  }, 360_000);
});
