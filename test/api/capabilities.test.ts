import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAPABILITIES, type Capability, INCIDENT_CAPABILITY_NAMES, ROLES } from '../../server/auth/capabilities.ts';
import { type Call, sendCall } from '../support/authz.ts';
import { type TestContext, createTestContext } from '../support/test-app.ts';

/**
 * The role model end to end: for each demo account, `may` in /api/auth/me agrees with what the
 * server accepts. For every capability one representative request (the one the web's control for
 * it sends) is made by every account, on something inside every account's area (the grid member's
 * own grid), so that only the capability decides: it must succeed (2xx) iff may[capability] is
 * true, and be refused with 403 `forbidden` naming the capability otherwise. Every button the web
 * shows is then one the server accepts, and none it hides would be accepted.
 */

const accounts = ['admin', 'planner', 'dispatcher', 'inspector', 'member', 'unit'] as const;
type Account = (typeof accounts)[number];

/** A call of test/support/authz.ts with its method. */
type Probe = Call & { method: string };

let t: TestContext;
const cookies = {} as Record<Account, string>;
const mays = {} as Record<Account, Record<Capability, boolean>>;
let villageIn: string;
let gridIn: number;
let pointIn: [number, number];
let unitId: number;
let otherUnitId: number;
let patrolRuleId: number;

async function one<T>(query: ReturnType<typeof sql<T>>): Promise<T> {
  const { rows } = await query.execute(t.db.kysely);
  if (!rows[0]) throw new Error('fixture query found nothing');
  return rows[0];
}

/** A fresh incident in the member's grid, in a state, dispatched to the unit account's unit. */
async function incidentIn(state: string): Promise<number> {
  return Number((await one(sql<{ id: number }>`insert into incidents (code, category, title, location, grid_id, region_code, state, level,
    unit_id, due_at) values (app.next_incident_code(now()), 'order.public', '能力测试事件', ST_SetSRID(ST_MakePoint(${pointIn[0]}, ${pointIn[1]}), 4326),
    ${gridIn}, ${villageIn}, ${state}, 'village', ${unitId}, now() + interval '3 days') returning id`)).id);
}

let serial = 0;
/**
 * The representative request of each capability, made fresh for every call (a call that succeeds
 * may consume what it acts on). The web control that sends it is named beside it.
 */
const probes: Record<Capability, () => Promise<Probe>> = {
  // PlanStart's "调整网格" (open a draft): one open draft per area, so earlier drafts are discarded first
  editPlans: async () => {
    await sql`update plans set status = 'discarded' where status = 'draft'`.execute(t.db.kysely);
    return { method: 'POST', path: '/api/plans', body: { region: villageIn } };
  },
  // LayerPanel's "添加场所" and the site panel's edit/move/delete
  editSites: async () => ({ method: 'POST', path: '/api/sites', body: { category: 'camera', name: `能力测试点 ${++serial}`, geometry: { type: 'Point', coordinates: pointIn } } }),
  // LayerPanel's "导入" (site import dialog)
  importSites: async () => {
    const form = new FormData();
    form.set('file', new Blob(['{"type":"FeatureCollection","features":[]}'], { type: 'application/geo+json' }), 'empty.geojson');
    form.set('kind', 'sites'); form.set('crs', 'wgs84'); form.set('dryRun', 'true');
    return { method: 'POST', path: '/api/imports', raw: { data: form } };
  },
  // (no web control yet: the API's POST /api/people)
  editPeople: async () => ({ method: 'POST', path: '/api/people', body: { name: `能力测试${++serial}`, phone: `1390000${String(1000 + serial).slice(-4)}`, villageCode: villageIn } }),
  // PeoplePanel's directory CSV import
  importPeople: async () => ({ method: 'POST', path: '/api/people/import?dryRun=true', raw: { data: 'name,phone\n', type: 'text/csv' } }),
  // AssignmentsSection's assign/hand over/end, PersonPanel's end of a duty
  assignMembers: async () => {
    const person = Number((await one(sql<{ id: number }>`insert into people (name, village_code, region_code)
      values (${`能力测试员${++serial}`}, ${villageIn}, ${villageIn}) returning id`)).id);
    return { method: 'POST', path: `/api/grids/${gridIn}/assignments`, body: { personId: person, duty: 'part_time' } };
  },
  // the 人员 (people) tab's compliance section, and the people and rules tabs
  viewCompliance: async () => ({ method: 'GET', path: `/api/patrols/compliance?region=${villageIn}` }),
  // TopBar's "审计日志" button
  viewAudit: async () => ({ method: 'GET', path: '/api/audit?limit=1' }),
  // (no web control yet: PATCH /api/patrol-rules/{id})
  editPatrolRules: async () => ({ method: 'PATCH', path: `/api/patrol-rules/${patrolRuleId}`, body: { enabled: true } }),
  // the 我的网格 (my area) tab
  myArea: async () => ({ method: 'GET', path: '/api/me/area' }),
  // SitePanel's check-in section at a site of one's grids
  checkIn: async () => {
    const site = Number((await one(sql<{ id: number }>`insert into sites (category, name, geom, region_code, grid_id)
      values ('camera', '能力测试摄像头', ST_SetSRID(ST_MakePoint(${pointIn[0]}, ${pointIn[1]}), 4326), ${villageIn}, ${gridIn}) returning id`)).id);
    return { method: 'POST', path: '/api/patrols', body: { siteId: site, lon: pointIn[0], lat: pointIn[1] } };
  },
  // (no web control yet: the admin console's backups, POST /api/admin/backups)
  manageBackups: async () => ({ method: 'POST', path: '/api/admin/backups' }),
  // RulesPanel's violation downloads
  export: async () => ({ method: 'GET', path: `/api/exports?kind=sites&format=geojson&region=${villageIn}` }),
  // MyArea's "上报事件", IncidentsPanel's caller's report and "entered by me", RulesPanel's "report as incident"
  report: async () => ({ method: 'POST', path: '/api/incidents', body: { category: 'order.public', title: '能力测试上报', location: { type: 'Point', coordinates: pointIn } } }),
  // IncidentsPanel's intake queue (the incident panel's buttons follow allowedActions per incident)
  dispatch: async () => ({ method: 'POST', path: `/api/incidents/${await incidentIn('dispatched')}/actions`, body: { action: 'dispatch', unitId: otherUnitId } }),
  // (the incident panel's 办结 button, shown from allowedActions)
  close: async () => ({ method: 'POST', path: `/api/incidents/${await incidentIn('resolved')}/actions`, body: { action: 'close' } }),
  // IncidentsPanel's unit inbox and its notices
  handleAsUnit: async () => {
    const incident = await incidentIn('dispatched');
    const notice = Number((await one(sql<{ id: number }>`insert into incident_notifications (incident_id, unit_id, kind, note)
      values (${incident}, ${unitId}, 'supervise', '能力测试督办') returning id`)).id);
    return { method: 'POST', path: `/api/incident-notifications/${notice}/read` };
  },
};

