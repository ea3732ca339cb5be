import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CountyResult, countyOffset, generatePrefecture } from '../../server/generate/prefecture.ts';
import { type TestContext, createTestContext } from '../support/test-app.ts';

/** The prefecture generator on a small scale: one more county, a few extra sites and incidents. */
let t: TestContext;
let results: CountyResult[];
/** The demo county's incidents and events before generating (they must not change). */
let demoBefore: unknown;
const demoIncidents = sql<{ incidents: number; events: number; digest: string }>`select
  (select count(*) from incidents where region_code like '990101%')::int as incidents,
  (select count(*) from incident_events e join incidents i on i.id = e.incident_id where i.region_code like '990101%')::int as events,
  (select md5(string_agg(concat_ws('|', code, state, created_at, due_at, closed_at, resolved_at, grid_id), ',' order by id))
    from incidents where region_code like '990101%') as digest`;
beforeAll(async () => {
  t = await createTestContext();
  demoBefore = (await demoIncidents.execute(t.db.kysely)).rows[0];
  results = await generatePrefecture(t.db.kysely, { counties: 1, extraSites: 400, extraIncidents: 600 });
}, 300_000);
afterAll(async () => { await t?.close(); });

const one = async <T>(query: ReturnType<typeof sql<T>>) => (await query.execute(t.db.kysely)).rows[0];

