/**
 * Refusals answer with a stable `code` and the `params` its sentence needs (server/http/problem-codes.ts),
 * beside the RFC 9457 type, the English detail and the title; and a refusal changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGridFixture } from '../support/grid-fixtures.ts';
import { type TestContext, createTestContext } from '../support/test-app.ts';

let t: TestContext;
let planner: string;
let dispatcher: string;
beforeAll(async () => {
  t = await createTestContext();
  planner = await t.login('planner');
  dispatcher = await t.login('dispatcher');
});
afterAll(async () => { await t?.close(); });

async function call(method: string, path: string, body: unknown, cookie?: string, lang = 'zh-CN') {
  const res = await t.app.request(path, {
    method, body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', 'accept-language': lang, ...(cookie ? { cookie } : {}) },
  });
  return { status: res.status, type: res.headers.get('content-type'), body: await res.json() as any };
}

describe('problems as codes', () => {
  it('a wrong password: 401 auth.bad-credentials, with the title in the caller\'s language and an English detail', async () => {
    const zh = await call('POST', '/api/auth/login', { username: 'planner', password: 'not-the-password' });
    expect(zh.status).toBe(401);
    expect(zh.type).toContain('application/problem+json');
    expect(zh.body).toMatchObject({ type: '/problems/bad-credentials', code: 'auth.bad-credentials', params: {}, title: '用户名或密码错误', detail: 'wrong username or password' });
    const en = await call('POST', '/api/auth/login', { username: 'planner', password: 'not-the-password' }, undefined, 'en');
    expect(en.body).toMatchObject({ code: 'auth.bad-credentials', title: 'Wrong username or password' });
  });

  it('a grid drawn wholly inside another: 422 grid.empty-after-clip, and the draft stays as it was', async () => {
    const { village, dx } = await loadGridFixture(t.db.kysely, 'valid-3x3', 31);
    const plan = (await call('POST', '/api/plans', { region: village }, planner)).body;
    expect(plan.id).toBeGreaterThan(0);
    const x = 113.5 + dx, y = 33.5, d = 0.001;
    const inside = { type: 'Polygon', coordinates: [[[x + 0.2 * d, y + 0.2 * d], [x + 0.8 * d, y + 0.2 * d], [x + 0.8 * d, y + 0.8 * d], [x + 0.2 * d, y + 0.8 * d], [x + 0.2 * d, y + 0.2 * d]]] };
    const res = await call('POST', `/api/plans/${plan.id}/grids`, { geometry: inside, name: '挤不下的网格' }, planner);
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ type: '/problems/invalid-geometry', code: 'grid.empty-after-clip', params: {} });
    expect(res.body.detail).toMatch(/nothing is left of the drawn grid/);
    const after = await t.get(`/api/plans/${plan.id}`, planner);
    expect(after.body.version).toBe(plan.version);
    expect(after.body.grids.features).toHaveLength(9);
    // the same draft again: the code names the plan that holds the area, the params say which and who
    const again = await call('POST', '/api/plans', { region: village }, planner);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'plan.area-taken', params: { planId: plan.id, scopeCode: village } });
    expect(again.body.params.lockedBy).toBeTruthy();
  });

  it('an action the state does not allow: 409 incident.illegal-transition with the state and the action', async () => {
    const list = await t.get('/api/incidents?state=reported&limit=1', dispatcher);
    const incident = list.body.items?.[0] ?? list.body.features?.[0];
    const id = incident.id ?? incident.properties.id;
    const res = await call('POST', `/api/incidents/${id}/actions`, { action: 'close' }, dispatcher);
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ type: '/problems/illegal-transition', code: 'incident.illegal-transition', params: { state: 'reported', action: 'close' }, currentState: 'reported' });
    expect((await t.get(`/api/incidents/${id}`, dispatcher)).body.properties.state).toBe('reported');
  });

  it('a request that fails validation: 400 request.invalid naming the fields, each with its rule', async () => {
    const res = await call('POST', '/api/plans', { name: 7 }, planner);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ type: '/problems/validation', code: 'request.invalid' });
    expect(res.body.params.fields).toMatch(/region/);
    expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'region', rule: 'required' })]));
  });

  it('something unknown: 404 with the code of what was not found', async () => {
    expect((await t.get('/api/grids/987654321', planner)).body).toMatchObject({ status: 404, code: 'grid.not-found', params: {} });
    expect((await t.get('/api/no-such-thing', planner)).body).toMatchObject({ status: 404, code: 'api.no-such-endpoint' });
  });
});
