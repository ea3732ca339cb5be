/**
 * Script injection stored through the API is shown as text, never run: a person named with an HTML
 * payload appears literally in the people directory and their panel, no dialog opens and no element
 * is injected. The context bypasses the Content-Security-Policy on purpose, so the proof is the app's
 * escaping, not the policy.
 */
import { mkdirSync } from 'node:fs';
import { type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launchChromium } from '../support/browser.ts';
import { e2eBase, signIn } from '../support/e2e-page.ts';

const BASE = e2eBase();
const SHOTS = 'test-results/screenshots';
let browser: Browser;
beforeAll(async () => { mkdirSync(SHOTS, { recursive: true }); browser = await launchChromium(); });
afterAll(async () => { await browser?.close(); });

describe('stored injection strings are inert in the UI', () => {
  test('an HTML payload in a person\'s name is shown as text in the directory and the panel', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
    const page = await context.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (d) => { dialogs.push(d.message()); void d.dismiss(); });
    try {
      await signIn(page, 'planner');

      const payload = `<img src=x onerror=alert(7)>注入${Date.now() % 10000}`;
      const village = (await (await context.request.get(`${BASE}/api/regions?level=village&within=990101000000&geometry=false`)).json()).features[3].properties.code;
      const made = await context.request.post(`${BASE}/api/people`, { data: { name: payload, villageCode: village, phone: '19900000000' } });
      expect(made.status()).toBe(201);
      expect((await made.json()).name).toBe(payload);

      await page.getByRole('tab', { name: '人员' }).click();
      const panel = page.getByTestId('people-panel');
      await panel.getByRole('button', { name: '名录' }).click();
      await panel.getByRole('searchbox').fill('注入');
      const hit = panel.getByTestId('people-results').getByRole('button', { name: payload });
      await hit.waitFor();
      await hit.click();
      const person = page.getByTestId('person-panel');
      await person.getByRole('heading', { name: payload }).waitFor();
      expect(await person.getByRole('heading').first().textContent()).toBe(payload);
      await page.waitForTimeout(500);
      // nothing ran and nothing was injected
      expect(dialogs).toEqual([]);
      expect(await page.locator('img[src="x"]').count()).toBe(0);
      await page.screenshot({ path: `${SHOTS}/inert-injection.png` });
    } finally {
      await context.close();
    }
  });
});
