import type { Context, MiddlewareHandler } from 'hono';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { AppEnv, AuthUser } from '../http/env.ts';
import { ProblemError } from '../http/problem.ts';
import {
  type Capabilities, type Capability, type IncidentPermission, capabilitiesOf, isIncidentCapability, permissionsGrant, roleMay,
} from './capabilities.ts';
import { incidentPermissionsOf } from './capabilities.repository.ts';

/**
 * Asking the role model (auth/capabilities.ts). Role capabilities need no query; incident
 * capabilities read incident_permissions (the same rows the workflow uses). A refusal is one
 * problem: 403 `forbidden` with `capability` naming what the caller's role lacks.
 */

type Db = Kysely<Database>;

const details: Record<Capability, string> = {
  editPlans: 'only planners and administrators edit grid plans',
  editSites: 'only planners and administrators edit key sites',
  importSites: 'only planners and administrators import data',
  editPeople: 'only planners and administrators add people',
  importPeople: 'only planners and administrators import people',
  assignMembers: 'only planners and administrators assign people to grids',
  viewCompliance: 'the compliance report is for supervisors; grid members see their own check-ins at /api/patrols',
  viewAudit: 'the audit log is for administrators',
  editPatrolRules: 'patrol rules are changed by administrators',
  myArea: '"my area" is for grid members (网格员): it shows the grids they answer for',
  checkIn: 'check-ins are made by grid members at the sites of their grids',
  export: 'your role may not export data',
  manageBackups: 'only administrators take and download backups',
  report: 'your role does not report incidents',
  dispatch: 'your role does not dispatch incidents',
  close: 'your role does not close incidents',
  handleAsUnit: 'only a unit\'s staff handle the incidents and notices of their unit',
};

/** The 403 for a missing capability. */
export const missingCapability = (capability: Capability) =>
  new ProblemError(403, 'forbidden', details[capability], { capability });

/** Everything the caller's role may do (for /api/auth/me). */
export async function capabilitiesFor(db: Db, user: Pick<AuthUser, 'role'>): Promise<Capabilities> {
  return capabilitiesOf(user.role, await incidentPermissionsOf(db, user.role));
}

/** The incident_permissions rows of the caller's role, for questions finer than a capability. */
export const incidentPermissionsFor = (db: Db, user: Pick<AuthUser, 'role'>): Promise<IncidentPermission[]> =>
  incidentPermissionsOf(db, user.role);

/** Whether the caller's role has a capability. */
export async function may(db: Db, user: Pick<AuthUser, 'role'>, capability: Capability): Promise<boolean> {
  if (!isIncidentCapability(capability)) return roleMay(user.role, capability);
  return permissionsGrant(user.role, await incidentPermissionsOf(db, user.role), capability);
}

/** Throws 403 `forbidden` {capability} unless the caller's role has it. */
export async function assertCapability(db: Db, user: Pick<AuthUser, 'role'>, capability: Capability): Promise<void> {
  if (!(await may(db, user, capability))) throw missingCapability(capability);
}

/** The route guard: the request's caller (signed in) must have the capability. */
export async function requireCapability(c: Context<AppEnv>, capability: Capability): Promise<void> {
  const user = c.get('user');
  if (!user) throw new ProblemError(401, 'unauthenticated', 'sign in, or send a bearer token');
  await assertCapability(c.get('db'), user, capability);
}

/** Middleware for a route family whose reads are open and whose writes need a capability. */
export function writesRequire(capability: Capability): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!['GET', 'HEAD', 'OPTIONS'].includes(c.req.method)) await requireCapability(c, capability);
    await next();
  };
}
