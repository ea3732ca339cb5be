import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checksumDifferences, databaseChecksum } from '../../server/ops/checksum.ts';
import { type BadCase, type WriteEndpoint, casesFor } from '../support/bad-input.ts';
import { type TestContext, createTestContext } from '../support/test-app.ts';

/**
 * The bad-input corpus over today's write endpoints: each case gets a 4xx problem+json, none a
 * 5xx, and the database's checksum (row counts and md5 per table) is the same afterwards.
 */
let t: TestContext;
let planner: string;
let member: string;
let endpoints: Array<WriteEndpoint & { as: string }>;
let at: [number, number];
const U = 987654321;

beforeAll(async () => {
  t = await createTestContext();
  planner = await t.login('planner');
  member = await t.login('member');
  const village = (await t.get('/api/auth/me', member)).body.user.scopeCode as string;
  const { rows: [g] } = await sql<{ id: number; x: number; y: number }>`select a.grid_id as id, ST_X(ST_PointOnSurface(gr.geom)) as x,
    ST_Y(ST_PointOnSurface(gr.geom)) as y from grid_assignments a join users u on u.person_id = a.person_id join grids gr on gr.id = a.grid_id
    where u.username = 'member' and a.valid_to is null order by a.grid_id limit 1`.execute(t.db.kysely);
  at = [Number(g.x), Number(g.y)];
  const gridId = Number(g.id);
  const { rows: [site] } = await sql<{ id: number }>`select id from sites where grid_id = ${gridId} order by id limit 1`.execute(t.db.kysely);
  const { rows: [person] } = await sql<{ id: number }>`select person_id as id from grid_assignments where grid_id = ${gridId} and valid_to is null limit 1`.execute(t.db.kysely);
  // an open draft held by the planner, made before the checksum
  const plan = await (await t.app.request('/api/plans', { method: 'POST', headers: { cookie: planner, 'content-type': 'application/json' },
    body: JSON.stringify({ region: village }) })).json() as any;
  const planGrid = plan.grids.features.find((f: any) => f.properties.sourceGridId === gridId).id;
  const other = plan.grids.features.find((f: any) => f.id !== planGrid).id;
  const square = { type: 'Polygon', coordinates: [[[at[0] - 1e-3, at[1] - 1e-3], [at[0] + 1e-3, at[1] - 1e-3], [at[0] + 1e-3, at[1] + 1e-3], [at[0] - 1e-3, at[1] + 1e-3], [at[0] - 1e-3, at[1] - 1e-3]]] };
  const line = { type: 'LineString', coordinates: [[at[0], at[1] - 0.05], [at[0], at[1] + 0.05]] };
  const p = `/api/plans/${plan.id}`;
  endpoints = [
    { as: 'planner', method: 'POST', path: '/api/sites', valid: { category: 'water', name: '语料测试', geometry: square }, required: ['category', 'name', 'geometry'], geometries: ['geometry'], codes: ['category'] },
    { as: 'planner', method: 'PATCH', path: `/api/sites/${site.id}`, unknownPath: `/api/sites/${U}`, valid: { geometry: { type: 'Point', coordinates: at }, version: 999 }, codes: [] },
    { as: 'planner', method: 'PATCH', path: `/api/sites/${site.id}`, valid: { category: 'water', geometry: square, version: 1 }, geometries: ['geometry'], codes: ['category'] },
    { as: 'planner', method: 'DELETE', path: `/api/sites/${site.id}?version=999`, unknownPath: `/api/sites/${U}` },
    { as: 'planner', method: 'POST', path: '/api/plans', valid: { region: village }, required: ['region'], codes: ['region'] },
    { as: 'planner', method: 'DELETE', path: `/api/plans/${U}`, unknownPath: `/api/plans/${U}` },
    { as: 'planner', method: 'POST', path: `${p}/grids`, unknownPath: `/api/plans/${U}/grids`, valid: { geometry: square, version: 999 }, required: ['geometry'], geometries: ['geometry'], codes: ['villageCode'] },
    { as: 'planner', method: 'PATCH', path: `${p}/grids/${planGrid}`, unknownPath: `${p}/grids/${U}`, valid: { geometry: square, follow: true, version: 999 }, geometries: ['geometry'] },
    { as: 'planner', method: 'DELETE', path: `${p}/grids/${planGrid}?version=999`, unknownPath: `${p}/grids/${U}` },
    { as: 'planner', method: 'POST', path: `${p}/split`, unknownPath: `/api/plans/${U}/split`, valid: { gridId: planGrid, line, version: 999 }, required: ['gridId', 'line'], geometries: ['line'] },
    { as: 'planner', method: 'POST', path: `${p}/merge`, unknownPath: `/api/plans/${U}/merge`, valid: { gridIds: [planGrid, U], version: 999 }, required: ['gridIds'] },
    { as: 'planner', method: 'POST', path: `${p}/import`, unknownPath: `/api/plans/${U}/import`, valid: { type: 'FeatureCollection', features: [{ type: 'Feature', geometry: square, properties: {} }], version: 999 }, required: ['features'] },
    { as: 'planner', method: 'POST', path: `${p}/undo`, unknownPath: `/api/plans/${U}/undo` },
    { as: 'planner', method: 'POST', path: `${p}/publish`, unknownPath: `/api/plans/${U}/publish` },
    { as: 'planner', method: 'POST', path: '/api/people', valid: { name: '语料测试', phone: '13800000000', villageCode: '990101999999' }, required: ['name'], codes: ['phone', 'villageCode', 'gender'] },
    { as: 'planner', method: 'POST', path: `/api/grids/${gridId}/assignments`, unknownPath: `/api/grids/${U}/assignments`, valid: { personId: U, duty: 'leader' }, required: ['personId', 'duty'], codes: ['duty', 'validFrom'] },
    { as: 'planner', method: 'DELETE', path: `/api/grids/${gridId}/assignments?personId=${U}`, unknownPath: `/api/grids/${U}/assignments?personId=${person.id}` },
    { as: 'planner', method: 'DELETE', path: `/api/grids/${gridId}/assignments/${U}`, unknownPath: `/api/grids/${gridId}/assignments/${U}` },
    { as: 'planner', method: 'POST', path: `/api/grids/${gridId}/assignments/handover`, unknownPath: `/api/grids/${U}/assignments/handover`, valid: { fromPersonId: person.id, toPersonId: person.id, duty: 'leader' }, required: ['fromPersonId', 'toPersonId', 'duty'], codes: ['duty'] },
    { as: 'member', method: 'POST', path: '/api/patrols', valid: { siteId: U, lon: at[0], lat: at[1] }, required: ['siteId', 'lon', 'lat'], codes: ['at'] },
    { as: 'planner', method: 'POST', path: '/api/auth/password', valid: { currentPassword: 'demo-2026', newPassword: 'short' }, required: ['currentPassword', 'newPassword'] },
    { as: 'planner', method: 'POST', path: '/api/auth/login', valid: { username: 'nobody-corpus', password: 'wrong' }, required: ['username', 'password'], codes: ['username'] },
  ];
}, 240_000);
afterAll(async () => { await t?.close(); });

