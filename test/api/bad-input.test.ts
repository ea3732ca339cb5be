import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import sharp from 'sharp';
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
let cookies: Record<string, string>;
let special: Array<BadCase & { as: string; status: number }> = [];
const photoDir = mkdtempSync(path.join(tmpdir(), 'pingan-corpus-photos-'));
let endpoints: Array<WriteEndpoint & { as: string }>;
let at: [number, number];
const U = 987654321;

beforeAll(async () => {
  process.env.PHOTO_DIR = photoDir;
  t = await createTestContext();
  planner = await t.login('planner');
  member = await t.login('member');
  cookies = { planner, member, dispatcher: await t.login('dispatcher'), admin: await t.login('admin') };
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

  // incidents, made before the checksum: A reported, B accepted, C escalated to the county, and an
  // open rule-violation case (reporting the same violation again is a conflict)
  const call = async (method: string, url: string, body: unknown, cookie = cookies.dispatcher) => {
    const res = await t.app.request(url, { method, headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const json = await res.json() as any;
    if (res.status >= 300) throw new Error(`corpus fixture ${method} ${url}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  const report = () => call('POST', '/api/incidents', { category: 'order.public', title: '语料测试事件', location: { type: 'Point', coordinates: at } });
  const [a, b, cc] = [await report(), await report(), await report()];
  await call('POST', `/api/incidents/${b.id}/actions`, { action: 'accept' });
  await call('POST', `/api/incidents/${cc.id}/actions`, { action: 'escalate' });
  await call('POST', `/api/incidents/${cc.id}/actions`, { action: 'escalate' });
  const { rows: [rule] } = await sql<{ id: number }>`select id from rules order by id limit 1`.execute(t.db.kysely);
  const violation = { ruleId: Number(rule.id), subjectId: Number(site.id), targetId: null };
  await call('POST', '/api/incidents/from-rule', violation);
  const { rows: [patrolRule] } = await sql<{ id: number }>`select id from patrol_rules order by id limit 1`.execute(t.db.kysely);
  const i = `/api/incidents/${a.id}`;
  endpoints.push(
    { as: 'dispatcher', method: 'POST', path: '/api/incidents', valid: { category: 'order.public', title: '语料', location: { type: 'Point', coordinates: at }, priority: 'normal', attrs: { people: 2 } },
      required: ['category', 'title', 'location'], points: ['location'], codes: ['category', 'priority'] },
    // the valid body closes a reported incident with a stale version: every variant is refused even if its field were accepted
    { as: 'dispatcher', method: 'POST', path: `${i}/actions`, unknownPath: `/api/incidents/${U}/actions`,
      valid: { action: 'close', note: '语料', unitId: U, version: 999, data: { satisfied: true } }, required: ['action'], codes: ['action'] },
    { as: 'dispatcher', method: 'POST', path: '/api/incidents/from-rule', valid: { ruleId: Number(rule.id), subjectId: U, targetId: null, distanceM: 12.5, category: 'campus.venues' },
      required: ['ruleId', 'subjectId', 'targetId'], codes: ['category'] },
    { as: 'dispatcher', method: 'POST', path: '/api/grids/locate', valid: { points: [at], layer: 'comprehensive' }, required: ['points'], positions: ['points'], codes: ['layer'] },
    // a window that ends before it starts: refused whatever else is accepted
    { as: 'admin', method: 'PATCH', path: `/api/patrol-rules/${patrolRule.id}`, unknownPath: `/api/patrol-rules/${U}`,
      valid: { months: [6, 7, 8], weekdays: [1, 2, 3], windows: ['09:00-08:00'], maxDistanceM: 100, enabled: true }, codes: [] },
  );
  special = await incidentCases({ a: a.id, b: b.id, c: cc.id, violation, patrolRule: Number(patrolRule.id) });
}, 240_000);
afterAll(async () => {
  await t?.close();
  rmSync(photoDir, { recursive: true, force: true });
});

/** A case with the precise status it must get. */
type SpecialCase = BadCase & { as: string; status: number };

/** A multipart body as bytes with its content type (boundary included). */
async function multipart(fields: Record<string, string | File>): Promise<{ body: Uint8Array; contentType: string }> {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  const request = new Request('http://corpus.invalid/', { method: 'POST', body: form });
  return { body: new Uint8Array(await request.arrayBuffer()), contentType: request.headers.get('content-type')! };
}

/** Workflow, photo, import, export, statistics and report cases that the generator cannot derive. */
async function incidentCases(ids: { a: number; b: number; c: number; violation: Record<string, unknown>; patrolRule: number }): Promise<SpecialCase[]> {
  const cases: SpecialCase[] = [];
  const json = (status: number, as: string, name: string, method: string, p: string, body: unknown) =>
    cases.push({ status, as, name, method, path: p, body: JSON.stringify(body), contentType: 'application/json' });
  const act = (status: number, name: string, id: number, body: unknown, as = 'dispatcher') => json(status, as, `incident workflow: ${name}`, 'POST', `/api/incidents/${id}/actions`, body);
  act(409, 'close a reported incident (illegal transition)', ids.a, { action: 'close' });
  act(409, 'confirm a reported incident (illegal transition)', ids.a, { action: 'confirm', data: { satisfied: true } });
  act(403, 'start: not the centre\'s step', ids.a, { action: 'start' });
  act(403, 'resolve: not the centre\'s step', ids.a, { action: 'resolve', note: '已处理' });
  act(409, 'accept at a stale version', ids.a, { action: 'accept', version: 7 });
  act(422, 'reject without a reason', ids.a, { action: 'reject' });
  act(422, 'reject with a blank reason', ids.a, { action: 'reject', note: '   ' });
  act(422, 'duplicate of itself', ids.a, { action: 'duplicate', data: { duplicateOf: ids.a } });
  act(422, 'duplicate of an unknown incident', ids.a, { action: 'duplicate', data: { duplicateOf: U } });
  act(422, 'duplicate without the original', ids.a, { action: 'duplicate' });
  act(422, 'duplicate of "abc"', ids.a, { action: 'duplicate', data: { duplicateOf: 'abc' } });
  act(422, 'dispatch to an unknown unit', ids.b, { action: 'dispatch', unitId: U });
  act(400, 'dispatch to unit -1', ids.b, { action: 'dispatch', unitId: -1 });
  act(400, 'dispatch to unit 1.5', ids.b, { action: 'dispatch', unitId: 1.5 });
  act(409, 'escalate past the county', ids.c, { action: 'escalate' });
  act(400, 'unknown action', ids.a, { action: 'delete' });
  act(400, 'note past 5,000 characters', ids.a, { action: 'accept', note: '长'.repeat(5001) });
  act(400, 'version 0', ids.a, { action: 'accept', version: 0 });
  act(400, 'data as an array', ids.a, { action: 'accept', data: [1] });
  act(403, 'a grid member accepts', ids.a, { action: 'accept' }, 'member');
  json(409, 'dispatcher', 'from-rule: the same open violation again', 'POST', '/api/incidents/from-rule', ids.violation);
  json(422, 'dispatcher', 'from-rule: unknown category', 'POST', '/api/incidents/from-rule', { ...ids.violation, targetId: ids.violation.subjectId, category: 'nothing.here' });
  json(400, 'dispatcher', 'from-rule: negative distance', 'POST', '/api/incidents/from-rule', { ...ids.violation, distanceM: -5 });
  json(404, 'dispatcher', 'from-rule: unknown rule', 'POST', '/api/incidents/from-rule', { ...ids.violation, ruleId: U });
  json(422, 'dispatcher', 'incident: unknown category', 'POST', '/api/incidents', { category: 'nothing.here', title: 'x', location: { type: 'Point', coordinates: at } });
  json(422, 'dispatcher', 'incident: extra fields against the category schema', 'POST', '/api/incidents', { category: 'order.public', title: 'x', location: { type: 'Point', coordinates: at }, attrs: { people: -1, colour: 'red' } });
  json(400, 'dispatcher', 'incident: blank title', 'POST', '/api/incidents', { category: 'order.public', title: '   ', location: { type: 'Point', coordinates: at } });
  json(400, 'dispatcher', 'incident: caller phone with letters', 'POST', '/api/incidents', { category: 'order.public', title: 'x', location: { type: 'Point', coordinates: at }, caller: { name: '张三', phone: "1' or '1'='1" } });
  json(422, 'dispatcher', 'incident: a point in no grid', 'POST', '/api/incidents', { category: 'order.public', title: 'x', location: { type: 'Point', coordinates: [10, 10] } });
  json(403, 'member', 'incident: a member reports outside their grids', 'POST', '/api/incidents', { category: 'order.public', title: 'x', location: { type: 'Point', coordinates: [10, 10] } });
  json(403, 'planner', 'incident: a planner reports', 'POST', '/api/incidents', { category: 'order.public', title: 'x', location: { type: 'Point', coordinates: at } });
  json(400, 'admin', 'patrol rule: 25:00', 'PATCH', `/api/patrol-rules/${ids.patrolRule}`, { windows: ['25:00-26:00'] });
  json(400, 'admin', 'patrol rule: month 13', 'PATCH', `/api/patrol-rules/${ids.patrolRule}`, { months: [13] });
  json(400, 'admin', 'patrol rule: weekday 0', 'PATCH', `/api/patrol-rules/${ids.patrolRule}`, { weekdays: [0] });
  json(400, 'admin', 'patrol rule: a million metres', 'PATCH', `/api/patrol-rules/${ids.patrolRule}`, { maxDistanceM: 1e6 });
  json(400, 'admin', 'patrol rule: NaN metres', 'PATCH', `/api/patrol-rules/${ids.patrolRule}`, { maxDistanceM: 'NaN' });
  json(400, 'admin', 'patrol rule: an unknown field', 'PATCH', `/api/patrol-rules/${ids.patrolRule}`, { code: 'x' });
  json(400, 'admin', 'patrol rule: no windows', 'PATCH', `/api/patrol-rules/${ids.patrolRule}`, { windows: [] });
  json(403, 'planner', 'patrol rule: changed by a planner', 'PATCH', `/api/patrol-rules/${ids.patrolRule}`, { enabled: false });

  // photos (multipart), as the dispatcher on incident A
  const png = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#08f' } }).png().toBuffer();
  const file = (bytes: Uint8Array | string, name: string, type: string) => new File([typeof bytes === 'string' ? bytes : new Uint8Array(bytes)], name, { type });
  const gif = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
  const photo = async (status: number, name: string, fields: Record<string, string | File>, id = ids.a, as = 'dispatcher') =>
    cases.push({ status, as, name: `photo: ${name}`, method: 'POST', path: `/api/incidents/${id}/photos`, ...await multipart(fields) });
  await photo(400, 'no file field', { note: 'x' });
  await photo(400, 'file sent as a text field', { file: 'not a file' });
  await photo(415, 'a text file named .png', { file: file('hello', 'x.png', 'image/png') });
  await photo(400, 'an empty file', { file: file(new Uint8Array(0), 'x.png', 'image/png') });
  await photo(415, 'a truncated PNG', { file: file(png.subarray(0, 60), 'x.png', 'image/png') });
  await photo(415, 'a GIF', { file: file(gif, 'x.gif', 'image/gif') });
  await photo(415, 'an SVG with a script', { file: file('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>', 'x.svg', 'image/svg+xml') });
  await photo(413, '11 MB (over the 10 MB limit)', { file: file(new Uint8Array(11 * 1024 * 1024).fill(7), 'x.png', 'image/png') });
  await photo(404, 'on an unknown incident', { file: file(png, 'x.png', 'image/png') }, U);
  await photo(403, 'by a planner', { file: file(png, 'x.png', 'image/png') }, ids.a, 'planner');
  cases.push({ status: 415, as: 'dispatcher', name: 'photo: JSON instead of multipart', method: 'POST', path: `/api/incidents/${ids.a}/photos`, body: '{"file":"x"}', contentType: 'application/json' });

  // site imports (multipart), as the planner; real runs, so that row errors refuse the whole file
  const kmlDoc = (placemarks: string) => `<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>${placemarks}</Document></kml>`;
  const placemark = (coordinates: string, name = '语料') => `<Placemark><name>${name}</name><Point><coordinates>${coordinates}</coordinates></Point></Placemark>`;
  const upload = async (status: number, name: string, content: string, fileName: string, extra: Record<string, string> = {}) =>
    cases.push({ status, as: 'planner', name: `import: ${name}`, method: 'POST', path: '/api/imports',
      ...await multipart({ kind: 'sites', crs: 'wgs84', category: 'camera', dryRun: 'false', ...extra, file: file(content, fileName, 'application/octet-stream') }) });
  await upload(422, 'KML that is not XML', 'this is not <kml', 'x.kml');
  await upload(422, 'KML without placemarks', kmlDoc(''), 'x.kml');
  await upload(422, 'KML with longitude 200', kmlDoc(placemark(`200,${at[1]},0`)), 'x.kml');
  await upload(422, 'KML with NaN coordinates', kmlDoc(placemark(`NaN,${at[1]}`)), 'x.kml');
  await upload(422, 'KML with 3-D coordinates in no grid', kmlDoc(placemark('10,10,500')), 'x.kml');
  await upload(422, 'KML with one good and one empty placemark', kmlDoc(placemark(`${at[0]},${at[1]}`) + placemark('')), 'x.kml');
  await upload(422, 'KML with an unclosed polygon', kmlDoc(`<Placemark><name>p</name><Polygon><outerBoundaryIs><LinearRing><coordinates>${at[0]},${at[1]} ${at[0] + 0.001},${at[1]} ${at[0]},${at[1] + 0.001}</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>`), 'x.kml', { category: 'water' });
  await upload(422, 'KML with an entity expansion bomb', `<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">]><kml xmlns="http://www.opengis.net/kml/2.2"><Document>${placemark('200,0', '&e;')}</Document></kml>`, 'x.kml');
  await upload(422, 'KML with an external entity', `<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY x SYSTEM "file:///etc/passwd">]><kml xmlns="http://www.opengis.net/kml/2.2"><Document>${placemark('200,0', '&x;')}</Document></kml>`, 'x.kml');
  await upload(422, 'GeoJSON that is not JSON', '{"type": "FeatureCollection", "features": [', 'x.geojson');
  await upload(422, 'GeoJSON with a bow tie', JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', properties: { name: 'x' }, geometry: { type: 'Polygon', coordinates: [[[at[0], at[1]], [at[0] + 0.001, at[1] + 0.001], [at[0] + 0.001, at[1]], [at[0], at[1] + 0.001], [at[0], at[1]]]] } }] }), 'x.geojson', { category: 'water' });
  await upload(422, 'CSV without lon/lat columns', 'name,x1\na,1\n', 'x.csv');
  await upload(422, 'CSV with Infinity', `name,lon,lat\na,Infinity,${at[1]}\n`, 'x.csv');
  await upload(415, 'an executable', 'MZ\u0090\u0000', 'x.exe');
  await upload(400, 'crs "mars"', 'name,lon,lat\n', 'x.csv', { crs: 'mars' });
  await upload(400, 'kind "grids"', 'name,lon,lat\n', 'x.csv', { kind: 'grids' });
  await upload(400, 'dryRun "maybe"', 'name,lon,lat\n', 'x.csv', { dryRun: 'maybe' });
  await upload(400, 'category injection', 'name,lon,lat\n', 'x.csv', { category: "camera'; drop table sites; --" });

  // read-only parameters: exports, statistics, reports
  const get = (status: number, name: string, p: string) => cases.push({ status, as: 'planner', name, method: 'GET', path: p });
  for (const [name, q] of [
    ['unknown kind', 'kind=people'], ['format pdf', 'kind=sites&format=pdf'], ['region "abc"', 'kind=sites&region=abc'],
    ['unknown region', 'kind=sites&region=990101999999'], ['category injection', `kind=sites&category=${encodeURIComponent("camera' or 1=1 --")}`],
    ['violations without a rule', 'kind=violations'], ['violations of an unknown rule', `kind=violations&rule=${U}`], ['rule "abc"', 'kind=violations&rule=abc'],
    ['region injection', `kind=grids&region=${encodeURIComponent("990101' or '1'='1")}`],
  ] as const) get(name.startsWith('unknown region') || name.includes('unknown rule') ? 404 : 400, `export: ${name}`, `/api/exports?${q}`);
  for (const [name, q] of [
    ['unknown grouping', 'groupBy=street'], ['from after to', 'from=2026-03-01&to=2026-02-01'], ['a period of 126 years', 'from=1900-01-01&to=2026-01-01'],
    ['unknown category', 'category=nothing'], ['category injection', `category=${encodeURIComponent("dispute' or 1=1")}`], ['month 13', 'to=2026-13-01'],
    ['30 February', 'from=2026-02-30'], ['unknown region', 'region=990101999999'], ['region injection', `region=${encodeURIComponent('<script>')}`],
  ] as const) get(name === 'unknown region' ? 404 : 400, `statistics: ${name}`, `/api/stats/incidents?${q}`);
  for (const [name, p] of [
    ['yearly', '/api/reports/yearly'], ['30 February', '/api/reports/daily?date=2026-02-30'], ['format pdf', '/api/reports/weekly?format=pdf'],
    ['lang fr', '/api/reports/monthly?lang=fr&format=csv'], ['unknown region', '/api/reports/daily?region=990101999999&format=xlsx'],
    ['region injection', `/api/reports/daily?region=${encodeURIComponent("' or 1=1 --")}`], ['date 1e400', '/api/reports/daily?date=1e400'],
  ] as const) get(name === 'unknown region' ? 404 : 400, `report: ${name}`, p);
  return cases;
}

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
    const cases: Array<BadCase & { as: string; status?: number }> = [
      ...endpoints.flatMap((e) => casesFor(e, at).map((c) => ({ ...c, as: e.as }))),
      ...specialCases().map((c) => ({ ...c, as: 'planner' })),
      ...special,
    ];
    const photosBefore = readdirSync(photoDir, { recursive: true }).length;
    const before = await databaseChecksum(t.db.kysely, { exclude: ['sessions'] });
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    let fiveXX = 0;
    for (const c of cases) {
      const res = await run(c, cookies[c.as] ?? planner);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status >= 500) fiveXX++;
      if (res.status < 400 || res.status >= 500) failures.push(`${c.name} → ${res.status} ${res.text.slice(0, 160)}`);
      else if (c.status && res.status !== c.status) failures.push(`${c.name} → ${res.status}, expected ${c.status}: ${res.text.slice(0, 160)}`);
      else if (!res.type.startsWith('application/problem+json')) failures.push(`${c.name} → ${res.status} as ${res.type}`);
      else {
        const problem = JSON.parse(res.text);
        if (!problem.type?.startsWith('/problems/') || !problem.title || !problem.detail) failures.push(`${c.name} → an incomplete problem ${res.text.slice(0, 100)}`);
      }
    }
    const after = await databaseChecksum(t.db.kysely, { exclude: ['sessions'] });
    console.log(`bad-input corpus: ${cases.length} cases over ${endpoints.length} endpoint descriptions + ${specialCases().length + special.length} uploads/workflow/parameters; ` +
      `5xx seen: ${fiveXX}; statuses ${[...statuses].sort().map(([s, n]) => `${s}×${n}`).join(' ')}`);
    expect(failures.join('\n')).toBe('');
    expect(checksumDifferences(before, after)).toEqual([]);
    // no photo file was left behind by a refused upload
    expect(readdirSync(photoDir, { recursive: true }).length).toBe(photosBefore);
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

    // an incident's free text, a workflow note and an Open311-style caller name, likewise
    const title = `<img src=x onerror=alert(1)> '; delete from incidents; --`;
    const description = `${'${7*7}'}{{7*7}} \u202e ../../etc/passwd 1' or '1'='1`;
    const created = await t.app.request('/api/incidents', { method: 'POST', headers: { cookie: cookies.dispatcher, 'content-type': 'application/json' },
      body: JSON.stringify({ category: 'order.public', title, description, location: { type: 'Point', coordinates: at }, caller: { name: '<b>王</b>"; --' } }) });
    const incident = await created.json() as any;
    expect(created.status, JSON.stringify(incident)).toBe(201);
    const note = `</textarea><script>fetch('/api/auth/logout')</script>`;
    const accepted = await t.app.request(`/api/incidents/${incident.id}/actions`, { method: 'POST',
      headers: { cookie: cookies.dispatcher, 'content-type': 'application/json' }, body: JSON.stringify({ action: 'accept', note }) });
    expect(accepted.status).toBe(200);
    const read = await t.get(`/api/incidents/${incident.id}`, cookies.dispatcher);
    expect(read.headers.get('content-type')).toMatch(/^application\/json/);
    expect(read.body.properties).toMatchObject({ title, description, callerName: '<b>王</b>"; --' });
    expect(read.body.properties.timeline.map((e: any) => e.note)).toContain(note);
    const listed = await t.get(`/api/incidents?q=${encodeURIComponent("delete from incidents")}`, cookies.dispatcher);
    expect(listed.body.features.map((f: any) => f.properties.title)).toEqual([title]);
  });
});
