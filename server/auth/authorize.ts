import type { Context, MiddlewareHandler } from 'hono';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { AppEnv, AuthUser } from '../http/env.ts';
import { problem } from '../http/problem.ts';
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

/** The 403 for a missing capability (its sentence: `capability.<name>` in server/http/problem-codes.ts). */
export const missingCapability = (capability: Capability) =>
  problem(`capability.${capability}`, { capability }, { capability });

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
  if (!user) throw problem('auth.unauthenticated');
  await assertCapability(c.get('db'), user, capability);
}

/** Middleware for a route family whose reads are open and whose writes need a capability. */
export function writesRequire(capability: Capability): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!['GET', 'HEAD', 'OPTIONS'].includes(c.req.method)) await requireCapability(c, capability);
    await next();
  };
}