/** Extra cases that are not about shapes: workflow transitions and uploads. */
function specialCases(): BadCase[] {
  const zip = (bytes: number[]) => new Uint8Array(bytes);
  return [
    { name: 'shapefile import: not a zip', method: 'POST', path: '/api/plans/1/import/shapefile', body: 'not a zip', contentType: 'application/zip' },
    { name: 'shapefile import: empty zip', method: 'POST', path: '/api/plans/1/import/shapefile', body: zip([80, 75, 5, 6, ...new Array(18).fill(0)]), contentType: 'application/zip' },
    { name: 'people import: wrong media type', method: 'POST', path: '/api/people/import', body: '{}', contentType: 'application/json' },
    { name: 'people import: rows with errors', method: 'POST', path: '/api/people/import', body: 'name,phone,village\n,abc,990101999999\n', contentType: 'text/csv' },
    { name: 'site import: no file', method: 'POST', path: '/api/imports', body: 'kind=sites', contentType: 'application/x-www-form-urlencoded' },
  ];
}

async function run(c: BadCase, cookie: string) {
  const headers: Record<string, string> = { cookie };
  if (c.contentType && c.body !== undefined) headers['content-type'] = c.contentType;
  const res = await t.app.request(c.path, { method: c.method, headers, body: c.body });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type') ?? '', text };
}

describe('bad-input corpus', () => {
  it('refuses every case with a 4xx problem+json, never a 5xx, and changes nothing', async () => {
    const cases: Array<BadCase & { as: string }> = [
      ...endpoints.flatMap((e) => casesFor(e, at).map((c) => ({ ...c, as: e.as }))),
      ...specialCases().map((c) => ({ ...c, as: 'planner' })),
    ];
    const before = await databaseChecksum(t.db.kysely, { exclude: ['sessions'] });
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    let fiveXX = 0;
    for (const c of cases) {
      const res = await run(c, c.as === 'member' ? member : planner);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status >= 500) fiveXX++;
      if (res.status < 400 || res.status >= 500) failures.push(`${c.name} → ${res.status} ${res.text.slice(0, 160)}`);
      else if (!res.type.startsWith('application/problem+json')) failures.push(`${c.name} → ${res.status} as ${res.type}`);
      else {
        const problem = JSON.parse(res.text);
        if (!problem.type?.startsWith('/problems/') || !problem.title || !problem.detail) failures.push(`${c.name} → an incomplete problem ${res.text.slice(0, 100)}`);
      }
    }
    const after = await databaseChecksum(t.db.kysely, { exclude: ['sessions'] });
    console.log(`bad-input corpus: ${cases.length} cases over ${endpoints.length} endpoint descriptions + ${specialCases().length} uploads/workflow; ` +
      `5xx seen: ${fiveXX}; statuses ${[...statuses].sort().map(([s, n]) => `${s}×${n}`).join(' ')}`);
    expect(failures.join('\n')).toBe('');
    expect(checksumDifferences(before, after)).toEqual([]);
    expect(cases.length).toBeGreaterThanOrEqual(200);
  }, 600_000);

  it('stores injection strings verbatim as data and answers them back as JSON text', async () => {
    const name = `'); drop table sites; -- <script>alert("x")</script> ${'${7*7}'}`;
    const res = await t.app.request('/api/sites', { method: 'POST', headers: { cookie: planner, 'content-type': 'application/json' },
      body: JSON.stringify({ category: 'water', name, geometry: { type: 'Point', coordinates: at }, attrs: { kind: 'pond', river: "1' or '1'='1" } }) });
    const site = await res.json() as any;
    expect(res.status, JSON.stringify(site)).toBe(201);
    const back = await t.get(`/api/sites/${site.id}`, planner);
    expect(back.headers.get('content-type')).toMatch(/^application\/json/);
    expect(back.body.properties.name).toBe(name);
    expect(back.body.properties.attrs.river).toBe("1' or '1'='1");
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from sites`.execute(t.db.kysely);
    expect(rows[0].n).toBeGreaterThan(100);
  });
});
