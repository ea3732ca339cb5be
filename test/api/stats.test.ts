import ExcelJS from 'exceljs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertUser } from '../../server/auth/auth.repository.ts';
import { hashPassword } from '../../server/auth/secrets.ts';
import { type TestContext, createTestContext } from '../support/test-app.ts';

/**
 * Incident statistics and reports against a small set of incidents reported in 2020 (the demo
 * county's incidents are all of the last twelve months, so 2020 holds only these). Times are given
 * in UTC; the deployment's local time is Asia/Shanghai (UTC+8), so 2020-01-31T16:30Z is already
 * 1 February there. Every expectation below is counted by hand from this table:
 *
 * | # | village | local created        | category            | state       | resolved (h after) | due      | on time |
 * |---|---------|----------------------|---------------------|-------------|--------------------|----------|---------|
 * | 1 | A1      | 2020-01-31 23:30 Jan | dispute.family      | closed      | 72                 | +7 d     | yes     |
 * | 2 | A1      | 2020-02-01 00:30 Feb | safety.fire         | resolved    | 36                 | +24 h    | no      |
 * | 3 | A2      | 2020-02-10 10:00     | order.public        | in_progress | –                  | overdue  |         |
 * | 4 | A2      | 2020-02-11 12:00     | city.appearance     | rejected    | –                  |          |         |
 * | 5 | A1      | 2020-02-12 12:00     | campus.surroundings | reported    | –                  | overdue  |         |
 * | 6 | B1      | 2020-02-29 23:59 Feb | dispute.neighbour   | closed      | 12 (1 March)       | +7 d     | yes     |
 * | 7 | B1      | 2020-03-01 00:00 Mar | dispute.neighbour   | closed      | 216                | +7 d     | no      |
 * | 8 | A1      | 2020-02-15 12:00     | dispute.labour      | reopened    | (resolved, reopened) | overdue |       |
 */
let t: TestContext;
let inspector: string;
let townshipPlanner: string;
let unitStaff: string;
const A = { township: '', v1: '', v2: '', grid1: 0, grid2: 0 };
const B = { township: '', v1: '', grid1: 0 };
let townshipCount = 0;

const H = 3_600_000;
const at = (iso: string, hours = 0) => new Date(Date.parse(iso) + hours * H).toISOString();

beforeAll(async () => {
  t = await createTestContext();
  const k = t.db.kysely;
  const { rows: towns } = await sql<{ code: string }>`select code from regions where level = 'township' order by code`.execute(k);
  townshipCount = towns.length;
  // two villages of the first township that have grids, one of the second
  const villagesOf = async (township: string) => (await sql<{ code: string; grid: number }>`
    select v.code, min(g.id) as grid from regions v join grids g on g.village_code = v.code and g.valid_to is null and g.layer_id = 1
    where v.parent_code = ${township} group by v.code order by v.code limit 2`.execute(k)).rows;
  A.township = towns[0].code;
  B.township = towns[1].code;
  const [a1, a2] = await villagesOf(A.township);
  const [b1] = await villagesOf(B.township);
  Object.assign(A, { v1: a1.code, v2: a2.code, grid1: Number(a1.grid), grid2: Number(a2.grid) });
  Object.assign(B, { v1: b1.code, grid1: Number(b1.grid) });
  const { rows: [unit] } = await sql<{ unitId: number }>`select p.unit_id from users u join people p on p.id = u.person_id where u.username = 'unit'`.execute(k);

  const rows: Array<[number, string, number, string, string, string, number, number | null, number | null, boolean]> = [
    // n, village, grid, created (UTC), category, final state, deadline hours, resolved after h, closed after h, police unit
    [1, A.v1, A.grid1, '2020-01-31T15:30:00Z', 'dispute.family', 'closed', 168, 72, 100, false],
    [2, A.v1, A.grid1, '2020-01-31T16:30:00Z', 'safety.fire', 'resolved', 24, 36, null, false],
    [3, A.v2, A.grid2, '2020-02-10T02:00:00Z', 'order.public', 'in_progress', 72, null, null, true],
    [4, A.v2, A.grid2, '2020-02-11T04:00:00Z', 'city.appearance', 'rejected', 72, null, null, false],
    [5, A.v1, A.grid1, '2020-02-12T04:00:00Z', 'campus.surroundings', 'reported', 72, null, null, false],
    [6, B.v1, B.grid1, '2020-02-29T15:59:00Z', 'dispute.neighbour', 'closed', 168, 12, 20, true],
    [7, B.v1, B.grid1, '2020-02-29T16:00:00Z', 'dispute.neighbour', 'closed', 168, 216, 220, false],
    [8, A.v1, A.grid1, '2020-02-15T04:00:00Z', 'dispute.labour', 'reopened', 168, 30, null, false],
  ];
  for (const [n, village, grid, created, category, state, deadline, resolvedAfter, closedAfter, police] of rows) {
    const { rows: [inc] } = await sql<{ id: number }>`
      insert into incidents (code, category, title, location, grid_id, region_code, state, unit_id, due_at, created_at, closed_at)
      select ${`T2020-${n}`}, ${category}, ${`测试事件${n}`}, ST_PointOnSurface(g.geom), g.id, ${village}, ${state},
        ${police ? unit.unitId : null}, ${at(created, deadline)}, ${created}, ${closedAfter === null ? null : at(created, closedAfter)}
      from grids g where g.id = ${grid} returning id`.execute(k);
    // the timeline as the workflow writes it: the trigger of migration 0013 keeps resolved_at
    const events: Array<[number, string | null, string]> = [[0, null, 'reported']];
    if (state !== 'reported') events.push([1, 'reported', state === 'rejected' ? 'rejected' : 'accepted']);
    if (resolvedAfter !== null) events.push([resolvedAfter, 'in_progress', 'resolved']);
    if (closedAfter !== null) events.push([closedAfter, 'resolved', 'closed']);
    if (state === 'reopened') events.push([resolvedAfter! + 5, 'resolved', 'reopened']);
    if (state === 'in_progress') events.push([2, 'accepted', 'in_progress']);
    // a note that changes no state leaves the resolution alone
    if (state === 'closed') events.push([closedAfter! + 1, 'closed', 'closed']);
    for (const [h, from, to] of events) {
      await sql`insert into incident_events (incident_id, at, action, from_state, to_state)
        values (${inc.id}, ${at(created, h)}, ${to}, ${from}, ${to})`.execute(k);
    }
  }

  await insertUser(k, { username: 'town_planner', displayName: '乡镇规划员', passwordHash: await hashPassword('town-pass-2026'),
    role: 'planner', scopeCode: A.township.slice(0, 9), personId: null });
  inspector = await t.login('inspector');
  townshipPlanner = await t.login('town_planner', 'town-pass-2026');
  unitStaff = await t.login('unit');
});
afterAll(async () => { await t?.close(); });

