import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGridFixture } from '../support/grid-fixtures.ts';
import { type TestContext, createTestContext } from '../support/test-app.ts';

/**
 * Concurrent edits over HTTP (truly parallel on PostgreSQL's pool; serialized by PGlite's single
 * connection): of parallel edits based on one version, one wins and the others get 409 with the
 * current version; a hundred concurrent random plan edits never leave an overlap or a gap.
 */
let t: TestContext;
let cookie: string;
beforeAll(async () => { t = await createTestContext(); cookie = await t.login('planner'); });
afterAll(async () => { await t?.close(); });

async function call(method: string, path: string, body?: unknown) {
  const res = await t.app.request(path, { method, headers: { cookie, 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
  return { status: res.status, body: await res.json().catch(() => null) as any };
}

function mulberry32(seed: number) {
  return () => {
    seed |= 0; seed = (seed + 0x6d2b79f5) | 0;
    let r = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

describe('concurrent edits', () => {
  it('of one site: one PATCH wins, the others get 409 with the current version, and nothing is lost', async () => {
    const { rows: [site] } = await sql<{ id: number; version: number }>`select id, version from sites where category = 'camera' order by id limit 1`.execute(t.db.kysely);
    const names = ['甲', '乙', '丙', '丁', '戊'].map((n) => `并发摄像头${n}`);
    const results = await Promise.all(names.map((name) => call('PATCH', `/api/sites/${site.id}`, { name, version: site.version })));
    const winners = results.filter((r) => r.status === 200);
    const losers = results.filter((r) => r.status === 409);
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(names.length - 1);
    for (const l of losers) expect(l.body).toMatchObject({ type: '/problems/conflict', currentVersion: site.version + 1 });
    const now = (await t.get(`/api/sites/${site.id}`, cookie)).body.properties;
    expect(now.version).toBe(site.version + 1);
    expect(now.name).toBe(winners[0].body.properties.name);
    // without a version, concurrent partial edits still cannot overwrite each other's fields blindly
    const [a, b] = await Promise.all([call('PATCH', `/api/sites/${site.id}`, { name: '并发甲' }), call('PATCH', `/api/sites/${site.id}`, { attrs: { type: 'dome' } })]);
    expect([a.status, b.status].sort()).toEqual(process.env.DATABASE_URL ? expect.arrayContaining([200]) : [200, 200]);
    const audit = await sql<{ n: number }>`select count(*)::int as n from audit_log where entity = 'site' and entity_id = ${String(site.id)}`.execute(t.db.kysely);
    expect(audit.rows[0].n).toBe(1 + [a, b].filter((r) => r.status === 200).length);
  });

  it('of one plan grid: one reshape wins, the others get 409 with the plan\'s current version', async () => {
    const { village } = await loadGridFixture(t.db.kysely, 'valid-3x3', 31);
    const plan = (await call('POST', '/api/plans', { region: village })).body;
    const grid = plan.grids.features[4];
    const results = await Promise.all([1, 2, 3, 4].map((i) => call('PATCH', `/api/plans/${plan.id}/grids/${grid.id}`, { name: `并发网格${i}`, version: plan.version })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    const losers = results.filter((r) => r.status === 409);
    expect(losers).toHaveLength(3);
    for (const l of losers) expect(l.body.currentVersion).toBe(plan.version + 1);
  });

  it('100 concurrent random plan edits never leave an overlap or a gap', async () => {
    const { village, dx } = await loadGridFixture(t.db.kysely, 'valid-3x3', 32);
    const X0 = 113.5 + dx, Y0 = 33.5, D = 0.001, W = 3 * D;
    const { rows: [{ area: villageArea }] } = await sql<{ area: number }>`select ST_Area(boundary::geography) as area from regions where code = ${village}`.execute(t.db.kysely);
    const plan = (await call('POST', '/api/plans', { region: village })).body;
    const rnd = mulberry32(20261123);
    const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)];
    const ids = plan.grids.features.map((f: any) => f.id as number);
    const edits = Array.from({ length: 100 }, () => {
      const kind = pick(['split', 'merge', 'reshape', 'draw']);
      const x = X0 + rnd() * W, y = Y0 + rnd() * W;
      if (kind === 'split') {
        const a = rnd() * Math.PI;
        return call('POST', `/api/plans/${plan.id}/split`, { gridId: pick(ids), line: { type: 'LineString', coordinates: [[x - Math.cos(a) * W, y - Math.sin(a) * W], [x + Math.cos(a) * W, y + Math.sin(a) * W]] } });
      }
      if (kind === 'merge') return call('POST', `/api/plans/${plan.id}/merge`, { gridIds: [pick(ids), pick(ids)] });
      if (kind === 'reshape') {
        const s = 0.3 * D * rnd();
        return call('PATCH', `/api/plans/${plan.id}/grids/${pick(ids)}`, { geometry: { type: 'Polygon', coordinates: [[[x, y], [x + s, y], [x + s, y + s], [x, y + s], [x, y]]] } });
      }
      const s = rnd() * D;
      return call('POST', `/api/plans/${plan.id}/grids`, { geometry: { type: 'Polygon', coordinates: [[[x, y], [x + s, y], [x + s, y + s], [x, y + s], [x, y]]] }, villageCode: village });
    });
    const results = await Promise.all(edits);
    const statuses: Record<number, number> = {};
    for (const r of results) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    expect(Object.keys(statuses).map(Number).every((s) => [200, 400, 404, 409, 422].includes(s)), JSON.stringify(statuses)).toBe(true);
    expect(statuses[200] ?? 0, JSON.stringify(statuses)).toBeGreaterThan(10);
    const { rows: [check] } = await sql<{ union: number; overlap: number }>`select
        (select ST_Area(ST_Union(geom)::geography) from plan_grids where plan_id = ${plan.id}) as union,
        (select coalesce(sum(ST_Area(ST_Intersection(a.geom, b.geom)::geography)), 0) from plan_grids a join plan_grids b
          on a.plan_id = b.plan_id and a.id < b.id and a.geom && b.geom where a.plan_id = ${plan.id}) as overlap`.execute(t.db.kysely);
    expect(check.overlap).toBeLessThan(1);
    expect(Math.abs(check.union - villageArea) / villageArea).toBeLessThan(1e-4);
    // the plan's version counted every applied edit exactly once
    const after = (await call('GET', `/api/plans/${plan.id}`)).body;
    expect(after.version).toBe(plan.version + (statuses[200] ?? 0));
  }, 240_000);
});
