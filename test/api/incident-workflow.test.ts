import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestContext, createTestContext } from '../support/test-app.ts';

/**
 * Every action in every state for every role, generated from the workflow tables
 * (incident_transitions, incident_permissions). The expectation is computed here from the tables and
 * from what the test knows about each account and incident (its relations), not by the server's
 * function, so a server that enforced something else fails: 403 with the allowed actions when the
 * role and relation do not permit the action, 409 with the current state when the action does not
 * lead out of the state, 200 and the table's target state otherwise.
 */

const states = ['reported', 'accepted', 'rejected', 'dispatched', 'in_progress', 'resolved', 'closed', 'escalated', 'reopened'];
const actions = ['accept', 'reject', 'duplicate', 'escalate', 'dispatch', 'start', 'resolve', 'close', 'reopen', 'confirm', 'supervise'];
const accounts = ['admin', 'planner', 'dispatcher', 'inspector', 'member', 'unit'] as const;
type Account = typeof accounts[number];
const roleOf: Record<Account, string> = { admin: 'admin', planner: 'planner', dispatcher: 'dispatcher', inspector: 'inspector', member: 'grid_member', unit: 'unit_staff' };

let t: TestContext;
const cookies = {} as Record<Account, string>;
let transitions: Array<{ action: string; fromState: string; toState: string | null }>;
let permissions: Array<{ role: string; action: string; relation: string }>;
let memberPerson: number;
let otherPerson: number;
let unitId: number;
let otherUnitId: number;
let gridId: number;
let villageCode: string;
let original: number;

beforeAll(async () => {
  t = await createTestContext();
  for (const a of accounts) cookies[a] = await t.login(a);
  const db = t.db.kysely;
  transitions = await db.selectFrom('incidentTransitions').selectAll().execute();
  permissions = await db.selectFrom('incidentPermissions').selectAll().execute();
  const member = await db.selectFrom('users').select('personId').where('username', '=', 'member').executeTakeFirstOrThrow();
  memberPerson = Number(member.personId);
  const unit = await db.selectFrom('users as u').innerJoin('people as p', 'p.id', 'u.personId').select('p.unitId')
    .where('u.username', '=', 'unit').executeTakeFirstOrThrow();
  unitId = unit.unitId!;
  otherUnitId = (await db.selectFrom('units').select('id').where('code', '=', 'justice').executeTakeFirstOrThrow()).id;
  const grid = await db.selectFrom('gridAssignments as a').innerJoin('grids as g', 'g.id', 'a.gridId')
    .select(['g.id', 'g.villageCode']).where('a.personId', '=', memberPerson).where('a.validTo', 'is', null).orderBy('g.code')
    .executeTakeFirstOrThrow();
  gridId = Number(grid.id);
  villageCode = grid.villageCode;
  otherPerson = Number((await db.selectFrom('people').select('id').where('id', '<>', memberPerson).orderBy('id').executeTakeFirstOrThrow()).id);
  original = await insertIncident('reported', memberPerson, 'ORIG');
});
afterAll(async () => { await t?.close(); });

async function insertIncident(state: string, reporter: number, code: string) {
  const { rows } = await sql<{ id: number }>`insert into incidents (code, category, title, location, grid_id, region_code, state, level,
      reporter_id, unit_id, due_at, created_at)
    select ${code}, 'dispute.neighbour', ${`流程测试 ${code}`}, ST_PointOnSurface(g.geom), g.id, g.village_code, ${state}, 'village',
      ${reporter}, ${unitId}, now() + interval '7 days', now()
    from grids g where g.id = ${gridId} returning id`.execute(t.db.kysely);
  return Number(rows[0].id);
}

/** How each account stands to the test incidents (all in the member's grid, dispatched to the unit's unit, village level). */
function relations(account: Account, reportedByMember: boolean): Set<string> {
  const held = new Set<string>();
  // county-scoped accounts cover the village at every level; the member's scope is that village, at village level
  held.add('scope');
  if (account === 'member') held.add('grid');
  if (account === 'unit') held.add('unit');
  if (account === 'member' && reportedByMember) held.add('reporter');
  return held;
}
const permitted = (account: Account, action: string, held: Set<string>) =>
  permissions.some((p) => p.action === action && (p.role === roleOf[account] || p.role === '*') && held.has(p.relation));
const step = (action: string, state: string) => transitions.find((tr) => tr.action === action && tr.fromState === state);
const allowed = (account: Account, state: string, held: Set<string>) =>
  actions.filter((a) => step(a, state) && permitted(account, a, held)).sort();

const bodyFor = (action: string, version: number) => ({
  action, version, note: '测试说明',
  ...(action === 'dispatch' ? { unitId: otherUnitId } : {}),
  ...(action === 'confirm' ? { data: { satisfied: true } } : {}),
  ...(action === 'duplicate' ? { data: { duplicateOf: original } } : {}),
});

async function post(path: string, body: unknown, cookie: string) {
  const res = await t.app.request(path, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() as any };
}

