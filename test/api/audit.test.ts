import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertUser } from '../../server/auth/auth.repository.ts';
import { hashPassword } from '../../server/auth/secrets.ts';
import { type TestContext, createTestContext } from '../support/test-app.ts';

let t: TestContext;
beforeAll(async () => { t = await createTestContext(); });
afterAll(async () => { await t?.close(); });

describe('audit log', () => {
  it('shows administrators who changed what, filtered and paged; others get 403', async () => {
    const planner = await t.login('planner');
    const villages = (await t.get('/api/regions?level=village&within=990101000000&geometry=false', planner)).body.features;
    const region = villages[5].properties.code;
    const res = await t.app.request('/api/plans', { method: 'POST', headers: { cookie: planner, 'content-type': 'application/json' }, body: JSON.stringify({ region }) });
    const plan = await res.json() as any;
    const admin = await t.login('admin');
    const { status, body } = await t.get(`/api/audit?entity=plan&entityId=${plan.id}`, admin);
    expect(status).toBe(200);
    expect(body.items).toEqual([expect.objectContaining({ action: 'plan.create', entity: 'plan', regionCode: region, actorName: expect.any(String) })]);
    const page = await t.get('/api/audit?limit=1', admin);
    expect(page.body.items).toHaveLength(1);
    expect(page.body.next).toBe(page.body.items[0].id);
    expect((await t.get('/api/audit', planner)).status).toBe(403);
    expect((await t.get('/api/audit?from=yesterday', admin)).status).toBe(400);
  });

  it('shows a township administrator only their township\'s entries', async () => {
    await insertUser(t.db.kysely, { username: 'tadmin', displayName: '乡镇管理员', passwordHash: await hashPassword('tadmin-2026'), role: 'admin', scopeCode: '990101002' });
    const planner = await t.login('planner');
    const village = (await t.get('/api/regions?parent=990101002000&geometry=false', planner)).body.features[0].properties.code;
    await t.app.request('/api/plans', { method: 'POST', headers: { cookie: planner, 'content-type': 'application/json' }, body: JSON.stringify({ region: village }) });
    const cookie = await t.login('tadmin', 'tadmin-2026');
    const { body } = await t.get('/api/audit?limit=1000', cookie);
    expect(body.items.map((e: any) => e.regionCode)).toContain(village);
    expect(body.items.every((e: any) => e.regionCode?.startsWith('990101002'))).toBe(true);
  });
});
