/**
 * The authorization matrix as data: for every API route (as named in /api/openapi.json), which
 * roles may use it inside their scope, how to call it inside and outside the scoped accounts'
 * area, and how to call it on something that does not exist. test/api/authz-matrix.test.ts runs
 * it over HTTP; a route missing here fails that test, so every new route must be classified.
 */
import type { TestContext } from './test-app.ts';

export type MatrixRole = 'anon' | 'admin' | 'planner' | 'dispatcher' | 'inspector' | 'member' | 'unit' | 'tplanner';
export const matrixRoles: MatrixRole[] = ['anon', 'admin', 'planner', 'dispatcher', 'inspector', 'member', 'unit', 'tplanner'];
/** Accounts with a scope smaller than the county: they have an outside. */
export const scopedRoles: MatrixRole[] = ['member', 'tplanner'];

export interface Call {
  path: string;
  body?: unknown;
  /** Send without the role's session cookie. */
  anonymous?: boolean;
  /** A non-JSON body (zip, multipart). */
  raw?: { data: NonNullable<RequestInit["body"]>; type?: string };
}

/**
 * Makes a call to the app (no port needed) as the account whose session `cookie` is given (none:
 * unauthenticated, as is an `anonymous` call). The answer's body is parsed when it is JSON, else text.
 */
export async function sendCall(app: TestContext['app'], method: string, call: Call, cookie: string | undefined): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = {};
  if (cookie && !call.anonymous) headers.cookie = cookie;
  let body: RequestInit["body"];
  if (call.raw) {
    body = call.raw.data;
    if (call.raw.type) headers['content-type'] = call.raw.type;
  } else if (call.body !== undefined) {
    body = JSON.stringify(call.body);
    headers['content-type'] = 'application/json';
  }
  const res = await app.request(call.path, { method, headers, body });
  const text = await res.text();
  let parsed: any = text;
  try { parsed = JSON.parse(text); } catch { /* a tile, say */ }
  return { status: res.status, body: parsed };
}

/** Ids and codes the matrix refers to, resolved once per test file (see the test's fixture). */
export interface MatrixFixture {
  /** the member's village, and a village of another township */
  villageIn: string;
  villageOut: string;
  gridIn: number;
  gridOut: number;
  siteIn: number;
  siteOut: number;
  personIn: number;
  personOut: number;
  ruleId: number;
  importIn: number;
  importOut: number;
  /** a point inside gridIn / gridOut */
  pointIn: [number, number];
  pointOut: [number, number];
  /** z14 tiles over the two grids */
  tileIn: string;
  tileOut: string;
  /** Fresh resources for calls that consume them (deletes, publish): created on the owner connection. */
  freshSite(where: 'in' | 'out'): Promise<number>;
  freshPlan(where: 'in' | 'out', lockedBy: MatrixRole): Promise<number>;
  /** A fresh plan with the plan-grid copy of gridIn/gridOut and a neighbour of it. */
  freshPlanGrid(where: 'in' | 'out', lockedBy: MatrixRole): Promise<{ planId: number; planGridId: number; neighbourId: number }>;
  freshAssignment(where: 'in' | 'out'): Promise<{ gridId: number; assignmentId: number; personId: number }>;
  /**
   * Incidents: incidentIn lies in the member's grid, incidentOut in another township; both are
   * dispatched to the unit account's unit (so unit staff see them) and carry a photo each.
   */
  incidentIn: number;
  incidentOut: number;
  photoIn: number;
  photoOut: number;
  patrolRuleId: number;
  /** A fresh incident in a given state; `unit`: dispatched to the unit account's unit; `byMember`: reported by the member. */
  freshIncident(where: 'in' | 'out', state: string, options?: { unit?: boolean; byMember?: boolean }): Promise<number>;
  /** A fresh unread supervision notice for the unit account's unit, on incidentIn / incidentOut. */
  freshNotification(where: 'in' | 'out'): Promise<number>;
  /** A small PNG, for photo uploads. */
  png: Uint8Array;
}

export const UNKNOWN_ID = 987654321;
export const TPLANNER_PASSWORD = 'Township-2026';
export const UNKNOWN_VILLAGE = '990101999999';

