import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGridFixture } from '../support/grid-fixtures.ts';
import { type TestContext, createTestContext } from '../support/test-app.ts';

/**
 * 200 random edits (split, merge, reshape with neighbours following, draw) on one village; after
 * every step the draft must still tile the village: union area = village area ±0.01 %, total
 * pairwise overlap < 1 m². Edits the server refuses (422: a line that cuts nothing, a reshape that
 * self-intersects, a draw with nothing left) must leave the draft unchanged.
 */
let t: TestContext;
let cookie: string;
beforeAll(async () => { t = await createTestContext(); cookie = await t.login('planner'); });
afterAll(async () => { await t?.close(); });

function mulberry32(seed: number) {
  return () => {
    seed |= 0; seed = (seed + 0x6d2b79f5) | 0;
    let r = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

async function call(method: string, path: string, body?: unknown) {
  const res = await t.app.request(path, { method, headers: { cookie, 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
  return { status: res.status, body: await res.json() as any };
}

describe('random planning edits', () => {
  it('keep the village tiled after each of 200 operations', async () => {
    const { village, dx } = await loadGridFixture(t.db.kysely, 'valid-3x3', 21);
    const X0 = 113.5 + dx, Y0 = 33.5, D = 0.001, W = 3 * D;
    const { rows: [{ area: villageArea }] } = await sql<{ area: number }>`select ST_Area(boundary::geography) as area from regions where code = ${village}`.execute(t.db.kysely);
    let plan = (await call('POST', '/api/plans', { region: village })).body;
    const rnd = mulberry32(Number(process.env.PLAN_RANDOM_SEED ?? 20261122));
    const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)];
    const counts: Record<string, number> = {};

    for (let step = 0; step < 200; step++) {
      const grids = plan.grids.features as Array<{ id: number; geometry: any }>;
      const kind = pick(['split', 'split', 'merge', 'merge', 'reshape', 'reshape', 'reshape', 'draw']);
      let res: { status: number; body: any };
      if (kind === 'split') {
        // a line right across the village through a random point of a random grid
        const g = pick(grids);
        const [cx, cy] = g.geometry.coordinates[0][0][0];
        const angle = rnd() * Math.PI;
        const px = cx + (rnd() - 0.5) * 0.0003, py = cy + (rnd() - 0.5) * 0.0003;
        const line = [[px - Math.cos(angle) * W, py - Math.sin(angle) * W], [px + Math.cos(angle) * W, py + Math.sin(angle) * W]];
        res = await call('POST', `/api/plans/${plan.id}/split`, { gridId: g.id, line: { type: 'LineString', coordinates: line } });
      } else if (kind === 'merge') {
        const g = pick(grids);
        const { rows } = await sql<{ id: number }>`select b.id from plan_grids a join plan_grids b on b.plan_id = a.plan_id and b.id <> a.id
          and ST_Length(ST_Intersection(ST_Boundary(a.geom), ST_Boundary(b.geom))) > 0 where a.id = ${g.id}`.execute(t.db.kysely);
        if (!rows.length) continue;
        res = await call('POST', `/api/plans/${plan.id}/merge`, { gridIds: [g.id, Number(pick(rows).id)] });
      } else if (kind === 'reshape') {
        // move one vertex that is not on the village boundary by up to a fifth of a cell
        const g = pick(grids);
        const ring: number[][] = g.geometry.coordinates[0][0].map((p: number[]) => [...p]);
        const inner = ring.slice(0, -1).map((p, i) => ({ p, i })).filter(({ p }) =>
          Math.abs(p[0] - X0) > 1e-9 && Math.abs(p[0] - X0 - W) > 1e-9 && Math.abs(p[1] - Y0) > 1e-9 && Math.abs(p[1] - Y0 - W) > 1e-9);
        if (!inner.length) continue;
        const { i } = pick(inner);
        ring[i] = [ring[i][0] + (rnd() - 0.5) * 0.4 * D, ring[i][1] + (rnd() - 0.5) * 0.4 * D];
        if (i === 0) ring[ring.length - 1] = ring[0];
        res = await call('PATCH', `/api/plans/${plan.id}/grids/${g.id}`, { geometry: { type: 'Polygon', coordinates: [ring] } });
      } else {
        const x = X0 + rnd() * W, y = Y0 + rnd() * W, s = rnd() * D;
        res = await call('POST', `/api/plans/${plan.id}/grids`, {
          geometry: { type: 'Polygon', coordinates: [[[x, y], [x + s, y], [x + s, y + s], [x, y + s], [x, y]]] }, villageCode: village });
      }
      counts[`${kind} ${res.status}`] = (counts[`${kind} ${res.status}`] ?? 0) + 1;
      expect([200, 422], `${kind} at step ${step}: ${JSON.stringify(res.body).slice(0, 300)}`).toContain(res.status);
      if (res.status === 200) plan = res.body;

      const { rows: [check] } = await sql<{ union: number; overlap: number }>`select
          (select ST_Area(ST_Union(geom)::geography) from plan_grids where plan_id = ${plan.id}) as union,
          (select coalesce(sum(ST_Area(ST_Intersection(a.geom, b.geom)::geography)), 0) from plan_grids a join plan_grids b
            on a.plan_id = b.plan_id and a.id < b.id and a.geom && b.geom where a.plan_id = ${plan.id}) as overlap`.execute(t.db.kysely);
      expect(Math.abs(check.union - villageArea) / villageArea, `union after ${kind} at step ${step}`).toBeLessThan(1e-4);
      expect(check.overlap, `overlap after ${kind} at step ${step}`).toBeLessThan(1);
    }
    // most edits really happened
    const applied = Object.entries(counts).filter(([k]) => k.endsWith(' 200')).reduce((n, [, v]) => n + v, 0);
    expect(applied, JSON.stringify(counts)).toBeGreaterThan(60);
  }, 240_000);
});