describe('the workflow table, every role × state × action', () => {
  it('the tables are what the workflow says (spot checks by hand)', () => {
    expect(step('accept', 'reported')?.toState).toBe('accepted');
    expect(step('close', 'resolved')?.toState).toBe('closed');
    expect(step('close', 'in_progress')).toBeUndefined();
    expect(permitted('unit', 'close', new Set(['unit']))).toBe(false);
    expect(permitted('unit', 'resolve', new Set(['unit']))).toBe(true);
    expect(permitted('inspector', 'accept', new Set(['scope']))).toBe(false);
    expect(permitted('member', 'confirm', new Set(['grid', 'reporter']))).toBe(true);
  });

  const cases: Array<{ account: Account; state: string; action: string; byMember: boolean }> = [];
  for (const account of accounts) for (const state of states) for (const action of actions) {
    cases.push({ account, state, action, byMember: false });
    if (account === 'member') cases.push({ account, state, action, byMember: true });
  }

  it(`answers ${cases.length} combinations as the tables say`, async () => {
    let n = 0;
    const ids: number[] = [];
    for (const c of cases) ids.push(await insertIncident(c.state, c.byMember ? memberPerson : otherPerson, `WF${String(n++).padStart(4, '0')}`));
    const failures: string[] = [];
    const tally = { ok: 0, forbidden: 0, illegal: 0 };
    for (const [i, c] of cases.entries()) {
      const held = relations(c.account, c.byMember);
      const res = await post(`/api/incidents/${ids[i]}/actions`, bodyFor(c.action, 1), cookies[c.account]);
      const label = `${c.account}${c.byMember ? ' (reporter)' : ''} ${c.action} on ${c.state}`;
      if (!permitted(c.account, c.action, held)) {
        tally.forbidden++;
        if (res.status !== 403) failures.push(`${label}: expected 403, got ${res.status}`);
        else if (JSON.stringify(res.body.allowedActions) !== JSON.stringify(allowed(c.account, c.state, held))) {
          failures.push(`${label}: allowed ${JSON.stringify(res.body.allowedActions)} ≠ ${JSON.stringify(allowed(c.account, c.state, held))}`);
        }
      } else if (!step(c.action, c.state)) {
        tally.illegal++;
        if (res.status !== 409 || res.body.currentState !== c.state) failures.push(`${label}: expected 409 in ${c.state}, got ${res.status} ${res.body.currentState}`);
      } else {
        tally.ok++;
        const to = step(c.action, c.state)!.toState ?? c.state;
        if (res.status !== 200) failures.push(`${label}: expected 200, got ${res.status} ${res.body.detail}`);
        else if (res.body.properties.state !== to || res.body.properties.version !== 2) failures.push(`${label}: state ${res.body.properties.state}, expected ${to}`);
        else if (res.body.properties.timeline.at(-1).action !== c.action) failures.push(`${label}: no event`);
      }
    }
    expect(failures).toEqual([]);
    // the generated cases cover all three outcomes in numbers
    expect(tally.ok).toBeGreaterThan(40);
    expect(tally.forbidden).toBeGreaterThan(300);
    expect(tally.illegal).toBeGreaterThan(100);
  }, 600_000);
});

describe('transitions checked by hand', () => {
  it('a grid member may not accept: 403 listing what they may do', async () => {
    const id = await insertIncident('resolved', memberPerson, 'HAND1');
    const res = await post(`/api/incidents/${id}/actions`, { action: 'accept' }, cookies.member);
    expect(res.status).toBe(403);
    expect(res.body.type).toBe('/problems/forbidden');
    expect(res.body.allowedActions).toEqual(['confirm', 'reopen']);
  });

  it('closing a reported incident is 409 with its state; a rejection without reason is 422; nothing changes', async () => {
    const id = await insertIncident('reported', otherPerson, 'HAND2');
    const close = await post(`/api/incidents/${id}/actions`, { action: 'close' }, cookies.dispatcher);
    expect(close.status).toBe(409);
    expect(close.body).toMatchObject({ type: '/problems/illegal-transition', currentState: 'reported' });
    const reject = await post(`/api/incidents/${id}/actions`, { action: 'reject', note: '  ' }, cookies.dispatcher);
    expect(reject.status).toBe(422);
    const now = await t.get(`/api/incidents/${id}`, cookies.dispatcher);
    expect(now.body.properties).toMatchObject({ state: 'reported', version: 1 });
    expect(now.body.properties.timeline).toHaveLength(0);
  });

  it('the unit starts and resolves its case and records the result; only the dispatcher closes', async () => {
    const id = await insertIncident('dispatched', otherPerson, 'HAND3');
    expect((await post(`/api/incidents/${id}/actions`, { action: 'start', version: 1 }, cookies.unit)).status).toBe(200);
    expect((await post(`/api/incidents/${id}/actions`, { action: 'resolve', version: 2 }, cookies.unit)).status).toBe(422);
    const resolved = await post(`/api/incidents/${id}/actions`, { action: 'resolve', note: '已调解，双方签字', version: 2 }, cookies.unit);
    expect(resolved.body.properties).toMatchObject({ state: 'resolved', result: '已调解，双方签字' });
    expect(resolved.body.properties.resolvedAt).not.toBeNull();
    expect((await post(`/api/incidents/${id}/actions`, { action: 'close', version: 3 }, cookies.unit)).status).toBe(403);
    const closed = await post(`/api/incidents/${id}/actions`, { action: 'close', version: 3 }, cookies.dispatcher);
    expect(closed.body.properties.state).toBe('closed');
    expect(closed.body.properties.closedAt).not.toBeNull();
    const audit = await sql<{ action: string }>`select action from audit_log where entity = 'incident' and entity_id = ${String(id)} order by id`.execute(t.db.kysely);
    expect(audit.rows.map((r) => r.action)).toEqual(['incident.start', 'incident.resolve', 'incident.close']);
  });
});