type Maybe<T> = T | Promise<T>;
export interface RouteRule {
  /** Who may use it inside their scope: role list, every signed-in account, or everybody. */
  allowed: MatrixRole[] | 'signed-in' | 'public';
  inside(fx: MatrixFixture, role: MatrixRole): Maybe<Call>;
  /**
   * The same call on the other village/township. `hidden` (default when outside is given): the
   * scoped accounts get 404 exactly like `unknown`; `filtered`: 200 without the foreign rows (a
   * list or a tile: nothing to name; equal to `unknown`'s answer when given); `like-unknown`: any
   * 4xx, the same as `unknown`'s (e.g. a point outside one's area is "in no grid you can see").
   */
  outside?(fx: MatrixFixture, role: MatrixRole): Maybe<Call>;
  unknown?(fx: MatrixFixture): Maybe<Call>;
  outsideIs?: 'hidden' | 'filtered' | 'like-unknown';
  /** The allowed roles' inside call must succeed (2xx), not merely pass authorization. */
  succeeds?: boolean;
}

const planners: MatrixRole[] = ['admin', 'planner', 'tplanner'];
const supervisors: MatrixRole[] = ['admin', 'planner', 'dispatcher', 'inspector', 'tplanner'];
const pointSite = (p: [number, number], name = '矩阵测试点') => ({ category: 'camera', name, geometry: { type: 'Point', coordinates: p } });
const square = ([x, y]: [number, number], d = 0.0003) => ({
  type: 'Polygon', coordinates: [[[x - d, y - d], [x + d, y - d], [x + d, y + d], [x - d, y + d], [x - d, y - d]]],
});

const incident = (p: [number, number]) => ({ category: 'order.public', title: '矩阵测试事件', location: { type: 'Point', coordinates: p } });
/** The state in which the role's own step (stepFor) is legal. */
const stateFor = (r: MatrixRole) => (r === 'unit' ? 'dispatched' : r === 'member' ? 'resolved' : 'reported');
const stepFor = (r: MatrixRole) => (r === 'unit' ? { action: 'start' } : r === 'member' ? { action: 'confirm', data: { satisfied: true } } : { action: 'accept' });
const photoForm = (png: Uint8Array) => {
  const form = new FormData();
  form.set('file', new File([new Uint8Array(png)], 'matrix.png', { type: 'image/png' }));
  return form;
};

