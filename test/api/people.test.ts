import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertUser } from '../../server/auth/auth.repository.ts';
import { hashPassword } from '../../server/auth/secrets.ts';
import { loadGridFixture } from '../support/grid-fixtures.ts';
import { type TestContext, createTestContext } from '../support/test-app.ts';

/** People, assignments, staffing and "my area", proven over HTTP. */
let t: TestContext;
let planner: string;
let member: string;
let memberVillage: string;
let memberPersonId: number;
let memberGridIds: number[];

async function call(method: string, path: string, cookie: string, body?: unknown, contentType = 'application/json') {
  const res = await t.app.request(path, {
    method, headers: { cookie, ...(body !== undefined && !(body instanceof FormData) ? { 'content-type': contentType } : {}) },
    body: body === undefined ? undefined : typeof body === 'string' || body instanceof FormData ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: any = text;
  try { parsed = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, body: parsed, type: res.headers.get('content-type') };
}
const get = (path: string, cookie: string) => call('GET', path, cookie);

async function newUser(username: string, role: 'planner' | 'grid_member' | 'dispatcher', scopeCode: string, personId?: number) {
  await insertUser(t.db.kysely, { username, displayName: username, passwordHash: await hashPassword('test-2026'), role, scopeCode, personId });
  return t.login(username, 'test-2026');
}

beforeAll(async () => {
  t = await createTestContext();
  planner = await t.login('planner');
  member = await t.login('member');
  const me = (await t.get('/api/auth/me', member)).body.user;
  memberVillage = me.scopeCode;
  const { rows } = await sql<{ gridId: number; personId: number }>`select a.grid_id, a.person_id from grid_assignments a
    join users u on u.person_id = a.person_id where u.username = 'member' and a.valid_to is null`.execute(t.db.kysely);
  memberGridIds = [...new Set(rows.map((r) => Number(r.gridId)))].sort((a, b) => a - b);
  memberPersonId = Number(rows[0].personId);
});
afterAll(async () => { await t?.close(); });

describe('the people directory', () => {
  it('finds people by name, phone, unit and village', async () => {
    const person = (await get(`/api/people/${memberPersonId}`, planner)).body;
    expect(person.name).toBeTruthy();
    const byName = await get(`/api/people?q=${encodeURIComponent(person.name)}`, planner);
    expect(byName.status).toBe(200);
    expect(byName.body.items.map((p: any) => p.id)).toContain(memberPersonId);
    const byPhone = await get(`/api/people?q=${person.phone.slice(-6)}`, planner);
    expect(byPhone.body.items.map((p: any) => p.id)).toContain(memberPersonId);
    const byVillage = await get(`/api/people?village=${memberVillage}&limit=500`, planner);
    expect(byVillage.body.items.every((p: any) => p.villageCode === memberVillage)).toBe(true);
    expect(byVillage.body.items.map((p: any) => p.id)).toContain(memberPersonId);
    const police = await get('/api/people?unit=police&limit=5', planner);
    expect(police.body.total).toBeGreaterThan(0);
    expect(police.body.items.every((p: any) => p.unitCode === 'police')).toBe(true);
    const paged = await get('/api/people?limit=2&offset=2', planner);
    expect(paged.body.items).toHaveLength(2);
    expect(paged.body.total).toBeGreaterThan(1000);
    const units = await get('/api/units', planner);
    expect(units.body.map((u: any) => u.code)).toContain('police');
  });

  it('adds a person (planner only, validated, audited with the caller as actor)', async () => {
    const res = await call('POST', '/api/people', planner, { name: '测试 新人', phone: '19900099001', gender: 'F', villageCode: memberVillage });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: '测试 新人', villageCode: memberVillage, regionCode: memberVillage });
    const { rows: [log] } = await sql<{ actorId: number; username: string }>`select a.actor_id, u.username from audit_log a
      join users u on u.id = a.actor_id where a.action = 'person.create' and a.entity_id = ${String(res.body.id)}`.execute(t.db.kysely);
    expect(log.username).toBe('planner');
    // the same again is a duplicate; bad input says what is wrong; other roles may not add
    expect((await call('POST', '/api/people', planner, { name: '测试 新人', phone: '19900099001', villageCode: memberVillage })).status).toBe(422);
    const bad = await call('POST', '/api/people', planner, { name: '', phone: 'x', villageCode: '12' });
    expect(bad.status).toBe(400);
    expect(bad.type).toContain('application/problem+json');
    expect(bad.body.detail).toMatch(/name/);
    expect((await call('POST', '/api/people', planner, { name: 'A', villageCode: '990101999999' })).status).toBe(422);
    const dispatcher = await t.login('dispatcher');
    expect((await call('POST', '/api/people', dispatcher, { name: 'A', villageCode: memberVillage })).status).toBe(403);
  });

  it('imports a CSV all or nothing, with a row-by-row report; dry runs write nothing', async () => {
    const count = async () => Number((await sql<{ n: number }>`select count(*) as n from people`.execute(t.db.kysely)).rows[0].n);
    const before = await count();
    const bad = [
      'name,phone,gender,unit,village',
      `张一,19900099101,男,,${memberVillage}`,
      `,19900099102,女,,${memberVillage}`,
      `张三,abc,X,nosuchunit,${memberVillage}`,
      '"李, 四",19900099104,F,police,',
      `张一,19900099101,M,,${memberVillage}`,
    ].join('\r\n');
    const refused = await call('POST', '/api/people/import', planner, bad, 'text/csv');
    expect(refused.status).toBe(422);
    const rows = refused.body.errors.map((e: any) => e.row);
    expect(rows).toEqual(expect.arrayContaining([3, 4, 6]));
    expect(rows).not.toContain(2);
    expect(rows).not.toContain(5);
    expect(refused.body.errors.find((e: any) => e.row === 4 && e.column === 'unit').message).toMatch(/nosuchunit/);
    expect(refused.body.errors.find((e: any) => e.row === 6).message).toMatch(/row 2/);
    expect(await count()).toBe(before);

    const good = `姓名,电话,性别,单位,村\n王五,19900099105,男,,${memberVillage}\n"赵""六""",19900099106,F,police,\n`;
    const dry = await call('POST', '/api/people/import?dryRun=true', planner, good, 'text/csv');
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ dryRun: true, ok: true, rows: 2, valid: 2, inserted: 0, errors: [] });
    expect(await count()).toBe(before);

    const form = new FormData();
    form.append('file', new Blob([good], { type: 'text/csv' }), 'people.csv');
    const done = await call('POST', '/api/people/import', planner, form);
    expect(done.status).toBe(201);
    expect(done.body.inserted).toBe(2);
    expect(await count()).toBe(before + 2);
    const zhao = (await get(`/api/people/${done.body.ids[1]}`, planner)).body;
    expect(zhao).toMatchObject({ name: '赵"六"', unitCode: 'police', villageCode: null });
    expect((await call('POST', '/api/people/import', member, good, 'text/csv')).status).toBe(403);
    expect((await call('POST', '/api/people/import', planner, '{}', 'application/json')).status).toBe(415);
  });
});

