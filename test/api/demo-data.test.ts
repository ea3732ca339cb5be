import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoDir } from '../../server/demo/demo.seed.ts';
import { type TestContext, createTestContext } from '../support/test-app.ts';

/** The demo county as loaded by the platform: shaped like a real county, and geometrically exact. */
let t: TestContext;
beforeAll(async () => { t = await createTestContext(); });
afterAll(async () => { await t?.close(); });

const one = async <T>(query: ReturnType<typeof sql<T>>) => (await query.execute(t.db.kysely)).rows[0];

describe('demo county', () => {
  it('has the size of a real county', async () => {
    const c = await one(sql<Record<string, number>>`select
      (select count(*) from regions where level = 'township')::int as townships,
      (select count(*) from regions where level = 'village')::int as villages,
      (select count(*) from grids where layer_id = 1)::int as grids,
      (select count(*) from household_points)::int as households,
      (select count(*) from sites where category in ('school', 'kindergarten'))::int as schools,
      (select count(*) from sites where category = 'water')::int as waters,
      (select count(*) from people)::int as people,
      (select count(*) from incidents)::int as incidents,
      (select count(*) from users)::int as users`);
    expect(c.townships).toBeGreaterThanOrEqual(18);
    expect(c.townships).toBeLessThanOrEqual(24);
    expect(c.villages).toBeGreaterThanOrEqual(400);
    expect(c.villages).toBeLessThanOrEqual(520);
    expect(c.grids).toBeGreaterThanOrEqual(1900);
    expect(c.grids).toBeLessThanOrEqual(2600);
    expect(c.households).toBeGreaterThanOrEqual(5000);
    expect(c.schools).toBeGreaterThanOrEqual(100);
    expect(c.waters).toBeGreaterThanOrEqual(150);
    expect(c.people).toBeGreaterThanOrEqual(2000);
    expect(c.incidents).toBeGreaterThanOrEqual(2500);
    expect(c.users).toBe(6);
  });

  it('tiles each village with its grids: no overlaps, no gaps, nothing outside (PostGIS 3.3-compatible checks)', async () => {
    const overlaps = await one(sql<{ n: number }>`select count(*)::int as n from grids a join grids b
      on a.id < b.id and a.layer_id = 1 and b.layer_id = 1 and a.geom && b.geom
      and ST_Relate(a.geom, b.geom, '2********')`);
    expect(overlaps.n).toBe(0);
    const mismatch = await one(sql<{ n: number }>`select count(*)::int as n from (
      select v.code, ST_Area(v.boundary) as va, sum(ST_Area(g.geom)) as ga,
        sum(ST_Area(ST_Intersection(g.geom, v.boundary))) as inside
      from regions v join grids g on g.village_code = v.code and g.layer_id = 1
      where v.level = 'village' group by v.code, v.boundary) x
      where abs(va - ga) > va * 1e-9 or abs(ga - inside) > ga * 1e-9`);
    expect(mismatch.n).toBe(0);
  });

  it('nests villages in townships and townships in the county exactly', async () => {
    for (const [child, parent] of [['village', 'township'], ['township', 'county']]) {
      const bad = await one(sql<{ n: number }>`select count(*)::int as n from (
        select p.code, ST_Area(p.boundary) as pa, sum(ST_Area(c.boundary)) as ca
        from regions p join regions c on c.parent_code = p.code and c.level = ${child}
        where p.level = ${parent} group by p.code, p.boundary) x where abs(pa - ca) > pa * 1e-9`);
      expect(bad.n, `${child} in ${parent}`).toBe(0);
    }
  });

  it('sizes urban community grids around 300 households and rural grids by village group', async () => {
    const rows = (await sql<{ urban: boolean; avg: number; min: number; max: number }>`
      select v.urban, avg(g.households)::float8 as avg, min(g.households) as min, max(g.households) as max
      from grids g join regions v on v.code = g.village_code where g.layer_id = 1 group by v.urban`.execute(t.db.kysely)).rows;
    const urban = rows.find((r) => r.urban)!;
    const rural = rows.find((r) => !r.urban)!;
    expect(urban.avg).toBeGreaterThan(220);
    expect(urban.avg).toBeLessThan(380);
    expect(rural.avg).toBeLessThan(urban.avg);
    const sums = await one(sql<{ n: number }>`select count(*)::int as n from grids g where g.layer_id = 1 and g.households <>
      (select coalesce(sum(h.households), 0) from household_points h where ST_Intersects(g.geom, h.geom))`);
    expect(sums.n).toBe(0);
  });

  it('puts every site and incident in a grid of its village, incidents over the past 12 months', async () => {
    const orphans = await one(sql<{ n: number }>`select count(*)::int as n from sites where grid_id is null`);
    expect(orphans.n).toBe(0);
    const span = await one(sql<{ days: number; states: number; closed: number; total: number }>`select
      extract(epoch from max(created_at) - min(created_at))::float8 / 86400 as days,
      count(distinct state)::int as states, count(*) filter (where state = 'closed')::int as closed, count(*)::int as total
      from incidents`);
    expect(span.days).toBeGreaterThan(300);
    expect(span.days).toBeLessThanOrEqual(366);
    expect(span.states).toBeGreaterThanOrEqual(6);
    expect(span.closed / span.total).toBeGreaterThan(0.5);
    const timelines = await one(sql<{ n: number }>`select count(*)::int as n from incidents i
      where not exists (select 1 from incident_events e where e.incident_id = i.id)`);
    expect(timelines.n).toBe(0);
  });

  it('describes every attribute of every site in its category\'s schema, and uses only the schema\'s codes', async () => {
    const undescribed = (await sql<{ category: string; key: string }>`select distinct s.category, k.key
      from sites s join site_categories c on c.code = s.category, jsonb_object_keys(s.attrs) k(key)
      where not (c.attr_schema::jsonb -> 'properties') ? k.key`.execute(t.db.kysely)).rows;
    expect(undescribed).toEqual([]);
    const unknownCodes = (await sql<{ category: string; key: string; value: string }>`select distinct s.category, p.key, s.attrs ->> p.key as value
      from sites s join site_categories c on c.code = s.category, jsonb_each(c.attr_schema::jsonb -> 'properties') p(key, schema)
      where p.schema ? 'oneOf' and s.attrs ? p.key
        and not exists (select 1 from jsonb_array_elements(p.schema -> 'oneOf') o where o ->> 'const' = s.attrs ->> p.key)`
      .execute(t.db.kysely)).rows;
    expect(unknownCodes).toEqual([]);
  });

  // boundary: campus footprint to venue footprint; entrance: nearest gate to nearest door (DESIGN.md)
  it('plants venues near schools at distances that PostGIS measures as the generator intended', async () => {
    const cases = JSON.parse(readFileSync(path.join(demoDir, 'planted-cases.json'), 'utf8')) as Array<{
      venueRef: string; schoolRef: string; method: 'boundary' | 'entrance'; measuredDistanceM: number;
    }>;
    expect(cases.length).toBeGreaterThanOrEqual(10);
    const near = cases.filter((c) => c.measuredDistanceM > 185 && c.measuredDistanceM < 215);
    expect(near.some((c) => c.measuredDistanceM < 200) && near.some((c) => c.measuredDistanceM > 200)).toBe(true);
    for (const c of cases) {
      const d = await one(sql<{ d: number }>`select (case ${c.method}
          when 'boundary' then ST_Distance(s.geom::geography, v.geom::geography)
          else ST_Distance(s.entrances::geography, v.entrances::geography) end)::float8 as d
        from sites s, sites v where s.ref = ${c.schoolRef} and v.ref = ${c.venueRef}`);
      expect(Math.abs(d.d - c.measuredDistanceM), `${c.venueRef}→${c.schoolRef}`).toBeLessThan(0.5);
    }
  });
});