const county = () => `${A.township.slice(0, 6)}000000`;
const stats = (query: string, cookie = inspector) => t.get(`/api/stats/incidents?${query}`, cookie);
const YEAR_2020 = 'from=2020-01-01&to=2020-12-31';

describe('resolution time kept from the timeline', () => {
  it('is the time of the resolution that holds, and none for a reopened case', async () => {
    const { rows } = await sql<{ code: string; resolvedAt: Date | null }>`select code, resolved_at from incidents
      where code like 'T2020-%' order by code`.execute(t.db.kysely);
    const byCode = Object.fromEntries(rows.map((r) => [r.code, r.resolvedAt && new Date(r.resolvedAt).toISOString()]));
    expect(byCode['T2020-1']).toBe('2020-02-03T15:30:00.000Z');
    expect(byCode['T2020-2']).toBe('2020-02-02T04:30:00.000Z');
    expect(byCode['T2020-6']).toBe('2020-03-01T03:59:00.000Z');
    expect(byCode['T2020-8']).toBeNull();
    expect(byCode['T2020-3']).toBeNull();
  });
});

describe('GET /api/stats/incidents', () => {
  it('groups by month on Shanghai calendar days, with rates, on-time, mean time and overdue', async () => {
    const res = await stats(`region=${county()}&groupBy=month&from=2020-01-01&to=2020-03-31`);
    expect(res.status).toBe(200);
    expect(res.body.timeZone).toBe('Asia/Shanghai');
    expect(res.body.rows.map((r: any) => r.key)).toEqual(['2020-01', '2020-02', '2020-03']);
    const [jan, feb, mar] = res.body.rows;
    expect(jan).toMatchObject({ total: 1, acceptedTotal: 1, resolvedTotal: 1, resolutionRate: 1, onTimeRate: 1, meanHandlingHours: 72, overdueOpen: 0 });
    expect(feb).toMatchObject({
      total: 6, acceptedTotal: 4, resolvedTotal: 2, resolutionRate: 0.5, onTime: 1, onTimeRate: 0.5, meanHandlingHours: 24, overdueOpen: 3,
    });
    expect(feb.states).toMatchObject({ reported: 1, rejected: 1, in_progress: 1, resolved: 1, closed: 1, reopened: 1, accepted: 0 });
    expect(mar).toMatchObject({ total: 1, resolvedTotal: 1, onTimeRate: 0, meanHandlingHours: 216, overdueOpen: 0 });
    expect(res.body.summary).toMatchObject({
      total: 8, acceptedTotal: 6, resolvedTotal: 4, resolutionRate: 0.6667, onTime: 2, onTimeRate: 0.5, meanHandlingHours: 84, overdueOpen: 3,
    });
  });

  it('counts a period of local days: 1 February 00:00 to 29 February 24:00 in Shanghai', async () => {
    const res = await stats(`region=${county()}&groupBy=township&from=2020-02-01&to=2020-02-29`);
    expect(res.status).toBe(200);
    // #2 (00:30 on 1 Feb) and #6 (23:59 on 29 Feb) are in; #1 (23:30 on 31 Jan) and #7 (00:00 on 1 Mar) are out
    expect(res.body.summary.total).toBe(6);
    const a = res.body.rows.find((r: any) => r.key === A.township);
    const b = res.body.rows.find((r: any) => r.key === B.township);
    expect(a).toMatchObject({ total: 5, acceptedTotal: 3, resolvedTotal: 1, onTimeRate: 0, meanHandlingHours: 36 });
    expect(b).toMatchObject({ total: 1, resolvedTotal: 1, onTimeRate: 1, meanHandlingHours: 12 });
  });

  it('groups by township with a row for every township (zero rows for the choropleth)', async () => {
    const res = await stats(`region=${county()}&groupBy=township&${YEAR_2020}`);
    expect(res.body.rows).toHaveLength(townshipCount);
    const a = res.body.rows.find((r: any) => r.key === A.township);
    expect(a).toMatchObject({ total: 6, acceptedTotal: 4, resolvedTotal: 2, resolutionRate: 0.5, onTimeRate: 0.5, meanHandlingHours: 54, overdueOpen: 3 });
    expect(a.name).toMatch(/\S/);
    const b = res.body.rows.find((r: any) => r.key === B.township);
    expect(b).toMatchObject({ total: 2, acceptedTotal: 2, resolvedTotal: 2, resolutionRate: 1, onTimeRate: 0.5, meanHandlingHours: 114, overdueOpen: 0 });
    const empty = res.body.rows.find((r: any) => r.key !== A.township && r.key !== B.township);
    expect(empty).toMatchObject({ total: 0, resolutionRate: null, onTimeRate: null, meanHandlingHours: null });
  });

  it('groups a township by village and a village by grid', async () => {
    const villages = await stats(`region=${A.township}&groupBy=village&${YEAR_2020}`);
    expect(villages.status).toBe(200);
    expect(villages.body.rows.every((r: any) => r.key.startsWith(A.township.slice(0, 9)))).toBe(true);
    expect(villages.body.rows.find((r: any) => r.key === A.v1)).toMatchObject({ total: 4, resolvedTotal: 2, acceptedTotal: 3, overdueOpen: 2 });
    expect(villages.body.rows.find((r: any) => r.key === A.v2)).toMatchObject({ total: 2, acceptedTotal: 1, resolvedTotal: 0, resolutionRate: 0 });
    const grids = await stats(`region=${A.v1}&groupBy=grid&${YEAR_2020}`);
    expect(grids.body.rows).toHaveLength(1);
    expect(grids.body.rows[0]).toMatchObject({ key: String(A.grid1), total: 4 });
    expect(grids.body.rows[0].code).toMatch(new RegExp(`^${A.v1}\\d{3}$`));
  });

  it('groups by top-level category, or by sub-category inside one', async () => {
    const top = await stats(`region=${county()}&groupBy=category&${YEAR_2020}`);
    const byKey = Object.fromEntries(top.body.rows.map((r: any) => [r.key, r]));
    expect(byKey.dispute).toMatchObject({ total: 4, name: '矛盾纠纷', nameEn: 'Disputes', resolvedTotal: 3 });
    expect(byKey.safety.total).toBe(1);
    expect(byKey.emergency.total).toBe(0);
    expect(top.body.rows.every((r: any) => !r.key.includes('.'))).toBe(true);
    const sub = await stats(`region=${county()}&groupBy=category&category=dispute&${YEAR_2020}`);
    const subKeys = Object.fromEntries(sub.body.rows.map((r: any) => [r.key, r.total]));
    expect(subKeys).toMatchObject({ 'dispute.family': 1, 'dispute.neighbour': 2, 'dispute.labour': 1, 'dispute.medical': 0 });
    expect(sub.body.summary.total).toBe(4);
    // a category filter on another grouping
    const filtered = await stats(`region=${county()}&groupBy=township&category=dispute.neighbour&${YEAR_2020}`);
    expect(filtered.body.summary).toMatchObject({ total: 2, meanHandlingHours: 114 });
  });

  it('is scoped by row-level security: a township planner counts only their township, a unit only its cases', async () => {
    const planner = await stats(`region=${county()}&groupBy=township&${YEAR_2020}`, townshipPlanner);
    expect(planner.status).toBe(200);
    expect(planner.body.rows.map((r: any) => r.key)).toEqual([A.township]);
    expect(planner.body.summary.total).toBe(6);
    const other = await stats(`region=${B.township}&groupBy=village&${YEAR_2020}`, townshipPlanner);
    expect(other.status).toBe(404);
    const unit = await stats(`region=${county()}&groupBy=month&${YEAR_2020}`, unitStaff);
    expect(unit.body.summary).toMatchObject({ total: 2, resolvedTotal: 1, overdueOpen: 1 });
  });

  it('defaults to the caller\'s scope and the last twelve months', async () => {
    const res = await stats('groupBy=month');
    expect(res.status).toBe(200);
    expect(res.body.region.code).toBe(county());
    expect(res.body.rows).toHaveLength(12);
    // the demo county's incidents of the last year
    expect(res.body.summary.total).toBeGreaterThan(2000);
  });

  it('refuses bad input with a precise 400 or 404', async () => {
    const cases: Array<[string, number, RegExp]> = [
      ['groupBy=street', 400, /groupBy/],
      ['groupBy=month&from=2020-03-01&to=2020-02-01', 400, /from must not be after to/],
      ['groupBy=month&from=2020-02-30', 400, /not a real date/],
      ['groupBy=month&from=2000-01-01&to=2020-12-31', 400, /at most/],
      ['groupBy=month&category=nonsense', 400, /unknown incident category/],
      ['groupBy=month&region=990199000000', 404, /region/],
    ];
    for (const [query, status, detail] of cases) {
      const res = await stats(query);
      expect(res.status, query).toBe(status);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.body.detail, query).toMatch(detail);
    }
    expect((await t.get('/api/stats/incidents?groupBy=month')).status).toBe(401);
  });
});