function send(call: Probe, account: Account) {
  return sendCall(t.app, call.method, call, cookies[account]);
}

beforeAll(async () => {
  t = await createTestContext({ backups: true });
  for (const account of accounts) {
    cookies[account] = await t.login(account);
    const me = await t.get('/api/auth/me', cookies[account]);
    if (me.status !== 200) throw new Error(`me ${account}: ${me.status}`);
    mays[account] = me.body.user.may;
  }
  villageIn = (await t.get('/api/auth/me', cookies.member)).body.user.scopeCode;
  gridIn = Number((await one(sql<{ id: number }>`select a.grid_id as id from grid_assignments a join users u on u.person_id = a.person_id
    where u.username = 'member' and a.valid_to is null order by a.grid_id limit 1`)).id);
  const p = await one(sql<{ x: number; y: number }>`select ST_X(p) as x, ST_Y(p) as y from (select ST_PointOnSurface(geom) as p from grids where id = ${gridIn}) g`);
  pointIn = [Number(p.x), Number(p.y)];
  unitId = Number((await one(sql<{ id: number }>`select p.unit_id as id from users u join people p on p.id = u.person_id where u.username = 'unit'`)).id);
  otherUnitId = Number((await one(sql<{ id: number }>`select id from units where id <> ${unitId} order by id limit 1`)).id);
  patrolRuleId = Number((await one(sql<{ id: number }>`select id from patrol_rules order by id limit 1`)).id);
}, 240_000);
afterAll(async () => {
  await t?.close();
});

