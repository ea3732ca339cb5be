import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestContext, createTestContext } from '../support/test-app.ts';

/** Every mutation leaves an audit entry naming its actor, with what was there before and after. */
let t: TestContext;
let planner: string;
let admin: string;
beforeAll(async () => { t = await createTestContext(); planner = await t.login('planner'); admin = await t.login('admin'); });
afterAll(async () => { await t?.close(); });

const send = async (method: string, path: string, body?: unknown) => {
  const res = await t.app.request(path, { method, headers: { cookie: planner, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: await res.json().catch(() => null) as any };
};

describe('audit trail', () => {
  it('records site, person, assignment and plan changes with actor, before and after; filters by person and time', async () => {
    const plannerId = (await t.get('/api/auth/me', planner)).body.user.id;
    const { rows: [g] } = await sql<{ id: number; village: string; x: number; y: number }>`select id, village_code as village,
      ST_X(ST_PointOnSurface(geom)) as x, ST_Y(ST_PointOnSurface(geom)) as y from grids where valid_to is null and layer_id = 1 order by id limit 1`.execute(t.db.kysely);
    const point = { type: 'Point', coordinates: [Number(g.x), Number(g.y)] };

    const created = await send('POST', '/api/sites', { category: 'camera', name: '审计测试', geometry: point, attrs: { type: 'dome' } });
    expect(created.status).toBe(201);
    const id = created.body.id;
    expect((await send('PATCH', `/api/sites/${id}`, { name: '审计测试（改）' })).status).toBe(200);
    expect((await send('DELETE', `/api/sites/${id}`)).status).toBe(204);
    const person = await send('POST', '/api/people', { name: '审计员', villageCode: g.village });
    expect(person.status).toBe(201);
    const assigned = await send('POST', `/api/grids/${g.id}/assignments`, { personId: person.body.id, duty: 'part_time' });
    expect(assigned.status).toBe(201);
    expect((await send('DELETE', `/api/grids/${g.id}/assignments?personId=${person.body.id}`)).status).toBe(200);
    const plan = await send('POST', '/api/plans', { region: g.village });
    expect(plan.status).toBe(201);
    expect((await send('PATCH', `/api/plans/${plan.body.id}/grids/${plan.body.grids.features[0].id}`, { name: '审计网格' })).status).toBe(200);
    expect((await send('DELETE', `/api/plans/${plan.body.id}`)).status).toBe(204);

    const log = async (q: string) => (await t.get(`/api/audit?limit=50&${q}`, admin)).body.items as any[];
    const site = await log(`entity=site&entityId=${id}`);
    expect(site.map((e) => e.action)).toEqual(['site.delete', 'site.update', 'site.create']);
    const [del, upd, cre] = site;
    expect(cre).toMatchObject({ actorId: plannerId, before: null, after: expect.objectContaining({ name: '审计测试' }) });
    expect(upd).toMatchObject({ actorId: plannerId, before: expect.objectContaining({ name: '审计测试' }), after: expect.objectContaining({ name: '审计测试（改）' }) });
    expect(del).toMatchObject({ actorId: plannerId, before: expect.objectContaining({ name: '审计测试（改）' }), after: null });
    expect(upd.actorName).toBeTruthy();

    const people = await log(`entity=person&entityId=${person.body.id}`);
    expect(people).toEqual([expect.objectContaining({ action: 'person.create', actorId: plannerId, after: expect.objectContaining({ name: '审计员' }) })]);
    const assignments = await log(`entity=grid_assignment&entityId=${assigned.body.id}`);
    expect(assignments.map((e) => e.action).sort()).toEqual(['assignment.create', 'assignment.end']);
    expect(assignments.find((e) => e.action === 'assignment.end').before).not.toBeNull();
    const plans = await log(`entity=plan&entityId=${plan.body.id}`);
    expect(plans.map((e) => e.action)).toEqual(expect.arrayContaining(['plan.create', 'plan.rename']));
    expect(plans.every((e) => e.actorId === plannerId), JSON.stringify(plans.map((e) => [e.action, e.actorId, e.after]))).toBe(true);
    // filters: by person and by time
    const mine = await log(`actor=${plannerId}&from=${encodeURIComponent(new Date(Date.now() - 60_000).toISOString())}`);
    expect(mine.length).toBeGreaterThanOrEqual(8);
    expect(mine.every((e) => e.actorId === plannerId)).toBe(true);
    expect(await log(`actor=${plannerId}&to=${encodeURIComponent(new Date(Date.now() - 86_400_000).toISOString())}`)).toEqual([]);
  });
});
