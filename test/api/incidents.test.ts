import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../server/auth/secrets.ts';
import { DEMO_PASSWORD } from '../../server/demo/demo.seed.ts';
import { escalateOverdue } from '../../server/incidents/incidents.service.ts';
import { loadGridFixture } from '../support/grid-fixtures.ts';
import { type TestContext, createTestContext } from '../support/test-app.ts';

let t: TestContext;
let dispatcher: string;
let member: string;
let unit: string;
let inspector: string;
let memberGrid: { id: number; code: string; villageCode: string; x: number; y: number };
let photoDir: string;

const headers = (cookie: string) => ({ cookie, 'content-type': 'application/json' });
async function call(method: string, url: string, cookie: string, body?: unknown) {
  const res = await t.app.request(url, { method, headers: headers(cookie), body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}
const report = (cookie: string, point: [number, number], extra: Record<string, unknown> = {}) =>
  call('POST', '/api/incidents', cookie, { category: 'dispute.neighbour', title: '邻里噪音纠纷', location: { type: 'Point', coordinates: point }, ...extra });
const act = (id: number, cookie: string, body: Record<string, unknown>) => call('POST', `/api/incidents/${id}/actions`, cookie, body);

/** A user bound to a new person, for scopes the demo accounts do not cover. */
async function addUser(username: string, role: string, scope: string, person: { villageCode?: string; unitCode?: string }) {
  const db = t.db.kysely;
  const { rows: [p] } = await sql<{ id: number }>`insert into people (name, village_code, unit_id, region_code)
    values (${username}, ${person.villageCode ?? null}, (select id from units where code = ${person.unitCode ?? ''}),
      coalesce(${person.villageCode ?? null}, ${scope.padEnd(12, '0')})) returning id`.execute(db);
  await sql`insert into users (username, display_name, password_hash, role, scope_code, person_id)
    values (${username}, ${username}, ${await hashPassword(DEMO_PASSWORD)}, ${role}, ${scope}, ${p.id})`.execute(db);
  return Number(p.id);
}

beforeAll(async () => {
  photoDir = mkdtempSync(path.join(tmpdir(), 'pingan-photos-'));
  process.env.PHOTO_DIR = photoDir;
  t = await createTestContext();
  [dispatcher, member, unit, inspector] = await Promise.all(['dispatcher', 'member', 'unit', 'inspector'].map((u) => t.login(u)));
  const { rows: [g] } = await sql<{ id: number; code: string; villageCode: string; x: number; y: number }>`
    select g.id, g.code, g.village_code, ST_X(ST_PointOnSurface(g.geom)) as x, ST_Y(ST_PointOnSurface(g.geom)) as y
    from users u join grid_assignments a on a.person_id = u.person_id and a.valid_to is null join grids g on g.id = a.grid_id
    where u.username = 'member' order by g.code limit 1`.execute(t.db.kysely);
  memberGrid = { ...g, id: Number(g.id) };
});
afterAll(async () => {
  await t?.close();
  rmSync(photoDir, { recursive: true, force: true });
});

describe('taxonomy', () => {
  it('serves categories with deadline, default unit and an extra-field schema; the issue\'s groups are complete', async () => {
    const res = await t.get('/api/incident-categories', member);
    expect(res.status).toBe(200);
    const byCode = new Map<string, any>(res.body.items.map((c: any) => [c.code, c]));
    for (const parent of ['dispute', 'order', 'safety', 'campus', 'city', 'emergency']) {
      expect(res.body.items.filter((c: any) => c.parentCode === parent).length, parent).toBeGreaterThanOrEqual(4);
    }
    expect(byCode.get('safety.fire')).toMatchObject({ deadlineHours: 24, defaultUnitCode: 'emergency', defaultUnitName: '平安示范县应急管理局' });
    expect(byCode.get('dispute.land').deadlineHours).toBe(360);
    expect(Object.keys(byCode.get('dispute.labour').attrSchema.properties)).toEqual(['workers', 'amount', 'employer']);
    const units = await t.get('/api/units', member);
    expect(units.body.map((u: any) => u.code)).toContain('police');
  });
});

describe('intake and routing', () => {
  it('a grid member reports in their grid: routed to it, its village, township and members; due from the category; audited', async () => {
    const res = await report(member, [memberGrid.x, memberGrid.y], { attrs: { parties: 2 } });
    expect(res.status).toBe(201);
    const p = res.body.properties;
    expect(p).toMatchObject({ state: 'reported', level: 'village', gridCode: memberGrid.code, regionCode: memberGrid.villageCode,
      townshipCode: `${memberGrid.villageCode.slice(0, 9)}000`, source: 'member', version: 1, suggestedUnitName: '平安示范县司法局' });
    expect(p.code).toMatch(/^SJ\d{8}-\d{4}$/);
    expect(p.members.length).toBeGreaterThan(0);
    expect(new Date(p.dueAt).getTime() - new Date(p.createdAt).getTime()).toBe(7 * 24 * 3600_000);
    expect(p.timeline.map((e: any) => e.action)).toEqual(['report']);
    const audit = await sql<{ action: string }>`select action from audit_log where entity = 'incident' and entity_id = ${String(res.body.id)}`.execute(t.db.kysely);
    expect(audit.rows.map((r) => r.action)).toEqual(['incident.report']);
    // the member's own reports
    const mine = await t.get('/api/incidents?view=mine', member);
    expect(mine.body.features.map((f: any) => f.id)).toContain(res.body.id);
  });

  it('centre staff enter a caller\'s report anywhere in scope; extra fields are checked against the category schema', async () => {
    const ok = await report(dispatcher, [memberGrid.x, memberGrid.y], { category: 'dispute.labour', caller: { name: '王五', phone: '13900000000' },
      attrs: { workers: 12, amount: 36000 } });
    expect(ok.status).toBe(201);
    expect(ok.body.properties).toMatchObject({ source: 'hotline', callerName: '王五', callerPhone: '13900000000' });
    const bad = await report(dispatcher, [memberGrid.x, memberGrid.y], { category: 'dispute.labour', attrs: { workers: -1, colour: 'red' } });
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((e: any) => [e.path, e.rule]).sort()).toEqual([['attrs.colour', 'unknownField'], ['attrs.workers', 'minimum']]);
    expect((await report(dispatcher, [memberGrid.x, memberGrid.y], { category: 'dispute.nothing' })).status).toBe(422);
    expect((await report(dispatcher, [10, 10])).status).toBe(422);
    expect((await report(dispatcher, [500, 10])).status).toBe(400);
  });

  it('a grid member cannot report outside their grids; inspectors and unit staff do not report', async () => {
    const { rows: [far] } = await sql<{ x: number; y: number }>`select ST_X(ST_PointOnSurface(geom)) as x, ST_Y(ST_PointOnSurface(geom)) as y
      from grids where layer_id = 1 and valid_to is null and village_code <> ${memberGrid.villageCode} order by code limit 1`.execute(t.db.kysely);
    expect((await report(member, [far.x, far.y])).status).toBe(403);
    expect((await report(inspector, [far.x, far.y])).status).toBe(403);
    expect((await report(unit, [far.x, far.y])).status).toBe(403);
  });

  it('routes points on grid edges and vertices to the lowest grid code among the grids covering them', async () => {
    const { village, ids } = await loadGridFixture(t.db.kysely, 'valid-3x3', 7);
    const { rows } = await sql<{ id: number; code: string; x: number; y: number }>`select id, code, ST_XMin(geom) as x, ST_YMin(geom) as y
      from grids where village_code = ${village} order by code`.execute(t.db.kysely);
    const code = (n: number) => `${village}00${n}`;
    const g6 = rows.find((r) => Number(r.id) === ids[5])!;
    const g2 = rows.find((r) => Number(r.id) === ids[1])!;
    const cases: Array<[string, [number, number], string]> = [
      ['inside grid 6', [g6.x + 0.0005, g6.y + 0.0005], code(6)],
      ['west edge of 6 (shared with 5)', [g6.x, g6.y + 0.0005], code(5)],
      ['south-west vertex of 6 (5, 6, 8, 9 meet)', [g6.x, g6.y], code(5)],
      ['south edge of 2 (shared with 5)', [g2.x + 0.0005, g2.y], code(2)],
      ['north-west vertex of 6 (2, 3, 5, 6 meet)', [g6.x, g2.y], code(2)],
      ['the village boundary (only grid 3)', [g6.x + 0.001, g2.y + 0.0005], code(3)],
    ];
    for (const [label, point, expected] of cases) {
      const res = await report(dispatcher, point);
      expect(res.status, label).toBe(201);
      expect(res.body.properties.gridCode, label).toBe(expected);
      expect(res.body.properties.regionCode, label).toBe(village);
    }

    // a member serving grid 6 reports on its west edge: routed to grid 5 by the rule, still theirs to follow
    await addUser('edge_member', 'grid_member', village, { villageCode: village });
    await sql`insert into grid_assignments (grid_id, person_id, duty) select ${ids[5]}, person_id, 'full_time' from users where username = 'edge_member'`.execute(t.db.kysely);
    const edge = await t.login('edge_member');
    const onEdge = await report(edge, [g6.x, g6.y + 0.0005]);
    expect(onEdge.status).toBe(201);
    // the member sees their report (not grid 5 itself: that is not theirs)
    expect(onEdge.body.properties).toMatchObject({ gridId: ids[4], gridCode: null });
    expect((await t.get(`/api/incidents/${onEdge.body.id}`, dispatcher)).body.properties.gridCode).toBe(code(5));
    // but not beyond grid 6
    expect((await report(edge, [g6.x - 0.0005, g6.y + 0.0005])).status).toBe(403);
  });

  it('codes are unique per day and numbered on from the demo data', async () => {
    const { rows } = await sql<{ n: number; d: number }>`select count(*)::int as n, count(distinct code)::int as d from incidents`.execute(t.db.kysely);
    expect(rows[0].n).toBe(rows[0].d);
  });
});

describe('rule violations', () => {
  it('reports a violation found by a rule run as an incident at the target, once while it is open', async () => {
    const rule = (await t.get('/api/rules', dispatcher)).body.items.find((r: any) => r.code === 'internet-cafe-school-200');
    const run = await call('POST', `/api/rules/${rule.id}/run?region=990101000000`, dispatcher);
    const v = run.body.features[0].properties;
    const body = { ruleId: rule.id, subjectId: v.subject_id, targetId: v.target_id, distanceM: v.distance_m };
    const res = await call('POST', '/api/incidents/from-rule', dispatcher, body);
    expect(res.status).toBe(201);
    expect(res.body.properties).toMatchObject({ category: 'campus.venues', source: 'rule',
      sourceData: { ruleId: rule.id, subjectId: v.subject_id, targetId: v.target_id },
      attrs: { schoolName: v.subjectName, venueName: v.targetName, distanceM: v.distance_m } });
    expect(res.body.properties.title).toContain(v.targetName);
    const site = (await t.get(`/api/sites/${v.target_id}`, dispatcher)).body;
    expect(res.body.properties.regionCode).toBe(site.properties.regionCode);
    const again = await call('POST', '/api/incidents/from-rule', dispatcher, body);
    expect(again).toMatchObject({ status: 409, body: { incidentId: res.body.id } });
    expect((await call('POST', '/api/incidents/from-rule', inspector, body)).status).toBe(403);
    expect((await call('POST', '/api/incidents/from-rule', dispatcher, { ...body, subjectId: 999999999 })).status).toBe(404);
  });
});

describe('duplicates', () => {
  it('suggests same-category reports within 50 m and 7 days, and links one as a duplicate', async () => {
    const base: [number, number] = [memberGrid.x, memberGrid.y];
    const first = await report(dispatcher, base, { category: 'city.garbage', title: '垃圾堆放' });
    // ~33 m north: a duplicate candidate; ~110 m: too far; same place, other category: not one
    const near = await report(dispatcher, [base[0], base[1] + 0.0003], { category: 'city.garbage', title: '垃圾没人清' });
    await report(dispatcher, [base[0], base[1] + 0.001], { category: 'city.garbage', title: '远处垃圾' });
    await report(dispatcher, base, { category: 'city.ads', title: '小广告' });
    expect(near.body.properties.duplicates.map((d: any) => d.id)).toEqual([first.body.id]);
    expect(near.body.properties.duplicates[0].distanceM).toBeGreaterThan(30);
    expect(near.body.properties.duplicates[0].distanceM).toBeLessThan(36);
    // an old report (8 days) is not suggested
    await sql`update incidents set created_at = created_at - interval '8 days' where id = ${first.body.id}`.execute(t.db.kysely);
    expect((await t.get(`/api/incidents/${near.body.id}/duplicates`, dispatcher)).body.items).toEqual([]);
    await sql`update incidents set created_at = created_at + interval '8 days' where id = ${first.body.id}`.execute(t.db.kysely);
    expect((await t.get(`/api/incidents/${near.body.id}/duplicates`, dispatcher)).body.items.map((d: any) => d.id)).toEqual([first.body.id]);

    const linked = await act(near.body.id, dispatcher, { action: 'duplicate', data: { duplicateOf: first.body.id }, version: 1 });
    expect(linked.status).toBe(200);
    expect(linked.body.properties).toMatchObject({ state: 'rejected', duplicateOf: first.body.id, duplicateOfCode: first.body.properties.code });
    expect((await act(first.body.id, dispatcher, { action: 'duplicate', data: { duplicateOf: first.body.id } })).status).toBe(422);
  });
});

describe('scope', () => {
  it('a member of another village gets 404; unit staff see only their unit\'s incidents', async () => {
    const mine = await report(member, [memberGrid.x, memberGrid.y]);
    const { rows: [other] } = await sql<{ code: string; grid: number }>`select g.village_code as code, g.id as grid from grids g
      where g.layer_id = 1 and g.valid_to is null and g.village_code <> ${memberGrid.villageCode} order by g.code limit 1`.execute(t.db.kysely);
    await addUser('other_member', 'grid_member', other.code, { villageCode: other.code });
    await sql`insert into grid_assignments (grid_id, person_id, duty) select ${other.grid}, person_id, 'full_time' from users where username = 'other_member'`.execute(t.db.kysely);
    const stranger = await t.login('other_member');
    expect((await t.get(`/api/incidents/${mine.body.id}`, stranger)).status).toBe(404);
    expect((await act(mine.body.id, stranger, { action: 'confirm', data: { satisfied: true } })).status).toBe(404);
    const list = await t.get(`/api/incidents?limit=1000`, stranger);
    expect(list.body.features.every((f: any) => f.properties.regionCode === other.code)).toBe(true);

    // the unit sees it once it is dispatched to the unit, and its inbox lists it
    expect((await t.get(`/api/incidents/${mine.body.id}`, unit)).status).toBe(404);
    const unitId = (await sql<{ id: number }>`select p.unit_id as id from users u join people p on p.id = u.person_id where u.username = 'unit'`.execute(t.db.kysely)).rows[0].id;
    await act(mine.body.id, dispatcher, { action: 'accept', version: 1 });
    const dispatched = await act(mine.body.id, dispatcher, { action: 'dispatch', unitId, version: 2 });
    expect(dispatched.body.properties.unitId).toBe(unitId);
    expect((await t.get(`/api/incidents/${mine.body.id}`, unit)).status).toBe(200);
    const inbox = await t.get('/api/incidents?view=inbox&limit=1000', unit);
    expect(inbox.body.features.map((f: any) => f.id)).toContain(mine.body.id);
    expect(inbox.body.features.every((f: any) => f.properties.unitId === unitId)).toBe(true);
    const all = await t.get('/api/incidents?limit=1000', unit);
    expect(all.body.total).toBe((await sql<{ n: number }>`select count(*)::int as n from incidents where unit_id = ${unitId}`.execute(t.db.kysely)).rows[0].n);
  });

  it('filters by state, category, region, grid, period, overdue and text, with paging', async () => {
    const all = await t.get(`/api/incidents?region=${memberGrid.villageCode.slice(0, 9)}000&state=closed&limit=5`, dispatcher);
    expect(all.status).toBe(200);
    expect(all.body.features).toHaveLength(5);
    expect(all.body.total).toBeGreaterThan(5);
    expect(all.body.features.every((f: any) => f.properties.state === 'closed' && f.properties.regionCode.startsWith(memberGrid.villageCode.slice(0, 9)))).toBe(true);
    const page2 = await t.get(`/api/incidents?region=${memberGrid.villageCode.slice(0, 9)}000&state=closed&limit=5&offset=5`, dispatcher);
    expect(page2.body.features[0].id).not.toBe(all.body.features[0].id);
    const cat = await t.get('/api/incidents?category=dispute&limit=1000', dispatcher);
    expect(cat.body.features.every((f: any) => f.properties.category.startsWith('dispute.'))).toBe(true);
    const overdue = await t.get('/api/incidents?overdue=true&state=in_progress,dispatched&limit=1000', dispatcher);
    expect(overdue.body.total).toBeGreaterThan(0);
    expect(overdue.body.features.every((f: any) => f.properties.overdue && new Date(f.properties.dueAt) < new Date())).toBe(true);
    const grid = await t.get(`/api/incidents?grid=${memberGrid.id}`, dispatcher);
    expect(grid.body.features.every((f: any) => f.properties.gridId === memberGrid.id)).toBe(true);
    const q = await t.get('/api/incidents?q=%E9%82%BB%E9%87%8C%E5%99%AA%E9%9F%B3', dispatcher); // 邻里噪音
    expect(q.body.total).toBeGreaterThan(0);
    expect(q.body.features.every((f: any) => f.properties.title.includes('邻里噪音'))).toBe(true);
    const period = await t.get('/api/incidents?from=2000-01-01&to=2000-02-01', dispatcher);
    expect(period.body.total).toBe(0);
    expect((await t.get('/api/incidents?state=lost', dispatcher)).status).toBe(400);
  });
});

describe('concurrency', () => {
  it('of two actions on one incident at the same version, the second gets 409 with the current version', async () => {
    const created = await report(dispatcher, [memberGrid.x, memberGrid.y]);
    const id = created.body.id;
    const [a, b] = await Promise.all([
      act(id, dispatcher, { action: 'accept', version: 1 }),
      act(id, dispatcher, { action: 'reject', note: '不属实', version: 1 }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const loser = a.status === 409 ? a : b;
    expect(loser.body.currentVersion).toBe(2);
    const now = await t.get(`/api/incidents/${id}`, dispatcher);
    expect(now.body.properties.version).toBe(2);
    expect(now.body.properties.timeline).toHaveLength(2);
    // a stale version later is the same 409
    expect((await act(id, dispatcher, { action: 'escalate', version: 1 })).body).toMatchObject({ status: 409, currentVersion: 2 });
  });
});

describe('deadlines', () => {
  const q = async <T>(query: ReturnType<typeof sql<T>>) => (await query.execute(t.db.kysely)).rows[0];

  it('due times run across month and year ends by elapsed hours', async () => {
    const due = async (cat: string, at: string) =>
      new Date((await q(sql<{ d: Date }>`select app.incident_due(${cat}, ${at}::timestamptz) as d`)).d).toISOString();
    expect(await due('safety.building', '2026-01-30T20:00:00+08:00')).toBe('2026-02-02T12:00:00.000Z'); // 3 days
    expect(await due('safety.building', '2026-02-27T09:30:00+08:00')).toBe('2026-03-02T01:30:00.000Z'); // February has 28 days
    expect(await due('safety.building', '2028-02-27T09:30:00+08:00')).toBe('2028-03-01T01:30:00.000Z'); // leap year
    expect(await due('safety.fire', '2026-12-31T23:00:00+08:00')).toBe('2027-01-01T15:00:00.000Z'); // same day, over new year
    expect(await due('dispute.land', '2026-04-20T08:00:00+08:00')).toBe('2026-05-05T00:00:00.000Z'); // 15 days over April's end
  });

  it('flags near due (under 20 % left) and overdue as of a given moment, across a month end', async () => {
    const clock = async (state: string, at: string, resolved: string | null = null) => (await q(sql<{ c: string | null }>`
      select app.incident_clock(${state}, '2026-01-31T22:00:00+08:00', '2026-02-01T22:00:00+08:00', ${resolved}::timestamptz, ${at}::timestamptz, 0.2) as c`)).c;
    expect(await clock('dispatched', '2026-01-31T23:00:00+08:00')).toBe('on_time');
    expect(await clock('dispatched', '2026-02-01T17:00:00+08:00')).toBe('on_time'); // 5 h of 24 left
    expect(await clock('dispatched', '2026-02-01T18:00:00+08:00')).toBe('near_due'); // 4 h left < 4.8 h
    expect(await clock('dispatched', '2026-02-01T22:00:01+08:00')).toBe('overdue');
    expect(await clock('resolved', '2026-03-01T00:00:00+08:00', '2026-02-01T21:00:00+08:00')).toBe('on_time'); // resolution stops the clock
    expect(await clock('closed', '2026-03-01T00:00:00+08:00', '2026-02-02T09:00:00+08:00')).toBe('overdue'); // resolved late
    expect(await clock('rejected', '2026-03-01T00:00:00+08:00')).toBeNull();
  });

  it('lists the flags computed in SQL', async () => {
    const created = await report(dispatcher, [memberGrid.x, memberGrid.y], { category: 'safety.fire', title: '楼道堆放杂物' });
    const id = created.body.id;
    // 24 h deadline, 3 h left → near due
    await sql`update incidents set created_at = now() - interval '21 hours', due_at = now() + interval '3 hours' where id = ${id}`.execute(t.db.kysely);
    expect((await t.get(`/api/incidents/${id}`, dispatcher)).body.properties).toMatchObject({ nearDue: true, overdue: false });
    expect((await t.get('/api/incidents?nearDue=true&limit=1000', dispatcher)).body.features.map((f: any) => f.id)).toContain(id);
    await sql`update incidents set due_at = now() - interval '1 minute' where id = ${id}`.execute(t.db.kysely);
    expect((await t.get(`/api/incidents/${id}`, dispatcher)).body.properties).toMatchObject({ nearDue: false, overdue: true });
  });

  it('escalates overdue incidents one level when the setting is on, once per period, with events, notices and audit', async () => {
    const created = await report(dispatcher, [memberGrid.x, memberGrid.y], { category: 'safety.gas', title: '燃气管道老化' });
    const waiting = await report(dispatcher, [memberGrid.x, memberGrid.y], { category: 'safety.gas', title: '燃气表漏气' });
    const id = created.body.id;
    const unitId = (await sql<{ id: number }>`select id from units where code = 'emergency'`.execute(t.db.kysely)).rows[0].id;
    await act(id, dispatcher, { action: 'accept' });
    await act(id, dispatcher, { action: 'dispatch' });
    const owner = t.db.kysely;
    const due = new Date((await t.get(`/api/incidents/${id}`, dispatcher)).body.properties.dueAt);
    // setting off: nothing happens
    expect(await escalateOverdue(owner, new Date(due.getTime() + 3600_000))).toEqual([]);
    await sql`update settings set value = 'true' where key = 'incidents.autoEscalate'`.execute(owner);
    expect(await escalateOverdue(owner, new Date(due.getTime() - 60_000))).not.toContain(id); // not yet due
    const first = await escalateOverdue(owner, new Date(due.getTime() + 3600_000));
    expect(first).toEqual(expect.arrayContaining([id, waiting.body.id]));
    let detail = (await t.get(`/api/incidents/${id}`, dispatcher)).body.properties;
    expect(detail).toMatchObject({ level: 'township', state: 'dispatched', unitId });
    expect(detail.timeline.at(-1)).toMatchObject({ action: 'escalate', actorId: null, data: { automatic: true, fromLevel: 'village', toLevel: 'township' } });
    expect((await t.get(`/api/incidents/${waiting.body.id}`, dispatcher)).body.properties).toMatchObject({ level: 'township', state: 'escalated' });
    // within the period: not again; a day later: county
    expect(await escalateOverdue(owner, new Date(due.getTime() + 5 * 3600_000))).not.toContain(id);
    expect(await escalateOverdue(owner, new Date(due.getTime() + 26 * 3600_000))).toContain(id);
    detail = (await t.get(`/api/incidents/${id}`, dispatcher)).body.properties;
    expect(detail.level).toBe('county');
    expect(await escalateOverdue(owner, new Date(due.getTime() + 60 * 3600_000))).not.toContain(id);
    const notes = await sql<{ kind: string }>`select kind from incident_notifications where incident_id = ${id}`.execute(owner);
    expect(notes.rows.map((r) => r.kind)).toEqual(['overdue', 'overdue']);
    const audit = await sql<{ n: number }>`select count(*)::int as n from audit_log where entity_id = ${String(id)} and action = 'incident.escalate' and actor_id is null`.execute(owner);
    expect(audit.rows[0].n).toBe(2);
    await sql`update settings set value = 'false' where key = 'incidents.autoEscalate'`.execute(owner);
  });

  it('manual escalation moves the case to the next level\'s desk: a township dispatcher takes it, a village one no longer may', async () => {
    const created = await report(dispatcher, [memberGrid.x, memberGrid.y]);
    const id = created.body.id;
    const township = memberGrid.villageCode.slice(0, 9);
    await addUser('town_desk', 'dispatcher', township, { unitCode: `township-${township}` });
    await addUser('village_desk', 'dispatcher', memberGrid.villageCode, { villageCode: memberGrid.villageCode });
    const [town, village] = [await t.login('town_desk'), await t.login('village_desk')];
    expect((await t.get('/api/incidents?view=queue&limit=1000', village)).body.features.map((f: any) => f.id)).toContain(id);
    const up = await act(id, village, { action: 'escalate', version: 1 });
    expect(up.body.properties).toMatchObject({ state: 'escalated', level: 'township' });
    expect((await t.get('/api/incidents?view=queue&limit=1000', village)).body.features.map((f: any) => f.id)).not.toContain(id);
    expect((await t.get('/api/incidents?view=queue&limit=1000', town)).body.features.map((f: any) => f.id)).toContain(id);
    expect((await act(id, village, { action: 'accept' })).status).toBe(403);
    expect((await act(id, town, { action: 'escalate' })).body.properties.level).toBe('county');
    expect((await act(id, town, { action: 'accept' })).status).toBe(403);
    const top = await act(id, dispatcher, { action: 'accept' });
    expect(top.body.properties.allowedActions).not.toContain('escalate');
    expect((await act(id, dispatcher, { action: 'escalate' })).status).toBe(409);
  });
});

describe('supervision and confirmation', () => {
  it('a supervision note notifies the unit\'s inbox; the reporter confirms the result', async () => {
    const created = await report(member, [memberGrid.x, memberGrid.y]);
    const id = created.body.id;
    const unitId = (await sql<{ id: number }>`select p.unit_id as id from users u join people p on p.id = u.person_id where u.username = 'unit'`.execute(t.db.kysely)).rows[0].id;
    await act(id, dispatcher, { action: 'accept' });
    expect((await act(id, dispatcher, { action: 'supervise', note: '请尽快处理' })).status).toBe(409); // no unit yet
    await act(id, dispatcher, { action: 'dispatch', unitId });
    expect((await act(id, dispatcher, { action: 'supervise' })).status).toBe(422);
    expect((await act(id, dispatcher, { action: 'supervise', note: '请于今日内办结' })).status).toBe(200);
    const inbox = await t.get('/api/incident-notifications?unread=true', unit);
    const note = inbox.body.items.find((n: any) => n.incidentId === id);
    expect(note).toMatchObject({ kind: 'supervise', note: '请于今日内办结', unitId });
    expect((await t.get('/api/incident-notifications', member)).body.items).toEqual([]);
    expect((await call('POST', `/api/incident-notifications/${note.id}/read`, unit)).status).toBe(204);
    expect((await t.get('/api/incident-notifications?unread=true', unit)).body.items.map((n: any) => n.id)).not.toContain(note.id);

    await act(id, unit, { action: 'start' });
    await act(id, unit, { action: 'resolve', note: '已协调' });
    expect((await act(id, member, { action: 'confirm' })).status).toBe(422);
    const confirmed = await act(id, member, { action: 'confirm', data: { satisfied: true }, note: '满意' });
    expect(confirmed.body.properties).toMatchObject({ state: 'resolved', satisfied: true });
    const reopened = await act(id, member, { action: 'reopen', note: '又吵起来了' });
    expect(reopened.body.properties).toMatchObject({ state: 'reopened', satisfied: null, resolvedAt: null });
    expect(reopened.body.properties.timeline.map((e: any) => e.action)).toEqual(
      ['report', 'accept', 'dispatch', 'supervise', 'start', 'resolve', 'confirm', 'reopen']);
  });
});

describe('photos', () => {
  let id: number;
  const upload = async (bytes: Uint8Array | Buffer, name: string, cookie = member, type = 'image/jpeg') => {
    const form = new FormData();
    form.append('file', new File([new Uint8Array(bytes)], name, { type }));
    const res = await t.app.request(`/api/incidents/${id}/photos`, { method: 'POST', headers: { cookie }, body: form });
    return { status: res.status, body: await res.json() as any };
  };
  const fetchBytes = async (url: string, cookie = member) => {
    const res = await t.app.request(url, { headers: { cookie } });
    return { status: res.status, type: res.headers.get('content-type'), bytes: Buffer.from(await res.arrayBuffer()) };
  };

  beforeAll(async () => {
    id = (await report(member, [memberGrid.x, memberGrid.y])).body.id;
  });

  it('stores a JPEG without its EXIF location, upright, with a thumbnail; scoped like the incident', async () => {
    // 64×48 with GPS EXIF and orientation 6 (rotate 90° to display)
    const jpeg = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 30, b: 30 } } })
      .jpeg().withExif({ IFD0: { Make: 'TestCam' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '33/1 57/1 2469/100', GPSLongitudeRef: 'E', GPSLongitude: '113/1 12/1 3000/100' } })
      .withMetadata({ orientation: 6 }).toBuffer();
    const before = await sharp(jpeg).metadata();
    expect(before.exif?.toString('latin1')).toContain('TestCam');
    expect(before.orientation).toBe(6);
    const res = await upload(jpeg, 'scene.jpg');
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ mime: 'image/jpeg', width: 48, height: 64 });
    const served = await fetchBytes(res.body.url);
    expect(served.status).toBe(200);
    expect(served.type).toBe('image/jpeg');
    const meta = await sharp(served.bytes).metadata();
    expect(meta.exif).toBeUndefined();
    expect(meta.orientation).toBeUndefined();
    expect([meta.width, meta.height]).toEqual([48, 64]);
    expect(served.bytes.includes(Buffer.from('TestCam'))).toBe(false);
    const thumb = await fetchBytes(res.body.thumbUrl);
    expect((await sharp(thumb.bytes).metadata()).format).toBe('jpeg');
    const detail = await t.get(`/api/incidents/${id}`, member);
    expect(detail.body.properties.photos.map((p: any) => p.id)).toEqual([res.body.id]);
    expect(detail.body.properties.mayAddPhotos).toBe(true);
    expect((await t.get(`/api/incidents/${id}`, inspector)).body.properties.mayAddPhotos).toBe(false);
    // another village's member: 404; the unit before dispatch: 404
    const stranger = await t.login('other_member').catch(() => null);
    if (stranger) expect((await fetchBytes(res.body.url, stranger)).status).toBe(404);
    expect((await fetchBytes(res.body.url, unit)).status).toBe(404);
  });

  it('checks the type by content, not by name or declared type, and the size', async () => {
    const png = await sharp({ create: { width: 10, height: 10, channels: 4, background: '#00ff00' } }).png().toBuffer();
    const asJpeg = await upload(png, 'fake.jpg', member, 'image/jpeg');
    expect(asJpeg.status).toBe(201);
    expect(asJpeg.body.mime).toBe('image/png');
    const webp = await upload(await sharp({ create: { width: 10, height: 10, channels: 3, background: '#0000ff' } }).webp().toBuffer(), 'a.webp');
    expect(webp.body.mime).toBe('image/webp');
    const gif = await upload(await sharp({ create: { width: 10, height: 10, channels: 3, background: '#0000ff' } }).gif().toBuffer(), 'a.jpg');
    expect(gif.status).toBe(415);
    expect(gif.body.detail).toMatch(/gif/);
    const text = await upload(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), 'x.png', member, 'image/png');
    expect(text.status).toBe(415);
    const big = Buffer.alloc(10 * 1024 * 1024 + 1, 1);
    expect((await upload(big, 'big.jpg')).status).toBe(413);
    expect((await upload(png, 'p.png', inspector)).status).toBe(403);
    expect((await t.get(`/api/incidents/${id}`, member)).body.properties.photos).toHaveLength(3);
  });
});
