import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PREFECTURE_NAME, generatePrefecture } from '../../server/generate/prefecture.ts';
import { type TestContext, createTestContext } from '../support/test-app.ts';

/**
 * A prefecture-wide account (scope 9901) beyond the statistics: the staffing report, patrol
 * compliance, the people directory and "who am I" work on the prefecture, its counties as rows; a
 * county's staff get the 404 of an unknown region for it. One generated two-county prefecture (the
 * demo county and one copy) for the whole file.
 */
let t: TestContext;
let prefecture: string;
let prefectureAdmin: string;
let countyInspector: string;
const COUNTIES = ['990101000000', '990102000000'];
const COUNTY_NAMES = ['平安示范县', '平安示范二县'];

/** A local day (Asia/Shanghai) some days ago: a period that has ended has no pending slots, whenever it is asked. */
const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' });
const PERIOD = `from=${daysAgo(8)}&to=${daysAgo(2)}`;

beforeAll(async () => {
  t = await createTestContext();
  await generatePrefecture(t.db.kysely, { counties: 1, extraSites: 0, extraIncidents: 50 });
  [prefecture, prefectureAdmin, countyInspector] = await Promise.all([t.login('prefecture'), t.login('prefecture-admin'), t.login('inspector')]);
}, 300_000);
afterAll(async () => { await t?.close(); });

/** 404 as for a region that does not exist: a problem whose detail names the region. */
function expectUnknownRegion(res: { status: number; body: any; headers: Headers }, what: string) {
  expect(res.status, what).toBe(404);
  expect(res.headers.get('content-type'), what).toContain('application/problem+json');
  expect(res.body.detail, what).toMatch(/region/);
}

describe('who am I, for a prefecture-wide account', () => {
  it('names the prefecture (the top bar shows it), at sign-in and afterwards', async () => {
    for (const cookie of [prefecture, prefectureAdmin]) {
      const me = await t.get('/api/auth/me', cookie);
      expect(me.status).toBe(200);
      expect(me.body.user).toMatchObject({ scopeCode: '9901', scopeName: PREFECTURE_NAME });
    }
    const login = await t.app.request('/api/auth/login', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'prefecture', password: 'demo-2026' }),
    });
    expect(((await login.json()) as any).user).toMatchObject({ scopeCode: '9901', scopeName: PREFECTURE_NAME });
    // a county account still gets its county's name
    expect((await t.get('/api/auth/me', countyInspector)).body.user).toMatchObject({ scopeCode: '990101', scopeName: COUNTY_NAMES[0] });
  });
});

describe('staffing report of a prefecture', () => {
  it('is the default of a prefecture-wide account: both counties as rows, each as in its own report', async () => {
    const all = await t.get('/api/staffing', prefectureAdmin);
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ region: '9901', name: PREFECTURE_NAME, level: 'prefecture' });
    expect(all.body.counties.map((c: any) => [c.code, c.name])).toEqual(COUNTIES.map((c, i) => [c, COUNTY_NAMES[i]]));
    expect((await t.get('/api/staffing?region=9901', prefecture)).body.counties).toEqual(all.body.counties);

    const own = await Promise.all(COUNTIES.map((code) => t.get(`/api/staffing?region=${code}`, prefectureAdmin)));
    for (const [i, county] of own.entries()) {
      expect(county.status).toBe(200);
      expect(county.body).toMatchObject({ region: COUNTIES[i], name: COUNTY_NAMES[i], level: 'county' });
      const { grids, noMember, noLeader, withOverloadedMember } = county.body.summary;
      expect(grids).toBeGreaterThan(1000);
      expect(all.body.counties[i]).toMatchObject({ grids, noMember, noLeader, withOverloadedMember });
      expect(county.body.counties.map((c: any) => c.code)).toEqual([COUNTIES[i]]);
    }
    // the prefecture adds them up
    expect(all.body.summary.grids).toBe(own[0].body.summary.grids + own[1].body.summary.grids);
    expect(all.body.summary.noLeader).toBe(own[0].body.summary.noLeader + own[1].body.summary.noLeader);
    expect(all.body.townships.map((r: any) => r.code)).toEqual([...own[0].body.townships, ...own[1].body.townships].map((r: any) => r.code));
    expect(all.body.problemGrids.features.length).toBe(own[0].body.problemGrids.features.length + own[1].body.problemGrids.features.length);
  });

  it('is an unknown region for a county\'s staff, exactly like a prefecture that does not exist', async () => {
    expectUnknownRegion(await t.get('/api/staffing?region=9901', countyInspector), 'county inspector, 9901');
    expectUnknownRegion(await t.get('/api/staffing?region=9902', countyInspector), 'county inspector, 9902');
    expectUnknownRegion(await t.get('/api/staffing?region=9902', prefectureAdmin), 'prefecture admin, 9902');
    // their own report is still the county's, and a malformed code is a 400
    const own = await t.get('/api/staffing', countyInspector);
    expect(own.body).toMatchObject({ region: COUNTIES[0], level: 'county' });
    expect((await t.get('/api/staffing?region=99011', prefectureAdmin)).status).toBe(400);
  });
});

