/**
 * A county planner staffs grids from the map: the staffing report lists and colours the problem
 * grids; in a grid's panel they assign a person with a duty, hand the duty over to someone else and
 * end it, and the history keeps every step; the person's panel shows their grids.
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

describe('staffing and assignments (county planner)', () => {
  test('the report colours problem grids; a grid gets a person, a handover and an end, all in its history', async () => {
    const context = await browser.newContext({ viewport: { width: 1360, height: 860 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', deviceScaleFactor: 1 });
    const page = await context.newPage();
    try {
      await signIn(page, 'planner');

      await page.getByRole('tab', { name: '人员' }).click();
      const panel = page.getByTestId('people-panel');
      const summary = panel.getByTestId('staffing-summary');
      await summary.waitFor();
      const noLeader = Number(await summary.locator('div').nth(2).locator('dd').textContent());
      expect(noLeader).toBeGreaterThan(0);
      // townships listed; the problem grids coloured on the map
      expect(await panel.getByTestId('staffing-table').locator('tbody tr').count()).toBeGreaterThan(10);
      await expect.poll(() => renderedCount(page, ['staffing-fill'])).toBeGreaterThan(0);
      await settle(page);
      await page.screenshot({ path: `${SHOTS}/staffing-county.png` });
      // unticking the map colouring removes it
      await panel.getByLabel('在地图上标出问题网格').uncheck();
      await expect.poll(() => page.evaluate<boolean>('!!window.__map.getLayer("staffing-fill")')).toBe(false);
      await panel.getByLabel('在地图上标出问题网格').check();

      // the directory: find a person, open them, go to their first grid
      await panel.getByRole('button', { name: '名录' }).click();
      await panel.getByTestId('people-results').locator('li').first().waitFor();
      // the first person of the directory who answers for a grid (other browser test files add people
      // to the shared server without one, e.g. inert-input's payload name), found by name in the directory
      const { items } = await (await context.request.get(`${BASE}/api/people?limit=50`)).json() as { items: Array<{ id: number }> };
      let personName = '';
      for (const { id } of items) {
        const detail = await (await context.request.get(`${BASE}/api/people/${id}`)).json() as { name: string; currentGrids: unknown[] };
        if (detail.currentGrids.length) { personName = detail.name; break; }
      }
      expect(personName, 'a person with a grid among the first 50 of the directory').not.toBe('');
      await panel.getByRole('searchbox').fill(personName);
      const first = panel.getByTestId('people-results').getByRole('button', { name: personName, exact: true }).first();
      await first.waitFor();
      await first.click();
      const person = page.getByTestId('person-panel');
      await person.getByRole('heading', { name: personName }).waitFor();

      // a grid of the member account's village: assign, hand over, end
      const gridLink = page.getByTestId('detail-panel').locator('.rows li button.link').first();
      if (await gridLink.count()) {
        await gridLink.click();
      } else {
        throw new Error(`${personName} has no grid to open`);
      }
      const assignments = page.getByTestId('grid-assignments');
      // the section shows "no members" until its list has loaded; this grid has at least the person we came from
      await assignments.locator('.members > li').first().waitFor();
      const before = await assignments.locator('.members > li').count();

      await assignments.getByRole('button', { name: '添加人员' }).click();
      const editor = assignments.getByTestId('assign-editor');
      await editor.getByRole('combobox').selectOption('mediator');
      const search = editor.getByRole('searchbox');
      await search.fill('李');
      const pick = editor.locator('.results button').first();
      await pick.waitFor();
      const picked = (await pick.locator('.name').textContent())!.trim();
      await pick.click();
      await expect.poll(() => assignments.locator('.members > li').count()).toBe(before + 1);
      const row = assignments.locator('.members > li', { hasText: picked }).filter({ hasText: '调解员' });
      await row.waitFor();
      await page.screenshot({ path: `${SHOTS}/staffing-assigned.png` });

      // hand the mediator duty over to someone else
      await row.getByRole('button', { name: `交接 ${picked} 的职责` }).click();
      const handover = assignments.locator('li.editor');
      await handover.getByRole('searchbox').fill('王');
      const next = handover.locator('.results button').filter({ hasNotText: picked }).first();
      await next.waitFor();
      const successor = (await next.locator('.name').textContent())!.trim();
      await next.click();
      const successorRow = assignments.locator('.members > li', { hasText: successor }).filter({ hasText: '调解员' });
      await successorRow.waitFor();
      expect(await assignments.locator('.members > li', { hasText: picked }).filter({ hasText: '调解员' }).count()).toBe(0);

      // end it; the history shows both, closed
      await successorRow.getByRole('button', { name: `结束 ${successor} 的任职` }).click();
      await expect.poll(() => assignments.locator('.members > li').count()).toBe(before);
      await assignments.getByRole('button', { name: '任职历史' }).click();
      const history = assignments.getByTestId('assignment-history');
      await history.waitFor();
      expect(await history.locator('li.ended', { hasText: `${picked} · 调解员` }).count()).toBe(1);
      expect(await history.locator('li.ended', { hasText: `${successor} · 调解员` }).count()).toBe(1);
      await page.screenshot({ path: `${SHOTS}/staffing-history.png` });
    } catch (e) {
      await page.screenshot({ path: `${SHOTS}/staffing-failure.png` });
      throw e;
    } finally {
      await context.close();
    }
  }, 360_000);
});