describe('assignments', () => {
  let grids: number[];
  let a: number, b: number;

  it('assigns people to a grid with a duty, and refuses the same duty twice', async () => {
    const loaded = await loadGridFixture(t.db.kysely, 'valid-3x3', 31);
    grids = loaded.ids;
    const mk = async (name: string) => (await call('POST', '/api/people', planner, { name, villageCode: loaded.village })).body.id as number;
    a = await mk('交接甲');
    b = await mk('交接乙');
    const res = await call('POST', `/api/grids/${grids[0]}/assignments`, planner, { personId: a, duty: 'leader', validFrom: '2026-01-01' });
    expect(res.status).toBe(201);
    expect(res.body.assignments).toHaveLength(1);
    expect(res.body.assignments[0]).toMatchObject({ personId: a, duty: 'leader', current: true, validTo: null });
    expect((await call('POST', `/api/grids/${grids[0]}/assignments`, planner, { personId: a, duty: 'leader' })).status).toBe(409);
    expect((await call('POST', `/api/grids/${grids[0]}/assignments`, planner, { personId: a, duty: 'boss' })).status).toBe(400);
    expect((await call('POST', `/api/grids/${grids[0]}/assignments`, planner, { personId: 999999999, duty: 'leader' })).status).toBe(404);
    expect((await call('POST', `/api/grids/${grids[0]}/assignments`, await t.login('inspector'), { personId: b, duty: 'leader' })).status).toBe(403);
    const grid = (await t.get(`/api/grids/${grids[0]}`, planner)).body;
    expect(grid.properties.members.map((m: any) => m.personId)).toEqual([a]);
  });

  it('hands a duty over atomically: history shows both, only one is current', async () => {
    const res = await call('POST', `/api/grids/${grids[0]}/assignments/handover`, planner, { fromPersonId: a, toPersonId: b, duty: 'leader' });
    expect(res.status).toBe(200);
    expect(res.body.assignments.map((x: any) => [x.personId, x.duty])).toEqual([[b, 'leader']]);
    const history = (await get(`/api/grids/${grids[0]}/assignments?history=true`, planner)).body.assignments;
    expect(history).toHaveLength(2);
    const [current, past] = history;
    expect(current).toMatchObject({ personId: b, current: true, validTo: null });
    expect(past).toMatchObject({ personId: a, current: false });
    // the outgoing assignment ends exactly when the incoming one begins
    expect(past.validTo).toBe(current.validFrom);
    expect(history.filter((x: any) => x.current && x.duty === 'leader')).toHaveLength(1);
    // a second handover from a no longer holds
    expect((await call('POST', `/api/grids/${grids[0]}/assignments/handover`, planner, { fromPersonId: a, toPersonId: b, duty: 'leader' })).status).toBe(409);

    const personA = (await get(`/api/people/${a}`, planner)).body;
    expect(personA.currentGrids).toEqual([]);
    expect(personA.history).toHaveLength(1);
    const personB = (await get(`/api/people/${b}`, planner)).body;
    expect(personB.currentGrids.map((x: any) => x.gridId)).toEqual([grids[0]]);
    const { rows } = await sql<{ n: number }>`select count(*) as n from audit_log where action = 'assignment.handover'`.execute(t.db.kysely);
    expect(Number(rows[0].n)).toBe(1);
  });

  it('ends an assignment without deleting it', async () => {
    const res = await call('DELETE', `/api/grids/${grids[0]}/assignments?personId=${b}`, planner);
    expect(res.status).toBe(200);
    expect(res.body.ended).toHaveLength(1);
    expect((await get(`/api/grids/${grids[0]}/assignments`, planner)).body.assignments).toEqual([]);
    expect((await get(`/api/grids/${grids[0]}/assignments?history=true`, planner)).body.assignments).toHaveLength(2);
    expect((await call('DELETE', `/api/grids/${grids[0]}/assignments?personId=${b}`, planner)).status).toBe(404);
    // by id: assign again and end that one assignment
    const again = await call('POST', `/api/grids/${grids[1]}/assignments`, planner, { personId: a, duty: 'part_time' });
    expect((await call('DELETE', `/api/grids/${grids[1]}/assignments/${again.body.id}`, planner)).status).toBe(200);
    expect((await call('DELETE', `/api/grids/${grids[1]}/assignments/${again.body.id}`, planner)).status).toBe(409);
  });
});

