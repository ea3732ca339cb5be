import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PREFECTURE_NAME, generatePrefecture } from '../../server/generate/prefecture.ts';
import { type TestContext, createTestContext } from '../support/test-app.ts';

/**
 * Statistics and reports of a prefecture (a 4-digit scope, no row in `regions`): a prefecture-wide
 * account counts its counties' incidents, by county; a county's staff do not see the prefecture.
 * The prefecture is the demo county and one generated copy of it (its incidents copied, a few extra).
 */
let t: TestContext;
let prefecture: string;
let countyInspector: string;
const COUNTIES = ['990101000000', '990102000000'];
// a fixed period (no midnight between two requests can shift it) that holds every generated incident
const PERIOD = 'from=2021-01-01&to=2030-12-31';

beforeAll(async () => {
  t = await createTestContext();
  await generatePrefecture(t.db.kysely, { counties: 1, extraSites: 0, extraIncidents: 50 });
  prefecture = await t.login('prefecture');
  countyInspector = await t.login('inspector');
}, 300_000);
afterAll(async () => { await t?.close(); });

const stats = (query: string, cookie = prefecture) => t.get(`/api/stats/incidents?${query}`, cookie);
/** The figures that do not depend on the moment of the request (overdueOpen does: due_at < now()). */
const fixed = ({ total, states, acceptedTotal, resolvedTotal, onTime, resolutionRate, onTimeRate, meanHandlingHours }: any) =>
  ({ total, states, acceptedTotal, resolvedTotal, onTime, resolutionRate, onTimeRate, meanHandlingHours });

describe('statistics of a prefecture', () => {
  it('are the default of a prefecture-wide account, and answer region=9901', async () => {
    const byDefault = await stats('groupBy=month');
    expect(byDefault.status).toBe(200);
    expect(byDefault.body.region).toEqual({ code: '9901', name: PREFECTURE_NAME, level: 'prefecture' });
    const explicit = await stats(`region=9901&groupBy=month&${PERIOD}`);
    expect(explicit.status).toBe(200);
    expect(explicit.body.region.level).toBe('prefecture');
    expect(explicit.body.summary.total).toBeGreaterThan(2 * 2000);
  });

  it('group by county: both counties, each as counted alone, summing to the prefecture', async () => {
    const res = await stats(`region=9901&groupBy=county&${PERIOD}`);
    expect(res.status).toBe(200);
    expect(res.body.rows.map((r: any) => [r.key, r.code, r.name])).toEqual([
      [COUNTIES[0], COUNTIES[0], '平安示范县'], [COUNTIES[1], COUNTIES[1], '平安示范二县'],
    ]);
    for (const row of res.body.rows) {
      const alone = await stats(`region=${row.key}&groupBy=month&${PERIOD}`);
      expect(alone.status).toBe(200);
      expect(alone.body.region.level).toBe('county');
      expect(fixed(row)).toEqual(fixed(alone.body.summary));
      expect(row.total).toBeGreaterThan(2000);
    }
    // the rows of one answer add up to its summary, every figure (one query, one now())
    const [a, b] = res.body.rows;
    const s = res.body.summary;
    expect(a.total + b.total).toBe(s.total);
    expect(a.acceptedTotal + b.acceptedTotal).toBe(s.acceptedTotal);
    expect(a.resolvedTotal + b.resolvedTotal).toBe(s.resolvedTotal);
    expect(a.onTime + b.onTime).toBe(s.onTime);
    expect(a.overdueOpen + b.overdueOpen).toBe(s.overdueOpen);
    for (const state of Object.keys(s.states)) expect(a.states[state] + b.states[state], state).toBe(s.states[state]);
    // and the prefecture's summary is the same whatever the grouping
    const byMonth = await stats(`region=9901&groupBy=month&${PERIOD}`);
    expect(fixed(byMonth.body.summary)).toEqual(fixed(s));
  });

  it('lists every township of both counties (zero rows included) when grouped by township', async () => {
    const [all, first, second] = await Promise.all([
      stats(`region=9901&groupBy=township&${PERIOD}`),
      stats(`region=${COUNTIES[0]}&groupBy=township&${PERIOD}`),
      stats(`region=${COUNTIES[1]}&groupBy=township&${PERIOD}`),
    ]);
    expect(all.body.rows.map((r: any) => r.key)).toEqual([...first.body.rows, ...second.body.rows].map((r: any) => r.key));
  });

  it('is an unknown region for a county\'s staff, exactly like a prefecture that does not exist', async () => {
    for (const [query, cookie] of [
      [`region=9901&groupBy=county&${PERIOD}`, countyInspector],
      [`region=9902&groupBy=county&${PERIOD}`, countyInspector],
      [`region=9902&groupBy=county&${PERIOD}`, prefecture],
    ] as const) {
      const res = await stats(query, cookie);
      expect(res.status, query).toBe(404);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.body.detail).toMatch(/region/);
    }
    const report = await t.get('/api/reports/monthly?region=9901&format=csv', countyInspector);
    expect(report.status).toBe(404);
    expect(report.headers.get('content-type')).toContain('application/problem+json');
    // the county's own figures are still there, and a malformed code is a 400
    expect((await stats(`groupBy=county&${PERIOD}`, countyInspector)).body.rows.map((r: any) => r.key)).toEqual([COUNTIES[0]]);
    expect((await stats('region=99011&groupBy=county', prefecture)).status).toBe(400);
  });
});

describe('reports of a prefecture', () => {
  it('monthly: by county, as JSON and as CSV that reads back', async () => {
    const json = await t.get('/api/reports/monthly', prefecture);
    expect(json.status).toBe(200);
    expect(json.body.region).toEqual({ code: '9901', name: PREFECTURE_NAME, level: 'prefecture' });
    const byRegion = json.body.sections.find((s: any) => s.key === 'byRegion');
    expect(byRegion.title).toEqual({ zh: '分县（市、区）情况', en: 'By county' });
    expect(byRegion.rows.map((r: any) => r.key)).toEqual(COUNTIES);
    expect(byRegion.rows.reduce((n: number, r: any) => n + r.total, 0)).toBe(json.body.summary.total);

    const res = await t.app.request(`/api/reports/monthly?region=9901&date=${json.body.from}&format=csv`, { headers: { cookie: prefecture } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(/filename="monthly-9901-\d{4}-\d{2}-01_\d{4}-\d{2}-\d{2}\.csv"/);
    const lines = (await res.text()).replace(/^\uFEFF/, '').split('\r\n');
    expect(lines[0]).toBe('县级月研判报表');
    expect(lines.some((l) => l.startsWith(`区域,${PREFECTURE_NAME},9901`))).toBe(true);
    const header = lines.findIndex((l) => l.startsWith('县（市、区）,'));
    expect(header).toBeGreaterThan(0);
    const rows = lines.slice(header + 1, header + 3).map((l) => l.split(','));
    expect(rows.map((r) => r[0])).toEqual(['平安示范县', '平安示范二县']);
    expect(rows.map((r) => Number(r[1]))).toEqual(byRegion.rows.map((r: any) => r.total));
  });
});