export const authzMatrix: Record<string, RouteRule> = {
  'GET /api/health': { allowed: 'public', inside: () => ({ path: '/api/health' }) },
  'GET /api/health/live': { allowed: 'public', inside: () => ({ path: '/api/health/live' }) },
  'GET /api/health/ready': { allowed: 'public', inside: () => ({ path: '/api/health/ready' }) },
  'GET /api/config': { allowed: 'public', inside: () => ({ path: '/api/config' }) },
  // login is public by nature (a wrong password is 401 for anyone); tested in auth.test.ts
  'POST /api/auth/login': { allowed: 'public', inside: () => ({ path: '/api/auth/login', body: { username: 'inspector', password: 'demo-2026' }, anonymous: true }) },
  // (sent without the session cookie: ending the matrix's sessions would spoil the other routes; see security.test.ts)
  'POST /api/auth/logout': { allowed: 'public', inside: () => ({ path: '/api/auth/logout', anonymous: true }) },
  'POST /api/auth/password': { allowed: 'signed-in', inside: (_fx, r) => ({ path: '/api/auth/password', body: { currentPassword: r === 'tplanner' ? TPLANNER_PASSWORD : 'demo-2026', newPassword: 'x' } }) },
  'GET /api/auth/me': { allowed: 'signed-in', inside: () => ({ path: '/api/auth/me' }) },

  'GET /api/regions': { allowed: 'signed-in', inside: (fx) => ({ path: `/api/regions?parent=${fx.villageIn.slice(0, 9)}000&geometry=false` }),
    outside: (fx) => ({ path: `/api/regions?parent=${fx.villageOut.slice(0, 9)}000&geometry=false` }),
    unknown: () => ({ path: `/api/regions?parent=${UNKNOWN_VILLAGE}&geometry=false` }), outsideIs: 'filtered' },
  'GET /api/regions/{code}': { allowed: 'signed-in', inside: (fx) => ({ path: `/api/regions/${fx.villageIn}` }),
    outside: (fx) => ({ path: `/api/regions/${fx.villageOut}` }), unknown: () => ({ path: `/api/regions/${UNKNOWN_VILLAGE}` }) },
  'GET /api/grids': { allowed: 'signed-in', inside: (fx) => ({ path: `/api/grids?region=${fx.villageIn}` }),
    outside: (fx) => ({ path: `/api/grids?region=${fx.villageOut}` }), unknown: () => ({ path: `/api/grids?region=${UNKNOWN_VILLAGE}` }) },
  'GET /api/grids/at': { allowed: 'signed-in', inside: (fx) => ({ path: `/api/grids/at?lon=${fx.pointIn[0]}&lat=${fx.pointIn[1]}` }),
    outside: (fx) => ({ path: `/api/grids/at?lon=${fx.pointOut[0]}&lat=${fx.pointOut[1]}` }), outsideIs: 'filtered' },
  'GET /api/grids/validate': { allowed: 'signed-in', inside: (fx) => ({ path: `/api/grids/validate?region=${fx.villageIn}` }),
    outside: (fx) => ({ path: `/api/grids/validate?region=${fx.villageOut}` }), unknown: () => ({ path: `/api/grids/validate?region=${UNKNOWN_VILLAGE}` }) },
  'GET /api/grids/{id}': { allowed: 'signed-in', inside: (fx) => ({ path: `/api/grids/${fx.gridIn}` }),
    outside: (fx) => ({ path: `/api/grids/${fx.gridOut}` }), unknown: () => ({ path: `/api/grids/${UNKNOWN_ID}` }) },
  'GET /api/grids/{id}/history': { allowed: 'signed-in', inside: (fx) => ({ path: `/api/grids/${fx.gridIn}/history` }),
    outside: (fx) => ({ path: `/api/grids/${fx.gridOut}/history` }), unknown: () => ({ path: `/api/grids/${UNKNOWN_ID}/history` }) },

  'GET /api/sites': { allowed: 'signed-in', inside: (fx) => ({ path: `/api/sites?region=${fx.villageIn}` }),
    outside: (fx) => ({ path: `/api/sites?region=${fx.villageOut}` }), unknown: () => ({ path: `/api/sites?region=${UNKNOWN_VILLAGE}` }) },
  'POST /api/sites': { allowed: planners, inside: (fx) => ({ path: '/api/sites', body: pointSite(fx.pointIn) }),
    // outside the caller's area the place is not there: a site cannot be put in it
    outside: (fx) => ({ path: '/api/sites', body: pointSite(fx.pointOut) }), unknown: () => ({ path: '/api/sites', body: pointSite([10, 10]) }),
    outsideIs: 'like-unknown' },
  'GET /api/sites/{id}': { allowed: 'signed-in', inside: (fx) => ({ path: `/api/sites/${fx.siteIn}` }),
    outside: (fx) => ({ path: `/api/sites/${fx.siteOut}` }), unknown: () => ({ path: `/api/sites/${UNKNOWN_ID}` }) },
  'PATCH /api/sites/{id}': { allowed: planners, inside: (fx) => ({ path: `/api/sites/${fx.siteIn}`, body: { name: '矩阵改名' } }),
    outside: (fx) => ({ path: `/api/sites/${fx.siteOut}`, body: { name: '矩阵改名' } }), unknown: () => ({ path: `/api/sites/${UNKNOWN_ID}`, body: { name: '矩阵改名' } }) },
  'DELETE /api/sites/{id}': { allowed: planners, inside: async (fx) => ({ path: `/api/sites/${await fx.freshSite('in')}` }),
    outside: async (fx) => ({ path: `/api/sites/${await fx.freshSite('out')}` }), unknown: () => ({ path: `/api/sites/${UNKNOWN_ID}` }) },
  'GET /api/site-categories': { allowed: 'signed-in', inside: () => ({ path: '/api/site-categories' }) },

  'POST /api/plans': { allowed: planners, inside: (fx) => ({ path: '/api/plans', body: { region: fx.villageIn } }),
    outside: (fx) => ({ path: '/api/plans', body: { region: fx.villageOut } }), unknown: () => ({ path: '/api/plans', body: { region: UNKNOWN_VILLAGE } }) },
  // drafts are readable by every account whose scope covers them (transparency); only planners change them
  'GET /api/plans/{id}': { allowed: 'signed-in', inside: async (fx, r) => ({ path: `/api/plans/${await fx.freshPlan('in', r)}` }),
    outside: async (fx, r) => ({ path: `/api/plans/${await fx.freshPlan('out', r)}` }), unknown: () => ({ path: `/api/plans/${UNKNOWN_ID}` }) },
  'DELETE /api/plans/{id}': { allowed: planners, inside: async (fx, r) => ({ path: `/api/plans/${await fx.freshPlan('in', r)}` }),
    outside: async (fx, r) => ({ path: `/api/plans/${await fx.freshPlan('out', r)}` }), unknown: () => ({ path: `/api/plans/${UNKNOWN_ID}` }) },
  'POST /api/plans/{id}/grids': { allowed: planners,
    inside: async (fx, r) => ({ path: `/api/plans/${await fx.freshPlan('in', r)}/grids`, body: { geometry: square(fx.pointIn) } }),
    outside: async (fx, r) => ({ path: `/api/plans/${await fx.freshPlan('out', r)}/grids`, body: { geometry: square(fx.pointOut) } }),
    unknown: (fx) => ({ path: `/api/plans/${UNKNOWN_ID}/grids`, body: { geometry: square(fx.pointIn) } }) },
  'PATCH /api/plans/{id}/grids/{gid}': { allowed: planners,
    inside: async (fx, r) => { const p = await fx.freshPlanGrid('in', r); return { path: `/api/plans/${p.planId}/grids/${p.planGridId}`, body: { name: '矩阵' } }; },
    outside: async (fx, r) => { const p = await fx.freshPlanGrid('out', r); return { path: `/api/plans/${p.planId}/grids/${p.planGridId}`, body: { name: '矩阵' } }; },
    unknown: (fx) => ({ path: `/api/plans/${UNKNOWN_ID}/grids/${fx.gridIn}`, body: { name: '矩阵' } }) },
  'DELETE /api/plans/{id}/grids/{gid}': { allowed: planners,
    inside: async (fx, r) => { const p = await fx.freshPlanGrid('in', r); return { path: `/api/plans/${p.planId}/grids/${p.planGridId}` }; },
    outside: async (fx, r) => { const p = await fx.freshPlanGrid('out', r); return { path: `/api/plans/${p.planId}/grids/${p.planGridId}` }; },
    unknown: (fx) => ({ path: `/api/plans/${UNKNOWN_ID}/grids/${fx.gridIn}` }) },
  'POST /api/plans/{id}/split': { allowed: planners,
    inside: async (fx, r) => { const p = await fx.freshPlanGrid('in', r); return { path: `/api/plans/${p.planId}/split`, body: { gridId: p.planGridId, line: { type: 'LineString', coordinates: [[fx.pointIn[0], fx.pointIn[1] - 0.05], [fx.pointIn[0], fx.pointIn[1] + 0.05]] } } }; },
    outside: async (fx, r) => { const p = await fx.freshPlanGrid('out', r); return { path: `/api/plans/${p.planId}/split`, body: { gridId: p.planGridId, line: { type: 'LineString', coordinates: [[fx.pointOut[0], fx.pointOut[1] - 0.05], [fx.pointOut[0], fx.pointOut[1] + 0.05]] } } }; },
    unknown: (fx) => ({ path: `/api/plans/${UNKNOWN_ID}/split`, body: { gridId: fx.gridIn, line: { type: 'LineString', coordinates: [[fx.pointIn[0], fx.pointIn[1] - 0.05], [fx.pointIn[0], fx.pointIn[1] + 0.05]] } } }) },
  'POST /api/plans/{id}/merge': { allowed: planners,
    inside: async (fx, r) => { const p = await fx.freshPlanGrid('in', r); return { path: `/api/plans/${p.planId}/merge`, body: { gridIds: [p.planGridId, p.neighbourId] } }; },
    outside: async (fx, r) => { const p = await fx.freshPlanGrid('out', r); return { path: `/api/plans/${p.planId}/merge`, body: { gridIds: [p.planGridId, p.neighbourId] } }; },
    unknown: (fx) => ({ path: `/api/plans/${UNKNOWN_ID}/merge`, body: { gridIds: [fx.gridIn, UNKNOWN_ID] } }) },
  'POST /api/plans/{id}/import': { allowed: planners,
    inside: async (fx, r) => ({ path: `/api/plans/${await fx.freshPlan('in', r)}/import`, body: { type: 'FeatureCollection', features: [{ type: 'Feature', geometry: square(fx.pointIn), properties: {} }] } }),
    outside: async (fx, r) => ({ path: `/api/plans/${await fx.freshPlan('out', r)}/import`, body: { type: 'FeatureCollection', features: [{ type: 'Feature', geometry: square(fx.pointOut), properties: {} }] } }),
    unknown: (fx) => ({ path: `/api/plans/${UNKNOWN_ID}/import`, body: { type: 'FeatureCollection', features: [{ type: 'Feature', geometry: square(fx.pointIn), properties: {} }] } }) },
  'POST /api/plans/{id}/import/shapefile': { allowed: planners,
    inside: async (fx, r) => ({ path: `/api/plans/${await fx.freshPlan('in', r)}/import/shapefile`, raw: { data: new Uint8Array([80, 75, 5, 6, ...new Array(18).fill(0)]), type: 'application/zip' } }),
    outside: async (fx, r) => ({ path: `/api/plans/${await fx.freshPlan('out', r)}/import/shapefile`, raw: { data: new Uint8Array([80, 75, 5, 6, ...new Array(18).fill(0)]), type: 'application/zip' } }),
    unknown: () => ({ path: `/api/plans/${UNKNOWN_ID}/import/shapefile`, raw: { data: new Uint8Array([80, 75, 5, 6, ...new Array(18).fill(0)]), type: 'application/zip' } }),
    outsideIs: 'like-unknown' },
  'POST /api/plans/{id}/undo': { allowed: planners, inside: async (fx, r) => ({ path: `/api/plans/${await fx.freshPlan('in', r)}/undo` }),
    outside: async (fx, r) => ({ path: `/api/plans/${await fx.freshPlan('out', r)}/undo` }), unknown: () => ({ path: `/api/plans/${UNKNOWN_ID}/undo` }) },
  'POST /api/plans/{id}/redo': { allowed: planners, inside: async (fx, r) => ({ path: `/api/plans/${await fx.freshPlan('in', r)}/redo` }),
    outside: async (fx, r) => ({ path: `/api/plans/${await fx.freshPlan('out', r)}/redo` }), unknown: () => ({ path: `/api/plans/${UNKNOWN_ID}/redo` }) },
  'GET /api/plans/{id}/preview': { allowed: 'signed-in', inside: async (fx, r) => ({ path: `/api/plans/${await fx.freshPlan('in', r)}/preview` }),
    outside: async (fx, r) => ({ path: `/api/plans/${await fx.freshPlan('out', r)}/preview` }), unknown: () => ({ path: `/api/plans/${UNKNOWN_ID}/preview` }) },
  'POST /api/plans/{id}/publish': { allowed: planners, inside: async (fx, r) => ({ path: `/api/plans/${await fx.freshPlan('in', r)}/publish`, body: {} }),
    outside: async (fx, r) => ({ path: `/api/plans/${await fx.freshPlan('out', r)}/publish`, body: {} }), unknown: () => ({ path: `/api/plans/${UNKNOWN_ID}/publish`, body: {} }) },

  'GET /api/rules': { allowed: 'signed-in', inside: () => ({ path: '/api/rules' }) },
  'POST /api/rules/{id}/run': { allowed: 'signed-in', inside: (fx) => ({ path: `/api/rules/${fx.ruleId}/run?region=${fx.villageIn}` }),
    outside: (fx) => ({ path: `/api/rules/${fx.ruleId}/run?region=${fx.villageOut}` }), unknown: (fx) => ({ path: `/api/rules/${fx.ruleId}/run?region=${UNKNOWN_VILLAGE}` }) },
  'GET /api/audit': { allowed: ['admin'], inside: () => ({ path: '/api/audit?limit=5' }) },
  'POST /api/imports': { allowed: planners, inside: () => {
    const form = new FormData();
    form.set('file', new Blob(['{"type":"FeatureCollection","features":[]}'], { type: 'application/geo+json' }), 'empty.geojson');
    form.set('kind', 'sites'); form.set('crs', 'wgs84'); form.set('dryRun', 'true');
    return { path: '/api/imports', raw: { data: form } };
  } },
  'GET /api/imports/{id}': { allowed: planners, inside: (fx) => ({ path: `/api/imports/${fx.importIn}` }),
    outside: (fx) => ({ path: `/api/imports/${fx.importOut}` }), unknown: () => ({ path: `/api/imports/${UNKNOWN_ID}` }) },

  'GET /api/people': { allowed: 'signed-in', inside: (fx) => ({ path: `/api/people?village=${fx.villageIn}` }) },
  'POST /api/people': { allowed: planners, inside: (fx) => ({ path: '/api/people', body: { name: '矩阵测试', phone: '13800000000', villageCode: fx.villageIn } }) },
  'POST /api/people/import': { allowed: planners, inside: () => ({ path: '/api/people/import?dryRun=true', raw: { data: 'name,phone\n', type: 'text/csv' } }) },
  'GET /api/people/{id}': { allowed: 'signed-in', inside: (fx) => ({ path: `/api/people/${fx.personIn}` }),
    outside: (fx) => ({ path: `/api/people/${fx.personOut}` }), unknown: () => ({ path: `/api/people/${UNKNOWN_ID}` }) },
  'GET /api/units': { allowed: 'signed-in', inside: () => ({ path: '/api/units' }) },
  'GET /api/grids/{id}/assignments': { allowed: 'signed-in', inside: (fx) => ({ path: `/api/grids/${fx.gridIn}/assignments` }),
    outside: (fx) => ({ path: `/api/grids/${fx.gridOut}/assignments` }), unknown: () => ({ path: `/api/grids/${UNKNOWN_ID}/assignments` }) },
  'POST /api/grids/{id}/assignments': { allowed: planners,
    inside: (fx) => ({ path: `/api/grids/${fx.gridIn}/assignments`, body: { personId: fx.personIn, duty: 'part_time' } }),
    outside: (fx) => ({ path: `/api/grids/${fx.gridOut}/assignments`, body: { personId: fx.personOut, duty: 'part_time' } }),
    unknown: (fx) => ({ path: `/api/grids/${UNKNOWN_ID}/assignments`, body: { personId: fx.personIn, duty: 'part_time' } }) },
  'DELETE /api/grids/{id}/assignments': { allowed: planners,
    inside: async (fx) => { const a = await fx.freshAssignment('in'); return { path: `/api/grids/${a.gridId}/assignments?personId=${a.personId}` }; },
    outside: async (fx) => { const a = await fx.freshAssignment('out'); return { path: `/api/grids/${a.gridId}/assignments?personId=${a.personId}` }; },
    unknown: (fx) => ({ path: `/api/grids/${UNKNOWN_ID}/assignments?personId=${fx.personIn}` }) },
  'DELETE /api/grids/{id}/assignments/{assignmentId}': { allowed: planners,
    inside: async (fx) => { const a = await fx.freshAssignment('in'); return { path: `/api/grids/${a.gridId}/assignments/${a.assignmentId}` }; },
    outside: async (fx) => { const a = await fx.freshAssignment('out'); return { path: `/api/grids/${a.gridId}/assignments/${a.assignmentId}` }; },
    unknown: () => ({ path: `/api/grids/${UNKNOWN_ID}/assignments/${UNKNOWN_ID}` }) },
  'POST /api/grids/{id}/assignments/handover': { allowed: planners,
    inside: async (fx) => { const a = await fx.freshAssignment('in'); return { path: `/api/grids/${a.gridId}/assignments/handover`, body: { fromPersonId: a.personId, toPersonId: fx.personIn, duty: 'part_time' } }; },
    outside: async (fx) => { const a = await fx.freshAssignment('out'); return { path: `/api/grids/${a.gridId}/assignments/handover`, body: { fromPersonId: a.personId, toPersonId: fx.personOut, duty: 'part_time' } }; },
    unknown: (fx) => ({ path: `/api/grids/${UNKNOWN_ID}/assignments/handover`, body: { fromPersonId: fx.personOut, toPersonId: fx.personIn, duty: 'part_time' } }) },
  'GET /api/staffing': { allowed: 'signed-in', inside: (fx) => ({ path: `/api/staffing?region=${fx.villageIn}` }),
    outside: (fx) => ({ path: `/api/staffing?region=${fx.villageOut}` }), unknown: () => ({ path: `/api/staffing?region=${UNKNOWN_VILLAGE}` }) },
  'GET /api/me/area': { allowed: ['member'], inside: () => ({ path: '/api/me/area' }) },
  'GET /api/patrol-rules': { allowed: 'signed-in', inside: () => ({ path: '/api/patrol-rules' }) },
  'POST /api/patrols': { allowed: ['member'], inside: (fx) => ({ path: '/api/patrols', body: { siteId: fx.siteIn, lon: fx.pointIn[0], lat: fx.pointIn[1] } }),
    outside: (fx) => ({ path: '/api/patrols', body: { siteId: fx.siteOut, lon: fx.pointOut[0], lat: fx.pointOut[1] } }),
    unknown: (fx) => ({ path: '/api/patrols', body: { siteId: UNKNOWN_ID, lon: fx.pointOut[0], lat: fx.pointOut[1] } }) },
  'GET /api/patrols': { allowed: 'signed-in', inside: () => ({ path: '/api/patrols' }) },
  'GET /api/patrols/compliance': { allowed: supervisors, inside: (fx) => ({ path: `/api/patrols/compliance?region=${fx.villageIn}` }) },
  // PATCH: administrators only (patrol rules are county-wide reference data; no outside)
  'PATCH /api/patrol-rules/{id}': { allowed: ['admin'], succeeds: true, inside: (fx) => ({ path: `/api/patrol-rules/${fx.patrolRuleId}`, body: { enabled: true } }) },

  // bulk routing answers null for a point in no grid the caller can see: outside looks like nowhere
  'POST /api/grids/locate': { allowed: 'signed-in', succeeds: true, inside: (fx) => ({ path: '/api/grids/locate', body: { points: [fx.pointIn] } }),
    outside: (fx) => ({ path: '/api/grids/locate', body: { points: [fx.pointOut] } }),
    unknown: () => ({ path: '/api/grids/locate', body: { points: [[10, 10]] } }), outsideIs: 'filtered' },
  'GET /api/sites/{id}/violations': { allowed: 'signed-in', succeeds: true, inside: (fx) => ({ path: `/api/sites/${fx.siteIn}/violations` }),
    outside: (fx) => ({ path: `/api/sites/${fx.siteOut}/violations` }), unknown: () => ({ path: `/api/sites/${UNKNOWN_ID}/violations` }) },
  'GET /api/exports': { allowed: 'signed-in', succeeds: true, inside: (fx) => ({ path: `/api/exports?kind=sites&format=geojson&region=${fx.villageIn}` }),
    outside: (fx) => ({ path: `/api/exports?kind=sites&format=geojson&region=${fx.villageOut}` }),
    unknown: () => ({ path: `/api/exports?kind=sites&format=geojson&region=${UNKNOWN_VILLAGE}` }) },

  // Incidents (permissions are data: migration 0011's incident_permissions). Reading follows row
  // security: in scope, and for grid members their grids, for unit staff their unit's cases.
  'GET /api/incident-categories': { allowed: 'signed-in', succeeds: true, inside: () => ({ path: '/api/incident-categories' }) },
  'GET /api/incidents': { allowed: 'signed-in', succeeds: true, inside: (fx) => ({ path: `/api/incidents?region=${fx.villageIn}` }),
    outside: (fx) => ({ path: `/api/incidents?region=${fx.villageOut}` }), unknown: () => ({ path: `/api/incidents?region=${UNKNOWN_VILLAGE}` }) },
  // intake: centre staff in their scope, grid members in their grids ('report'); a point outside is
  // answered like a point in no grid at all
  'POST /api/incidents': { allowed: ['admin', 'dispatcher', 'member'], succeeds: true, inside: (fx) => ({ path: '/api/incidents', body: incident(fx.pointIn) }),
    outside: (fx) => ({ path: '/api/incidents', body: incident(fx.pointOut) }), unknown: () => ({ path: '/api/incidents', body: incident([10, 10]) }),
    outsideIs: 'like-unknown' },
  'POST /api/incidents/from-rule': { allowed: ['admin', 'dispatcher', 'member'], succeeds: true,
    inside: async (fx) => ({ path: '/api/incidents/from-rule', body: { ruleId: fx.ruleId, subjectId: await fx.freshSite('in'), targetId: null } }),
    outside: async (fx) => ({ path: '/api/incidents/from-rule', body: { ruleId: fx.ruleId, subjectId: await fx.freshSite('out'), targetId: null } }),
    unknown: (fx) => ({ path: '/api/incidents/from-rule', body: { ruleId: fx.ruleId, subjectId: UNKNOWN_ID, targetId: null } }) },
  'GET /api/incidents/{id}': { allowed: 'signed-in', succeeds: true, inside: (fx) => ({ path: `/api/incidents/${fx.incidentIn}` }),
    outside: (fx) => ({ path: `/api/incidents/${fx.incidentOut}` }), unknown: () => ({ path: `/api/incidents/${UNKNOWN_ID}` }) },
  'GET /api/incidents/{id}/duplicates': { allowed: 'signed-in', succeeds: true, inside: (fx) => ({ path: `/api/incidents/${fx.incidentIn}/duplicates` }),
    outside: (fx) => ({ path: `/api/incidents/${fx.incidentOut}/duplicates` }), unknown: () => ({ path: `/api/incidents/${UNKNOWN_ID}/duplicates` }) },
  // Each role takes a step that is legal in the incident's state, so that only the permission decides:
  // the centre accepts a reported case, the unit starts a case dispatched to it, the member (as its
  // reporter) confirms a resolved one; planners and inspectors try to accept and are refused.
  'POST /api/incidents/{id}/actions': { allowed: ['admin', 'dispatcher', 'unit', 'member'], succeeds: true,
    inside: async (fx, r) => ({ path: `/api/incidents/${await fx.freshIncident('in', stateFor(r), { unit: r === 'unit', byMember: r === 'member' })}/actions`, body: stepFor(r) }),
    outside: async (fx, r) => ({ path: `/api/incidents/${await fx.freshIncident('out', stateFor(r), { unit: true })}/actions`, body: stepFor(r) }),
    unknown: () => ({ path: `/api/incidents/${UNKNOWN_ID}/actions`, body: { action: 'accept' } }) },
  // photos: the centre (scope), the incident's grid members, its unit and its reporter ('photo')
  'POST /api/incidents/{id}/photos': { allowed: ['admin', 'dispatcher', 'member', 'unit'], succeeds: true,
    inside: (fx) => ({ path: `/api/incidents/${fx.incidentIn}/photos`, raw: { data: photoForm(fx.png) } }),
    outside: (fx) => ({ path: `/api/incidents/${fx.incidentOut}/photos`, raw: { data: photoForm(fx.png) } }),
    unknown: (fx) => ({ path: `/api/incidents/${UNKNOWN_ID}/photos`, raw: { data: photoForm(fx.png) } }) },
  'GET /api/incidents/{id}/photos/{photoId}': { allowed: 'signed-in', succeeds: true, inside: (fx) => ({ path: `/api/incidents/${fx.incidentIn}/photos/${fx.photoIn}` }),
    outside: (fx) => ({ path: `/api/incidents/${fx.incidentOut}/photos/${fx.photoOut}` }),
    unknown: () => ({ path: `/api/incidents/${UNKNOWN_ID}/photos/${UNKNOWN_ID}` }) },
  'GET /api/incidents/{id}/photos/{photoId}/thumb': { allowed: 'signed-in', succeeds: true, inside: (fx) => ({ path: `/api/incidents/${fx.incidentIn}/photos/${fx.photoIn}/thumb` }),
    outside: (fx) => ({ path: `/api/incidents/${fx.incidentOut}/photos/${fx.photoOut}/thumb` }),
    unknown: () => ({ path: `/api/incidents/${UNKNOWN_ID}/photos/${UNKNOWN_ID}/thumb` }) },
  // every account has an inbox (only unit staff's holds anything); only the unit marks its notices read
  'GET /api/incident-notifications': { allowed: 'signed-in', succeeds: true, inside: () => ({ path: '/api/incident-notifications' }) },
  'POST /api/incident-notifications/{id}/read': { allowed: ['unit'], succeeds: true,
    inside: async (fx) => ({ path: `/api/incident-notifications/${await fx.freshNotification('in')}/read` }),
    outside: async (fx) => ({ path: `/api/incident-notifications/${await fx.freshNotification('out')}/read` }),
    unknown: () => ({ path: `/api/incident-notifications/${UNKNOWN_ID}/read` }) },

  // statistics and reports count what row security lets the caller see; a region outside is unknown
  'GET /api/stats/incidents': { allowed: 'signed-in', succeeds: true, inside: (fx) => ({ path: `/api/stats/incidents?region=${fx.villageIn}&groupBy=grid` }),
    outside: (fx) => ({ path: `/api/stats/incidents?region=${fx.villageOut}&groupBy=grid` }),
    unknown: () => ({ path: `/api/stats/incidents?region=${UNKNOWN_VILLAGE}&groupBy=grid` }) },
  'GET /api/reports/{kind}': { allowed: 'signed-in', succeeds: true, inside: (fx) => ({ path: `/api/reports/daily?region=${fx.villageIn}` }),
    outside: (fx) => ({ path: `/api/reports/weekly?region=${fx.villageOut}&format=csv` }),
    unknown: () => ({ path: `/api/reports/weekly?region=${UNKNOWN_VILLAGE}&format=csv` }) },

  'GET /tiles/{layer}/{z}/{x}/{y}.mvt': { allowed: 'signed-in', inside: (fx) => ({ path: `/tiles/grids/${fx.tileIn}.mvt` }),
    outside: (fx) => ({ path: `/tiles/grids/${fx.tileOut}.mvt` }), outsideIs: 'filtered' },
};