describe('API description', () => {
  it('documents the endpoints and the definition of each rate', async () => {
    const doc = (await t.get('/api/openapi.json')).body;
    const stats = doc.paths['/api/stats/incidents'].get;
    expect(stats.description).toMatch(/resolutionRate \(化解率\) = resolvedTotal \/ acceptedTotal; rejected cases are excluded/);
    expect(Object.keys(doc.paths['/api/reports/{kind}'].get.responses['200'].content))
      .toEqual(['application/json', 'text/csv', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet']);
  });
});

describe('GET /api/reports/{kind}', () => {
  const report = (kind: string, query: string, cookie = inspector) => t.get(`/api/reports/${kind}?${query}`, cookie);
  const section = (body: any, key: string) => body.sections.find((s: any) => s.key === key);
  const item = (body: any, key: string) => section(body, 'summary').rows.find((r: any) => r.key === key)?.value;

  it('daily village screening: the local day\'s reports, what was resolved that day, the overdue list', async () => {
    const day1 = await report('daily', `region=${A.v1}&date=2020-02-01`);
    expect(day1.status).toBe(200);
    expect(day1.body).toMatchObject({ kind: 'daily', from: '2020-02-01', to: '2020-02-01', title: { zh: '村级日排查报表' } });
    expect(section(day1.body, 'reported').rows.map((r: any) => r.code)).toEqual(['T2020-2']);
    const day2 = await report('daily', `region=${A.v1}&date=2020-02-02`);
    expect(item(day2.body, 'total')).toBe(0);
    expect(item(day2.body, 'resolvedInPeriod')).toBe(1);
    const overdue = section(day2.body, 'overdue').rows.map((r: any) => r.code);
    // open and past due, longest overdue first (#5 due 15 Feb, #8 due 22 Feb)
    expect(overdue.slice(0, 2)).toEqual(['T2020-5', 'T2020-8']);
    expect(overdue).not.toContain('T2020-3');
  });

  it('weekly township meeting: Monday to Sunday, per village, against the week before', async () => {
    const res = await report('weekly', `region=${A.township}&date=2020-02-12`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ from: '2020-02-10', to: '2020-02-16' });
    expect(res.body.summary).toMatchObject({ total: 4, acceptedTotal: 2, resolvedTotal: 0, resolutionRate: 0 });
    expect(item(res.body, 'previousTotal')).toBe(0);
    const byRegion = section(res.body, 'byRegion');
    expect(byRegion.title.zh).toBe('分村（社区）情况');
    expect(byRegion.rows.find((r: any) => r.key === A.v2)).toMatchObject({ total: 2, open: 1 });
  });

  it('monthly county analysis: per township, per category with the change, twelve months', async () => {
    const res = await report('monthly', `region=${county()}&date=2020-02-20`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ from: '2020-02-01', to: '2020-02-29' });
    expect(res.body.summary.total).toBe(6);
    expect(item(res.body, 'previousTotal')).toBe(1);
    expect(item(res.body, 'lastYearTotal')).toBe(0);
    expect(section(res.body, 'byRegion').rows).toHaveLength(townshipCount);
    const dispute = section(res.body, 'byCategory').rows.find((r: any) => r.key === 'dispute');
    expect(dispute).toMatchObject({ total: 2, previousTotal: 1, change: 1 });
    const trend = section(res.body, 'trend').rows;
    expect(trend).toHaveLength(12);
    expect(trend[0].key).toBe('2019-03');
    expect(trend.slice(-2).map((r: any) => r.total)).toEqual([1, 6]);
    // the overdue list stops at 100 cases; the count in the summary does not
    const { rows: [{ n }] } = await sql<{ n: number }>`select count(*)::int as n from incidents
      where state in ('reported', 'accepted', 'dispatched', 'in_progress', 'escalated', 'reopened') and due_at < now()`.execute(t.db.kysely);
    expect(Number(n)).toBeGreaterThan(100);
    expect(item(res.body, 'overdueOpenNow')).toBe(Number(n));
    expect(section(res.body, 'overdue').rows).toHaveLength(100);
  });

  it('CSV: UTF-8 with a byte-order mark, Chinese headers, rates as percentages', async () => {
    const res = await t.app.request(`/api/reports/monthly?region=${county()}&date=2020-02-20&format=csv`, { headers: { cookie: inspector } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="monthly-\d{12}-2020-02-01_2020-02-29.csv"/);
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = new TextDecoder().decode(bytes).replace(/^\uFEFF/, '').split('\r\n');
    expect(lines[0]).toBe('县级月研判报表');
    const header = lines.findIndex((l) => l.startsWith('类别,'));
    expect(lines[header].split(',')).toEqual(['类别', '上报数', '上月上报数', '环比增减', '受理数', '化解数', '在办数', '化解率', '按期办结率', '平均办理时长(小时)', '逾期未办结']);
    const dispute = lines.slice(header).find((l) => l.startsWith('矛盾纠纷,'))!.split(',');
    expect(dispute.slice(0, 4)).toEqual(['矛盾纠纷', '2', '1', '1']);
    // #6 closed, #8 reopened: one of two accepted is resolved
    expect(dispute.slice(4, 8)).toEqual(['2', '1', '1', '50.0%']);
    const english = await t.app.request(`/api/reports/monthly?region=${county()}&date=2020-02-20&format=csv&lang=en`, { headers: { cookie: inspector } });
    expect((await english.text()).split('\r\n')[0]).toBe('County monthly analysis');
  });

  it('XLSX: a sheet per section that Excel (exceljs) reads back, with real numbers', async () => {
    const res = await t.app.request(`/api/reports/weekly?region=${A.township}&date=2020-02-12&format=xlsx`, { headers: { cookie: inspector } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(await res.arrayBuffer());
    expect(workbook.worksheets.map((s) => s.name)).toEqual(['总体情况', '分村（社区）情况', '分类情况', '逾期未办结事项（督办）']);
    const summary = workbook.getWorksheet('总体情况')!;
    const values = new Map<string, unknown>();
    summary.eachRow((row) => values.set(String(row.getCell(1).value), row.getCell(2).value));
    expect(values.get('上报数')).toBe(4);
    expect(values.get('化解率')).toBe(0);
    const villages = workbook.getWorksheet('分村（社区）情况')!;
    expect(villages.getRow(3).getCell(1).value).toBe('村（社区）');
    let found = false;
    villages.eachRow((row) => {
      if (row.getCell(2).value === 2 && row.getCell(5).value === 1) found = true;
    });
    expect(found).toBe(true);
    const overdue = workbook.getWorksheet('逾期未办结事项（督办）')!;
    let dueCell: unknown;
    overdue.eachRow((row) => { if (row.getCell(1).value === 'T2020-5') dueCell = row.getCell(8).value; });
    // 2020-02-15 12:00 local, as Excel's wall-clock time
    expect(dueCell).toEqual(new Date('2020-02-15T12:00:00Z'));
  });

  it('refuses an unknown kind or format', async () => {
    expect((await report('yearly', '')).status).toBe(400);
    expect((await report('daily', 'format=pdf')).status).toBe(400);
  });
});