describe('the staffing report', () => {
  it('counts grids with no member, no leader and overloaded members on a fixture village', async () => {
    const { village, ids: g } = await loadGridFixture(t.db.kysely, 'valid-3x3', 32);
    const mk = async (name: string) => (await call('POST', '/api/people', planner, { name, villageCode: village })).body.id as number;
    const [p1, p2, p3, p4] = [await mk('配置一'), await mk('配置二'), await mk('配置三'), await mk('配置四')];
    const assign = async (grid: number, personId: number, duty: string) =>
      expect((await call('POST', `/api/grids/${grid}/assignments`, planner, { personId, duty })).status).toBe(201);
    await assign(g[0], p1, 'leader');
    await assign(g[1], p1, 'leader');
    for (const grid of g.slice(2, 7)) await assign(grid, p2, 'full_time'); // 5 grids > 4
    await assign(g[7], p3, 'police'); // police are not grid members
    await sql`update grids set households = 2000 where id = ${g[8]}`.execute(t.db.kysely);
    await assign(g[8], p4, 'part_time'); // 2000 households > 1000

    const res = await get(`/api/staffing?region=${village}`, planner);
    expect(res.status).toBe(200);
    const report = res.body;
    expect(report.thresholds).toMatchObject({ maxGrids: 4, maxHouseholds: 1000 });
    expect(report.summary).toEqual({ grids: 9, noMember: 1, noLeader: 7, withOverloadedMember: 6, overloadedPeople: 2 });
    expect(report.villages).toEqual([expect.objectContaining({ code: village, grids: 9, noMember: 1, noLeader: 7, ok: false })]);
    expect(report.townships).toHaveLength(1);
    expect(report.overloaded.map((p: any) => [p.personId, p.grids, p.over])).toEqual([[p2, 5, ['grids']], [p4, 1, ['households']]]);
    const problems = Object.fromEntries(report.problemGrids.features.map((f: any) => [f.id, f.properties.problems]));
    expect(Object.keys(problems).map(Number).sort((x, y) => x - y)).toEqual(g.slice(2));
    expect(problems[g[7]]).toEqual(['no_member', 'no_leader']);
    expect(problems[g[8]]).toEqual(['no_leader', 'overloaded_member']);
    expect(report.problemGrids.features[0].geometry.type).toBe('MultiPolygon');
  });

  it('covers the caller\'s scope by default, with per-township and per-village counts', async () => {
    const res = await get('/api/staffing', planner);
    expect(res.status).toBe(200);
    expect(res.body.region).toBe('990101000000');
    expect(res.body.summary.grids).toBeGreaterThan(2000);
    expect(res.body.summary.noLeader).toBeGreaterThan(0);
    expect(res.body.townships.length).toBeGreaterThan(20);
    const sum = res.body.villages.reduce((n: number, v: any) => n + v.grids, 0);
    expect(sum).toBe(res.body.summary.grids);
    expect(res.body.problemGrids.features.length).toBeGreaterThan(0);
  });
});

