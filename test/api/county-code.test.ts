import { type Expression, type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertUser } from '../../server/auth/auth.repository.ts';
import { hashPassword } from '../../server/auth/secrets.ts';
import type { Database } from '../../server/db/schema.ts';
import { gridsAtQuery, listGridsQuery } from '../../server/grids/grids.repository.ts';
import { locateQuery } from '../../server/grids/locate.repository.ts';
import { lonLatBounds, tileSource } from '../../server/tiles/tiles.layers.ts';
import { fixtureOffset, readGridFixture } from '../support/grid-fixtures.ts';
import { type TestContext, createTestContext } from '../support/test-app.ts';

/**
 * county_code (migration 0016, docs/scaling.md): generated from each row's region code, written
 * through the real write paths, and carried by the hot queries so that on Citus they stay on the
 * shards of the counties they concern.
 */
let t: TestContext;
beforeAll(async () => { t = await createTestContext(); });
afterAll(async () => { await t?.close(); });

const TABLES = [
  ['grids', 'village_code'], ['household_points', 'village_code'], ['people', 'region_code'],
  ['sites', 'region_code'], ['incidents', 'region_code'],
] as const;

/**
 * A second county, 990199, drawn where the grid fixtures lie (east of 113.5, around 33.5; the demo
 * county 990101 ends at 113.43, 33.78): one township, one village, the valid 3×3 fixture's grids.
 */
const SECOND = '990199';
const VILLAGE = `${SECOND}001001`;
const dx = fixtureOffset(41);
const X0 = 113.5 + dx, Y0 = 33.5, D = 0.001;
/** A point inside the demo county (the middle of its grids) and one inside the second county. */
const IN_DEMO: [number, number] = [113.2, 33.94];
const IN_SECOND: [number, number] = [X0 + 0.5 * D, Y0 + 0.5 * D];

async function loadSecondCounty(db: Kysely<Database>) {
  const fixture = readGridFixture('valid-3x3');
  const at = (geometry: unknown) => sql`ST_Translate(ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(geometry)}), 4326), ${dx}, 0)`;
  await sql`insert into regions (code, name, level, parent_code, boundary)
    values (${`${SECOND}000000`}, '测试县', 'county', null, ST_Multi(ST_MakeEnvelope(113.5, 33.45, 114.0, 33.7, 4326)))`.execute(db);
  await sql`insert into regions (code, name, level, parent_code) values (${`${SECOND}001000`}, '测试镇', 'township', ${`${SECOND}000000`})`.execute(db);
  const village = fixture.features.find((f) => f.properties.role === 'village')!;
  await sql`insert into regions (code, name, level, parent_code, boundary)
    values (${VILLAGE}, '测试村', 'village', ${`${SECOND}001000`}, ST_Multi(${at(village.geometry)}))`.execute(db);
  let seq = 0;
  for (const grid of fixture.features.filter((f) => f.properties.role === 'grid')) {
    seq++;
    await sql`insert into grids (code, name, layer_id, village_code, geom)
      values (${VILLAGE + String(seq).padStart(3, '0')}, ${grid.properties.name}, 1, ${VILLAGE}, ST_Multi(${at(grid.geometry)}))`.execute(db);
  }
  const passwordHash = await hashPassword('county-2026');
  await insertUser(db, { username: 'planner199', displayName: '测试县规划员', passwordHash, role: 'planner', scopeCode: SECOND });
  await insertUser(db, { username: 'dispatcher199', displayName: '测试县调度员', passwordHash, role: 'dispatcher', scopeCode: SECOND });
}