describe('patrol compliance of a prefecture', () => {
  it('has a row per county, each as in the county\'s own report, adding up to the prefecture', async () => {
    const all = await t.get(`/api/patrols/compliance?${PERIOD}`, prefecture);
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ region: '9901', name: PREFECTURE_NAME, level: 'prefecture', from: daysAgo(8), to: daysAgo(2) });
    expect(all.body.counties.map((c: any) => [c.code, c.name])).toEqual(COUNTIES.map((c, i) => [c, COUNTY_NAMES[i]]));
    for (const [i, code] of COUNTIES.entries()) {
      const own = await t.get(`/api/patrols/compliance?region=${code}&${PERIOD}`, prefecture);
      expect(own.status).toBe(200);
      expect(own.body.level).toBe('county');
      expect(own.body.summary.due).toBeGreaterThan(0);
      expect(own.body.summary.pending).toBe(0);
      expect(all.body.counties[i]).toEqual({ code, name: COUNTY_NAMES[i], ...own.body.summary });
    }
    const [a, b] = all.body.counties;
    for (const key of ['grids', 'due', 'done', 'missed', 'pending']) expect(a[key] + b[key], key).toBe(all.body.summary[key]);
    // the members of both counties are listed, each with the region they belong to (names repeat across counties)
    const counties = new Set(all.body.members.map((m: any) => m.regionCode.slice(0, 6)));
    expect([...counties].sort()).toEqual(['990101', '990102']);
    expect(all.body.members.length).toBeGreaterThan(
      (await t.get(`/api/patrols/compliance?region=${COUNTIES[0]}&${PERIOD}`, prefecture)).body.members.length);
  });

  it('is an unknown region for a county\'s staff; a county\'s report keeps its own county', async () => {
    expectUnknownRegion(await t.get(`/api/patrols/compliance?region=9901&${PERIOD}`, countyInspector), 'compliance, county inspector');
    expectUnknownRegion(await t.get(`/api/patrols/compliance?region=9902&${PERIOD}`, prefecture), 'compliance, 9902');
    expectUnknownRegion(await t.get('/api/patrols?region=9901', countyInspector), 'check-ins, county inspector');
    expect((await t.get('/api/patrols?region=9901', prefecture)).status).toBe(200);
    const own = await t.get(`/api/patrols/compliance?${PERIOD}`, countyInspector);
    expect(own.body).toMatchObject({ region: COUNTIES[0], level: 'county' });
    expect(own.body.counties.map((c: any) => c.code)).toEqual([COUNTIES[0]]);
  });
});

describe('the people directory of a prefecture', () => {
  it('searches both counties for a prefecture-wide account, and is an unknown region for a county\'s', async () => {
    const all = await t.get('/api/people?village=9901&limit=1', prefectureAdmin);
    expect(all.status).toBe(200);
    const counts = await Promise.all(COUNTIES.map(async (code) => (await t.get(`/api/people?village=${code}&limit=1`, prefectureAdmin)).body.total));
    expect(counts[0]).toBeGreaterThan(100);
    expect(all.body.total).toBe(counts[0] + counts[1]);
    expectUnknownRegion(await t.get('/api/people?village=9901', countyInspector), 'people, county inspector');
  });
});

describe('the generated counties differ', () => {
  it('in the figures of the statistics by county', async () => {
    const res = await t.get('/api/stats/incidents?region=9901&groupBy=county', prefecture);
    expect(res.status).toBe(200);
    const [demo, copy] = res.body.rows;
    expect([demo.name, copy.name]).toEqual(COUNTY_NAMES);
    expect(copy.total).not.toBe(demo.total);
    const months = await Promise.all(COUNTIES.map(async (code) =>
      (await t.get(`/api/stats/incidents?region=${code}&groupBy=month`, prefecture)).body.rows.map((r: any) => r.total)));
    expect(months[0].length).toBe(months[1].length);
    expect(months[0].filter((n: number, i: number) => n !== months[1][i]).length).toBeGreaterThan(6);
  });
});

describe('rules and exports over a prefecture', () => {
  const post = async (path: string, cookie: string) => {
    const r = await t.app.request(path, { method: 'POST', headers: { cookie } });
    return { status: r.status, headers: r.headers, body: await r.json() as any };
  };
  /** No internet café within 200 m of a school: 10 planted violations in the demo county, 10 in its copy. */
  const cafeRule = async () => (await t.get('/api/rules', prefecture)).body.items.find((r: any) => r.code === 'internet-cafe-school-200');

  it('runs the 200 m rule over the prefecture: both counties\' violations, as each county gives them', async () => {
    const rule = await cafeRule();
    const whole = await post(`/api/rules/${rule.id}/run?region=9901`, prefecture);
    expect(whole.status).toBe(200);
    const perCounty = await Promise.all(COUNTIES.map((code) => post(`/api/rules/${rule.id}/run?region=${code}`, prefecture)));
    expect(perCounty.map((r) => r.status)).toEqual([200, 200]);
    expect(perCounty[0].body.features.length).toBeGreaterThan(0);
    expect(whole.body.features.length).toBe(perCounty[0].body.features.length + perCounty[1].body.features.length);
    // a county's inspector: the prefecture is an unknown region
    expectUnknownRegion(await post(`/api/rules/${rule.id}/run?region=9901`, countyInspector), 'rule run');
  });

  it('exports the prefecture\'s violations and sites; a county account gets 404 for it', async () => {
    const rule = await cafeRule();
    const csv = await t.app.request(`/api/exports?kind=violations&rule=${rule.id}&region=9901&format=csv`, { headers: { cookie: prefecture } });
    expect(csv.status).toBe(200);
    const lines = (await csv.text()).trimEnd().split('\r\n');
    const run = await post(`/api/rules/${rule.id}/run?region=9901`, prefecture);
    expect(lines.length - 1).toBe(run.body.features.length);
    const sites = await t.app.request('/api/exports?kind=sites&region=9901&format=geojson&category=school', { headers: { cookie: prefecture } });
    expect(sites.status).toBe(200);
    const schools = (await sites.json() as any).features;
    expect(new Set(schools.map((f: any) => f.properties.regionCode.slice(0, 6)))).toEqual(new Set(['990101', '990102']));
    const refused = await t.app.request('/api/exports?kind=sites&region=9901&format=geojson', { headers: { cookie: countyInspector } });
    expect(refused.status).toBe(404);
  });
});