describe('my area', () => {
  it('gives a grid member their grids, the key sites in them by category, open incidents and duties', async () => {
    const res = await get('/api/me/area', member);
    expect(res.status).toBe(200);
    const area = res.body;
    expect(area.person.id).toBe(memberPersonId);
    expect(area.grids.features.map((f: any) => f.id).sort((x: number, y: number) => x - y)).toEqual(memberGridIds);
    expect(area.duties.length).toBeGreaterThanOrEqual(memberGridIds.length);
    expect(area.sites.features.length).toBeGreaterThan(0);
    expect(area.sites.features.every((f: any) => memberGridIds.includes(f.properties.gridId))).toBe(true);
    expect(area.sitesByCategory.reduce((n: number, c: any) => n + c.count, 0)).toBe(area.sites.features.length);
    expect(area.incidents.features.every((f: any) => memberGridIds.includes(f.properties.gridId)
      && !['closed', 'rejected'].includes(f.properties.state))).toBe(true);
    // the same open incidents the database holds for those grids, no more, no fewer
    const { rows } = await sql<{ n: number }>`select count(*) as n from incidents where grid_id = any(${memberGridIds}::bigint[])
      and state not in ('closed', 'rejected')`.execute(t.db.kysely);
    expect(area.incidents.features).toHaveLength(Number(rows[0].n));
  });

  it('is a 403 problem for other roles', async () => {
    const res = await get('/api/me/area', planner);
    expect(res.status).toBe(403);
    expect(res.type).toContain('application/problem+json');
    expect(res.body.detail).toMatch(/grid members/);
  });
});