async function call(method: string, path: string, cookie: string, body?: unknown) {
  const res = await t.app.request(path, {
    method, headers: { cookie, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function mismatches(db: Kysely<Database>) {
  const counts: Record<string, { rows: number; wrong: number }> = {};
  for (const [table, code] of TABLES) {
    const { rows: [r] } = await sql<{ rows: number; wrong: number }>`select count(*)::int as rows,
      (count(*) filter (where county_code is distinct from left(${sql.ref(code)}, 6)))::int as wrong
      from ${sql.table(table)}`.execute(db);
    counts[table] = r;
  }
  return counts;
}

describe('county_code', () => {
  beforeAll(async () => { await loadSecondCounty(t.db.kysely); });

  it('is a generated, non-null column equal to the first 6 digits of the row\'s region code on every table', async () => {
    const { rows } = await sql<{ table: string; generated: string; nullable: string }>`
      select table_name as table, is_generated as generated, is_nullable as nullable from information_schema.columns
      where table_schema = 'public' and column_name = 'county_code' order by table_name`.execute(t.db.kysely);
    expect(rows).toEqual(TABLES.map(([table]) => table).sort().map((table) => ({ table, generated: 'ALWAYS', nullable: 'NO' })));
    const counts = await mismatches(t.db.kysely);
    for (const [table] of TABLES) {
      expect(counts[table].rows, table).toBeGreaterThan(0);
      expect(counts[table].wrong, table).toBe(0);
    }
    const { rows: second } = await sql<{ county: string; n: number }>`select county_code as county, count(*)::int as n
      from grids where village_code = ${VILLAGE} group by county_code`.execute(t.db.kysely);
    expect(second).toEqual([{ county: SECOND, n: 9 }]);
    // the application cannot write it
    await expect(sql`update grids set county_code = '990101' where village_code = ${VILLAGE}`.execute(t.db.kysely)).rejects.toThrow();
  });

  it('app.counties_meeting: the counties whose boundary meets a geometry; every county where none does', async () => {
    const counties = async (geom: Expression<unknown>) => (await sql<{ c: string[] }>`
      select array(select c from app.counties_meeting(${geom}) c order by c) as c`.execute(t.db.kysely)).rows[0].c;
    const point = ([x, y]: [number, number]) => sql`ST_SetSRID(ST_MakePoint(${x}::float8, ${y}::float8), 4326)`;
    expect(await counties(point(IN_DEMO))).toEqual(['990101']);
    expect(await counties(point(IN_SECOND))).toEqual([SECOND]);
    expect(await counties(sql`ST_MakeEnvelope(113.3, 33.6, 113.6, 33.9, 4326)`)).toEqual(['990101', SECOND]);
    // outside every boundary (imprecise boundaries): not narrowed, so nothing is lost
    expect(await counties(point([100, 20]))).toEqual(['990101', SECOND]);
  });

  it('follows the write paths: grids a plan publishes, an incident routed to a grid', async () => {
    const planner = await t.login('planner199', 'county-2026');
    const plan = (await call('POST', '/api/plans', planner, { region: VILLAGE })).body;
    const middle = plan.grids.features.find((g: any) => g.properties.name === '网格5');
    const split = await call('POST', `/api/plans/${plan.id}/split`, planner, {
      gridId: middle.id, line: { type: 'LineString', coordinates: [[X0 + 1.6 * D, Y0 + 0.9 * D], [X0 + 1.6 * D, Y0 + 2.1 * D]] },
    });
    expect(split.status).toBe(200);
    const published = await call('POST', `/api/plans/${plan.id}/publish`, planner);
    expect(published.status).toBe(200);
    expect(published.body).toMatchObject({ closed: 1, inserted: 2 });
    const { rows: current } = await sql<{ code: string; county: string }>`select code, county_code as county from grids
      where village_code = ${VILLAGE} and valid_to is null order by code`.execute(t.db.kysely);
    expect(current).toHaveLength(10);
    expect(current.every((g) => g.county === SECOND)).toBe(true);
    expect(current.at(-1)!.code).toBe(`${VILLAGE}010`);

    // the point-in-grid queries find the county first, then its grids
    const at = await t.get(`/api/grids/at?lon=${IN_SECOND[0]}&lat=${IN_SECOND[1]}`, planner);
    expect(at.body.features.map((f: any) => f.properties.code)).toEqual([`${VILLAGE}007`]);
    const located = await call('POST', '/api/grids/locate', planner, { points: [IN_SECOND, IN_DEMO] });
    expect(located.body.results.map((r: any) => r?.gridCode ?? null)).toEqual([`${VILLAGE}007`, null]);

    const dispatcher = await t.login('dispatcher199', 'county-2026');
    const reported = await call('POST', '/api/incidents', dispatcher, {
      category: 'dispute.neighbour', title: '测试县纠纷', location: { type: 'Point', coordinates: IN_SECOND },
    });
    expect(reported.status).toBe(201);
    const { rows: [incident] } = await sql<{ county: string; grid: string }>`select i.county_code as county, g.code as grid
      from incidents i join grids g on g.id = i.grid_id where i.id = ${reported.body.id}`.execute(t.db.kysely);
    expect(incident).toEqual({ county: SECOND, grid: `${VILLAGE}007` });
    expect(await mismatches(t.db.kysely)).toSatisfy((c: Record<string, { wrong: number }>) => Object.values(c).every((x) => x.wrong === 0));
  });

  it('finds a grid that sticks out of its county into the neighbour\'s (boundaries drawn by other hands disagree)', async () => {
    // a neighbour west of the second county, and a grid of the second county reaching 300 m into it
    await sql`insert into regions (code, name, level, parent_code, boundary)
      values ('990198000000', '邻县', 'county', null, ST_Multi(ST_MakeEnvelope(113.44, 33.45, 113.5, 33.7, 4326)))`.execute(t.db.kysely);
    await sql`insert into grids (code, name, layer_id, village_code, geom)
      values (${`${VILLAGE}900`}, '越界网格', 1, ${VILLAGE}, ST_Multi(ST_MakeEnvelope(113.497, 33.5, 113.5005, 33.502, 4326)))`.execute(t.db.kysely);
    const passwordHash = await hashPassword('county-2026');
    await insertUser(t.db.kysely, { username: 'inspector99', displayName: '市级检查员', passwordHash, role: 'inspector', scopeCode: '9901' });
    const inspector = await t.login('inspector99', 'county-2026');
    const at = await t.get('/api/grids/at?lon=113.498&lat=33.501', inspector);
    expect(at.body.features.map((f: any) => f.properties.code)).toEqual([`${VILLAGE}900`]);
    const located = await call('POST', '/api/grids/locate', inspector, { points: [[113.498, 33.501]] });
    expect(located.body.results[0]?.gridCode).toBe(`${VILLAGE}900`);
  });
});

/** Every filter and index condition of a plan (EXPLAIN format json), as PostgreSQL prints them. */
function conditions(node: Record<string, unknown>): string[] {
  const own = ['Filter', 'Index Cond', 'Recheck Cond', 'Join Filter', 'Hash Cond', 'One-Time Filter']
    .map((k) => node[k]).filter((v): v is string => typeof v === 'string');
  return [...own, ...((node.Plans as Record<string, unknown>[] | undefined) ?? []).flatMap(conditions)];
}
function indexes(node: Record<string, unknown>): string[] {
  return [...(typeof node['Index Name'] === 'string' ? [node['Index Name']] : []),
    ...((node.Plans as Record<string, unknown>[] | undefined) ?? []).flatMap(indexes)];
}

/** EXPLAIN (format json) of a statement, run as a county inspector under row-level security, like a request. */
async function planAsInspector(query: (trx: Kysely<Database>) => Expression<unknown>) {
  const trx = await t.db.kysely.startTransaction().execute();
  try {
    await sql`select set_config('pingan.role', 'inspector', true), set_config('pingan.scope', '990101', true)`.execute(trx);
    await sql`set local role pingan_app`.execute(trx);
    const { rows } = await sql`explain (format json) ${query(trx)}`.execute(trx);
    const value = Object.values(rows[0] as Record<string, unknown>)[0];
    const plan = (typeof value === 'string' ? JSON.parse(value) : value) as Array<{ Plan: Record<string, unknown> }>;
    return plan[0].Plan;
  } finally {
    await trx.rollback().execute();
  }
}

const tileX = (lon: number, z: number) => Math.floor(((lon + 180) / 360) * 2 ** z);
const tileY = (lat: number, z: number) => Math.floor(((1 - Math.asinh(Math.tan((lat * Math.PI) / 180)) / Math.PI) / 2) * 2 ** z);
const z14 = (layer: 'grids' | 'sites' | 'incidents') => ({ layer, z: 14, x: tileX(IN_DEMO[0], 14), y: tileY(IN_DEMO[1], 14) });

describe('hot queries carry the county (Citus routes by it)', () => {
  it('the z14 tile is the one the test means', () => {
    const [w, s, e, n] = lonLatBounds(14, z14('grids').x, z14('grids').y);
    expect(IN_DEMO[0]).toBeGreaterThanOrEqual(w); expect(IN_DEMO[0]).toBeLessThan(e);
    expect(IN_DEMO[1]).toBeGreaterThan(s); expect(IN_DEMO[1]).toBeLessThanOrEqual(n);
  });

  it.each([
    ['a z14 grids tile', () => tileSource(z14('grids'))!, 'grids_geom_idx'],
    ['a z14 sites tile', () => tileSource(z14('sites'))!, 'sites_geom_idx'],
    ['a z14 incidents tile', () => tileSource(z14('incidents'))!, 'incidents_location_idx'],
    ['the grid at a point (/api/grids/at)', (trx: Kysely<Database>) => gridsAtQuery(trx, ...IN_DEMO), 'grids_geom_idx'],
    ['bulk locate (/api/grids/locate)', () => locateQuery([IN_DEMO, [113.1, 33.9]], 'comprehensive'), 'grids_geom_idx'],
    ['a region subtree list (/api/grids?region=)', (trx: Kysely<Database>) => listGridsQuery(trx, { prefix: '990101001' }), null],
  ] as const)('%s filters by county_code', async (_name, query, index) => {
    const plan = await planAsInspector(query as (trx: Kysely<Database>) => Expression<unknown>);
    expect(conditions(plan).filter((c) => c.includes('county_code'))).not.toEqual([]);
    // the county narrows what the spatial index finds; it does not replace it
    if (index) expect(indexes(plan)).toContain(index);
  });
});