describe('capabilities', () => {
  it('are answered in full by /api/auth/me and by the login, and documented in /api/openapi.json', async () => {
    for (const account of accounts) {
      expect(Object.keys(mays[account]).sort(), account).toEqual([...CAPABILITIES].sort());
      expect(Object.values(mays[account]).every((v) => typeof v === 'boolean')).toBe(true);
    }
    const login = await t.app.request('/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'dispatcher', password: 'demo-2026' }) });
    expect(((await login.json()) as any).user.may).toEqual(mays.dispatcher);
    const doc = (await t.get('/api/openapi.json')).body;
    expect(Object.keys(doc.components.schemas.Capabilities.properties).sort()).toEqual([...CAPABILITIES].sort());
    expect(doc.components.schemas.Me.properties.role.enum).toEqual([...ROLES]);
  });

  it('differ by role as the roles are described (a check on the table itself)', () => {
    const holders = (cap: Capability) => accounts.filter((a) => mays[a][cap]);
    expect(holders('editPlans')).toEqual(['admin', 'planner']);
    expect(holders('viewAudit')).toEqual(['admin']);
    expect(holders('report')).toEqual(['admin', 'dispatcher', 'member']);
    expect(holders('dispatch')).toEqual(['admin', 'dispatcher']);
    expect(holders('handleAsUnit')).toEqual(['unit']);
    expect(holders('myArea')).toEqual(['member']);
    expect(holders('viewCompliance')).toEqual(['admin', 'planner', 'dispatcher', 'inspector']);
    // the inspector is read-only: no capability that writes
    expect(CAPABILITIES.filter((c) => mays.inspector[c])).toEqual(['viewCompliance', 'export']);
  });

  it('incident capabilities are data: a row added to incident_permissions shows in may and is honoured', async () => {
    const db = t.db.kysely;
    expect(INCIDENT_CAPABILITY_NAMES).toContain('report');
    expect(mays.inspector.report).toBe(false);
    await db.insertInto('incidentPermissions').values({ role: 'inspector', action: 'report', relation: 'scope' }).execute();
    try {
      expect((await t.get('/api/auth/me', cookies.inspector)).body.user.may.report).toBe(true);
      expect((await send(await probes.report(), 'inspector')).status).toBe(201);
    } finally {
      await db.deleteFrom('incidentPermissions').where('role', '=', 'inspector').where('action', '=', 'report').execute();
    }
    expect((await t.get('/api/auth/me', cookies.inspector)).body.user.may.report).toBe(false);
  });

  for (const capability of CAPABILITIES) {
    it(`${capability}: accepted iff may.${capability}, for every demo role`, async () => {
      const failures: string[] = [];
      for (const account of accounts) {
        const res = await send(await probes[capability](), account);
        const may = mays[account][capability];
        if (may && (res.status < 200 || res.status >= 300)) {
          failures.push(`${account}: may, but got ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
        } else if (!may && (res.status !== 403 || res.body?.type !== '/problems/forbidden' || res.body?.capability !== capability)) {
          failures.push(`${account}: may not, but got ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
        }
      }
      expect(failures.join('\n')).toBe('');
      // a capability that no demo role holds (or every one) would prove only half
      expect(accounts.some((a) => mays[a][capability])).toBe(true);
    });
  }
});

/**
 * Which web control each capability governs: the web decides from `session.user.may` alone. Each
 * file named must read the capability, and no web file may compare roles.
 */
const webControls: Array<[Capability, string, string]> = [
  ['editPlans', 'planning/PlanStart.svelte', '调整网格: open a draft plan'],
  ['editSites', 'sites/site-edit.svelte.ts', 'add, edit, move and delete key sites (LayerPanel, SitePanel)'],
  ['importSites', 'layers/LayerPanel.svelte', 'import key sites'],
  ['importPeople', 'people/PeoplePanel.svelte', 'directory CSV import'],
  ['assignMembers', 'people/AssignmentsSection.svelte', 'assign, hand over, end duties of a grid'],
  ['assignMembers', 'people/PersonPanel.svelte', 'end a person\'s duty'],
  ['viewCompliance', 'shell/ui.svelte.ts', 'the people and rules tabs'],
  ['viewAudit', 'shell/TopBar.svelte', 'the audit log button'],
  ['myArea', 'shell/ui.svelte.ts', 'the my-area tab (and the start on it)'],
  ['checkIn', 'sites/SitePanel.svelte', 'check-in at a site of one\'s grids'],
  ['report', 'me/MyArea.svelte', '上报事件 in my area'],
  ['report', 'incidents/IncidentsPanel.svelte', 'caller\'s report, "entered by me"'],
  ['report', 'rules/RulesPanel.svelte', 'report a violation as an incident'],
  ['dispatch', 'incidents/IncidentsPanel.svelte', 'the intake queue'],
  ['handleAsUnit', 'incidents/IncidentsPanel.svelte', 'the unit inbox'],
  ['handleAsUnit', 'shell/ui.svelte.ts', 'a unit\'s staff start on the incidents tab'],
];

describe('the web decides from may alone', () => {
  const webRoot = path.resolve(import.meta.dirname, '../../web/src');
  const files = (dir: string): string[] => readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? files(full) : /\.(ts|svelte)$/.test(name) ? [full] : [];
  });

  it('each listed control reads its capability', () => {
    const missing = webControls.filter(([cap, file]) => !new RegExp(`\\bmay\\??\\.${cap}\\b`).test(readFileSync(path.join(webRoot, file), 'utf8')));
    expect(missing).toEqual([]);
  });

  it('no web file compares roles or lists them', () => {
    const roleWords = new RegExp(`\\.role\\b(?!\\s*[{}])|['"](${ROLES.join('|')})['"]`);
    const offenders = files(webRoot)
      .filter((f) => !f.includes(`${path.sep}i18n${path.sep}`))
      .flatMap((f) => readFileSync(f, 'utf8').split('\n').map((line, i) => [f, i + 1, line] as const))
      .filter(([f, , line]) => roleWords.test(line) && !(f.endsWith('TopBar.svelte') && /roleKey|roleLabel/.test(line)))
      .map(([f, n, line]) => `${path.relative(webRoot, f)}:${n}: ${line.trim()}`);
    expect(offenders).toEqual([]);
  });
});