describe('generate --scale prefecture', () => {
  it('copies the demo county under the next county code, with the 12/15-digit structure kept', async () => {
    expect(results.map((r) => [r.code, r.skipped])).toEqual([['990102', false]]);
    const demo = await one(sql<{ regions: number; grids: number; people: number; assignments: number }>`select
      (select count(*) from regions where code like '990101%')::int as regions,
      (select count(*) from grids where code like '990101%' and valid_to is null)::int as grids,
      (select count(*) from people where region_code like '990101%')::int as people,
      (select count(*) from grid_assignments a join grids g on g.id = a.grid_id where g.code like '990101%' and a.valid_to is null)::int as assignments`);
    const copy = await one(sql<{ regions: number; grids: number; people: number; assignments: number; badCodes: number; county: string }>`select
      (select count(*) from regions where code like '990102%')::int as regions,
      (select count(*) from grids where code like '990102%' and valid_to is null)::int as grids,
      (select count(*) from people where region_code like '990102%')::int as people,
      (select count(*) from grid_assignments a join grids g on g.id = a.grid_id where g.code like '990102%' and a.valid_to is null)::int as assignments,
      (select count(*) from grids where code like '990102%' and (code !~ '^[0-9]{15}$' or left(code, 12) <> village_code))::int as "badCodes",
      (select name from regions where code = '990102000000') as county`);
    expect(copy).toEqual({ ...demo, badCodes: 0, county: '平安示范二县' });
    expect(results[0].counts.grids).toBe(demo.grids);
  });

  it('places the new county beside the demo county without overlapping it', async () => {
    const { gap, shift } = await one(sql<{ gap: number; shift: number }>`select
      ST_XMin(b.e) - ST_XMax(a.e) as gap, ST_XMin(b.e) - ST_XMin(a.e) as shift
      from (select ST_Extent(boundary) as e from regions where code = '990101000000') a,
           (select ST_Extent(boundary) as e from regions where code = '990102000000') b`);
    expect(gap).toBeGreaterThan(0);
    expect(shift).toBeCloseTo(countyOffset(1)[0], 6);
    const overlapping = await one(sql<{ n: number }>`select count(*)::int as n from grids a join grids b
      on a.geom && b.geom and ST_Intersects(a.geom, b.geom)
      where a.code like '990101%' and b.code like '990102%'`);
    expect(overlapping.n).toBe(0);
  });

  it('puts every site and incident in the grid and village that contain it', async () => {
    const sites = await one(sql<{ n: number; extra: number; outside: number }>`select count(*)::int as n,
      count(*) filter (where s.ref like 'G990102-%')::int as extra,
      count(*) filter (where s.grid_id is not null and not ST_Intersects(g.geom, ST_PointOnSurface(s.geom)) or g.village_code <> s.region_code)::int as outside
      from sites s left join grids g on g.id = s.grid_id where s.region_code like '990102%'`);
    expect(sites.extra).toBeGreaterThan(300);
    expect(sites.outside).toBe(0);
    const incidents = await one(sql<{ n: number; outside: number; codes: number; late: number }>`select count(*)::int as n,
      count(*) filter (where not ST_Intersects(g.geom, i.location) or g.village_code <> i.region_code)::int as outside,
      count(*) filter (where i.code !~ '^SJ[0-9]{8}-02[0-9]{5}$')::int as codes,
      count(*) filter (where i.closed_at < i.created_at or i.created_at > now())::int as late
      from incidents i join grids g on g.id = i.grid_id where i.region_code like '990102%'`);
    expect(incidents.n).toBeGreaterThan(3000 + 500);
    expect(incidents).toMatchObject({ outside: 0, codes: 0, late: 0 });
    // the demo's incidents keep their timelines
    const events = await one(sql<{ n: number }>`select count(*)::int as n from incident_events e join incidents i on i.id = e.incident_id where i.region_code like '990102%'`);
    const demoEvents = await one(sql<{ n: number }>`select count(*)::int as n from incident_events e join incidents i on i.id = e.incident_id where i.region_code like '990101%'`);
    expect(events.n).toBe(demoEvents.n);
  });

  it('varies the new county\'s incidents (month by month, states) and leaves the demo county\'s as they were', async () => {
    expect((await demoIncidents.execute(t.db.kysely)).rows[0]).toEqual(demoBefore);
    const months = async (county: string) => (await sql<{ month: string; n: number }>`
      select to_char(date_trunc('month', created_at at time zone 'Asia/Shanghai'), 'YYYY-MM') as month, count(*)::int as n
      from incidents where region_code like ${`${county}%`} group by 1 order by 1`.execute(t.db.kysely)).rows;
    const [demo, copy] = [await months('990101'), await months('990102')];
    expect(demo.length).toBeGreaterThan(6);
    const count = (rows: { month: string; n: number }[], month: string) => rows.find((r) => r.month === month)?.n ?? 0;
    const differing = demo.filter((r) => r.n !== count(copy, r.month));
    expect(differing.length, JSON.stringify({ demo, copy })).toBeGreaterThan(demo.length / 2);
    // the copied demo incidents moved back as a whole: every event still follows its incident's report
    const order = async (county: string) => (await sql<{ n: number }>`select count(*)::int as n from incident_events e
      join incidents i on i.id = e.incident_id where i.region_code like ${`${county}%`} and e.at < i.created_at`.execute(t.db.kysely)).rows[0].n;
    expect(await order('990102')).toBe(await order('990101'));
    // finished extra incidents have their resolution time, as the demo's do from their events
    const unresolved = async (county: string) => (await sql<{ n: number }>`select count(*)::int as n from incidents
      where region_code like ${`${county}%`} and state in ('resolved', 'closed') and resolved_at is null`.execute(t.db.kysely)).rows[0].n;
    expect(await unresolved('990102')).toBe(await unresolved('990101'));
  });

  it('adds nothing when run again', async () => {
    const before = await one(sql<{ n: number }>`select (select count(*) from sites) + (select count(*) from incidents) + (select count(*) from grids) as n`);
    const again = await generatePrefecture(t.db.kysely, { counties: 1, extraSites: 400, extraIncidents: 600 });
    expect(again).toEqual([{ code: '990102', skipped: true, counts: {}, seconds: 0 }]);
    const after = await one(sql<{ n: number }>`select (select count(*) from sites) + (select count(*) from incidents) + (select count(*) from grids) as n`);
    expect(Number(after.n)).toBe(Number(before.n));
    const audit = await one(sql<{ n: number }>`select count(*)::int as n from audit_log where action = 'generate' and entity_id = '990102'`);
    expect(audit.n).toBe(1);
  });

  it('gives the prefecture accounts both counties, and keeps county accounts to their own', async () => {
    const points = (await sql<{ x: number; y: number; code: string }>`select ST_X(p) as x, ST_Y(p) as y, code from (
      select code, ST_PointOnSurface(geom) as p from grids where code in (
        (select min(code) from grids where code like '990101%' and layer_id = 1),
        (select min(code) from grids where code like '990102%' and layer_id = 1))) g order by code`.execute(t.db.kysely)).rows;
    const locate = async (cookie: string) => {
      const res = await t.app.request('/api/grids/locate', { method: 'POST', headers: { cookie, 'content-type': 'application/json' },
        body: JSON.stringify({ points: points.map((p) => [p.x, p.y]) }) });
      return ((await res.json()) as any).results.map((r: any) => r?.gridCode ?? null);
    };
    expect(await locate(await t.login('prefecture'))).toEqual(points.map((p) => p.code));
    expect(await locate(await t.login('inspector'))).toEqual([points[0].code, null]);
    const regions = (await t.get('/api/regions?level=county&geometry=false', await t.login('prefecture-admin'))).body;
    expect(regions.features.map((f: any) => f.properties.code).sort()).toEqual(['990101000000', '990102000000']);
  });

  it('starts a prefecture account at its counties: the root list, the prefecture itself and its children', async () => {
    const cookie = await t.login('prefecture');
    const root = (await t.get('/api/regions', cookie)).body;
    expect(root.features.map((f: any) => [f.properties.code, f.properties.level])).toEqual([['990101000000', 'county'], ['990102000000', 'county']]);
    expect(root.features.every((f: any) => f.geometry?.type === 'MultiPolygon')).toBe(true);

    const { status, body } = await t.get('/api/regions/9901', cookie);
    expect(status).toBe(200);
    expect(body.geometry).toBeNull();
    expect(body.properties).toMatchObject({ code: '9901', name: '平安示范市', level: 'prefecture', parentCode: null, childCount: 2, ancestors: [] });
    // the prefecture's 6-digit form (its code followed by 00) names it too
    expect((await t.get('/api/regions/990100', cookie)).body.properties).toEqual(body.properties);
    const county = (await t.get('/api/regions/990101000000', cookie)).body.properties;
    expect(body.properties.stats.townships).toBe(2 * county.stats.townships);
    expect(body.properties.stats.grids).toBe(2 * county.stats.grids);
    // the counties' extent: the demo county's west edge to the second county's east edge
    const second = (await t.get('/api/regions/990102000000', cookie)).body.properties;
    expect(body.properties.bbox[0]).toBeCloseTo(county.bbox[0], 6);
    expect(body.properties.bbox[2]).toBeCloseTo(second.bbox[2], 6);

    const children = (await t.get('/api/regions?parent=9901&geometry=false', cookie)).body;
    expect(children.features.map((f: any) => f.properties.code)).toEqual(['990101000000', '990102000000']);
    expect(children.features.every((f: any) => f.geometry === null && f.properties.childCount > 0)).toBe(true);

    // a county's staff have no prefecture; a malformed code is a 400
    const inspector = await t.login('inspector');
    expect((await t.get('/api/regions/9901', inspector)).status).toBe(404);
    expect((await t.get('/api/regions', inspector)).body.features.map((f: any) => f.properties.code)).toEqual(['990101000000']);
    expect((await t.get('/api/regions/99011', cookie)).status).toBe(400);
    expect((await t.get('/api/regions/9902', cookie)).status).toBe(404);
  });

  it('refuses a database without the demo county', async () => {
    await expect(generatePrefecture(t.db.kysely, { counties: 10 })).rejects.toThrow(/counties must be from 1 to 9/);
  });
});