describe('scope, from the outside', () => {
  let foreignGrid: number;
  let foreignPerson: number;

  beforeAll(async () => {
    const { rows: [g] } = await sql<{ id: number; personId: number }>`select g.id, a.person_id from grids g
      join grid_assignments a on a.grid_id = g.id and a.valid_to is null
      where g.valid_to is null and g.village_code <> ${memberVillage} and left(g.village_code, 9) <> ${memberVillage.slice(0, 9)}
      order by g.id limit 1`.execute(t.db.kysely);
    foreignGrid = Number(g.id);
    foreignPerson = Number(g.personId);
  });

  it('a grid member sees only the people of their own grids', async () => {
    const list = (await get('/api/people?limit=500', member)).body.items;
    expect(list.length).toBeGreaterThan(1);
    const { rows } = await sql<{ personId: number }>`select distinct person_id from grid_assignments
      where grid_id = any(${memberGridIds}::bigint[]) and valid_to is null`.execute(t.db.kysely);
    const allowed = new Set([memberPersonId, ...rows.map((r) => Number(r.personId))]);
    expect(list.every((p: any) => allowed.has(p.id))).toBe(true);
  });

  it('a member of another village gets 404 for a person, a grid\'s assignments and a staffing region', async () => {
    expect((await get(`/api/people/${foreignPerson}`, member)).status).toBe(404);
    expect((await get(`/api/grids/${foreignGrid}/assignments`, member)).status).toBe(404);
    const foreignVillage = (await sql<{ v: string }>`select village_code as v from grids where id = ${foreignGrid}`.execute(t.db.kysely)).rows[0].v;
    expect((await get(`/api/staffing?region=${foreignVillage}`, member)).status).toBe(404);
    // and cannot change anything
    expect((await call('POST', `/api/grids/${memberGridIds[0]}/assignments`, member, { personId: memberPersonId, duty: 'mediator' })).status).toBe(403);
  });

  it('township staff see and change only their township', async () => {
    const { rows: [own] } = await sql<{ code: string; gridId: number }>`select left(g.village_code, 9) as code, g.id as grid_id from grids g
      where g.valid_to is null and g.village_code = ${memberVillage} limit 1`.execute(t.db.kysely);
    const township = await newUser('township-planner', 'planner', own.code);
    const people = (await get('/api/people?limit=500', township)).body;
    expect(people.total).toBeGreaterThan(0);
    // everyone listed belongs to the township, or serves on one of its grids (e.g. county police)
    const { rows: serving } = await sql<{ personId: number }>`select distinct a.person_id from grid_assignments a
      join grids g on g.id = a.grid_id where a.valid_to is null and g.village_code like ${`${own.code}%`}`.execute(t.db.kysely);
    const servingIds = new Set(serving.map((r) => Number(r.personId)));
    expect(people.items.every((p: any) => p.regionCode.startsWith(own.code) || servingIds.has(Number(p.id)))).toBe(true);
    expect(people.items.some((p: any) => !p.regionCode.startsWith(own.code))).toBe(true);
    const staffing = (await get('/api/staffing', township)).body;
    expect(staffing.region).toBe(`${own.code}000`);
    expect(staffing.villages.every((v: any) => v.code.startsWith(own.code))).toBe(true);
    expect(staffing.townships.map((x: any) => x.code)).toEqual([`${own.code}000`]);
    expect((await get(`/api/people/${foreignPerson}`, township)).status).toBe(404);
    expect((await get(`/api/grids/${foreignGrid}/assignments`, township)).status).toBe(404);
    expect((await call('POST', `/api/grids/${foreignGrid}/assignments`, township, { personId: memberPersonId, duty: 'mediator' })).status).toBe(404);
    expect((await call('POST', '/api/people', township, { name: '外镇', unitCode: 'police' })).status).toBe(403);
    const mine = await call('POST', `/api/grids/${own.gridId}/assignments`, township, { personId: memberPersonId, duty: 'mediator' });
    expect(mine.status).toBe(201);
  });
});
