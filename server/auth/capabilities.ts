/**
 * The role model: which roles exist and what each may do. Capabilities are about WHAT a role may
 * do; WHERE (which villages, grids, units, incidents) stays row-level security's (auth/scope.ts).
 *
 * Two kinds of capability:
 * - role capabilities: a fixed table below, by role;
 * - incident capabilities: data. They are read from the `incident_permissions` rows of the
 *   caller's role (migration 0011), the same rows the incident workflow and its row policies use,
 *   so the answer cannot disagree with what the workflow accepts.
 *
 * Routes and services ask auth/authorize.ts; `/api/auth/me` answers `may: { <capability>: boolean }`
 * and the web shows and hides controls from that alone. This file has no imports (no Node, no
 * database) so that the web can import its names (`import type { Capability } from …`).
 */

/** Every account has exactly one role. */
export const ROLES = ['admin', 'planner', 'dispatcher', 'inspector', 'grid_member', 'unit_staff'] as const;
export type Role = (typeof ROLES)[number];

const planners = ['admin', 'planner'] as const satisfies readonly Role[];

/**
 * Capabilities decided by role alone, each with the request it governs:
 * - editPlans: open, edit, discard and publish grid plan drafts (non-GET /api/plans…)
 * - editSites: add, change and delete key sites (non-GET /api/sites…)
 * - importSites: import key sites (POST /api/imports)
 * - editPeople: add a person to the directory (POST /api/people)
 * - importPeople: import the directory from CSV (POST /api/people/import)
 * - assignMembers: assign, end and hand over grid duties (/api/grids/{id}/assignments writes)
 * - viewCompliance: the patrol compliance report (GET /api/patrols/compliance); the supervisors
 * - viewAudit: the audit log (GET /api/audit)
 * - editPatrolRules: change patrol rules (PATCH /api/patrol-rules/{id})
 * - myArea: "my area", the grids one answers for (GET /api/me/area)
 * - checkIn: patrol check-ins at sites of one's grids (POST /api/patrols)
 * - export: downloads of data and reports (GET /api/exports)
 * - manageBackups: take and download online backups (/api/admin/backups)
 */
export const ROLE_CAPABILITIES = {
  editPlans: planners,
  editSites: planners,
  importSites: planners,
  editPeople: planners,
  importPeople: planners,
  assignMembers: planners,
  viewCompliance: ['admin', 'planner', 'dispatcher', 'inspector'],
  viewAudit: ['admin'],
  editPatrolRules: ['admin'],
  myArea: ['grid_member'],
  checkIn: ['grid_member'],
  export: ROLES,
  manageBackups: ['admin'],
} as const satisfies Record<string, readonly Role[]>;

/** The relations of incident_permissions: how the caller must stand to an incident. */
export type IncidentRelation = 'scope' | 'grid' | 'unit' | 'reporter';

/** One incident_permissions row: role ('*' = every role), action, relation. */
export interface IncidentPermission {
  role: Role | '*';
  action: string;
  relation: IncidentRelation;
}

/**
 * Capabilities that are incident permissions: granted when the role (or '*') has a row matching
 * the pattern (an action, a relation, or both):
 * - report: record new incidents (POST /api/incidents, /api/incidents/from-rule, Open311)
 * - dispatch: the centre's intake: dispatch (and accept, reject…) incidents in scope
 * - close: close resolved incidents
 * - handleAsUnit: work on incidents dispatched to one's unit; the unit inbox and its notices
 *   (POST /api/incident-notifications/{id}/read)
 * Which incident a caller may act on stays per incident (allowedActions, from the same rows).
 */
export const INCIDENT_CAPABILITIES = {
  report: { action: 'report' },
  dispatch: { action: 'dispatch' },
  close: { action: 'close' },
  handleAsUnit: { relation: 'unit' },
} as const satisfies Record<string, { action?: string; relation?: IncidentRelation }>;

export type RoleCapability = keyof typeof ROLE_CAPABILITIES;
export type IncidentCapability = keyof typeof INCIDENT_CAPABILITIES;
export type Capability = RoleCapability | IncidentCapability;
/** What the caller may do: every capability, true or false. */
export type Capabilities = Record<Capability, boolean>;

export const ROLE_CAPABILITY_NAMES = Object.keys(ROLE_CAPABILITIES) as RoleCapability[];
export const INCIDENT_CAPABILITY_NAMES = Object.keys(INCIDENT_CAPABILITIES) as IncidentCapability[];
export const CAPABILITIES: Capability[] = [...ROLE_CAPABILITY_NAMES, ...INCIDENT_CAPABILITY_NAMES];

export const isRole = (value: string): value is Role => (ROLES as readonly string[]).includes(value);
export const isIncidentCapability = (cap: Capability): cap is IncidentCapability => cap in INCIDENT_CAPABILITIES;

/** Whether a role has a role capability. */
export function roleMay(role: Role, capability: RoleCapability): boolean {
  return (ROLE_CAPABILITIES[capability] as readonly Role[]).includes(role);
}

/** Whether incident permission rows grant a role an incident capability. */
export function permissionsGrant(role: Role, rows: readonly IncidentPermission[], capability: IncidentCapability): boolean {
  const pattern: { action?: string; relation?: IncidentRelation } = INCIDENT_CAPABILITIES[capability];
  return rows.some((p) => (p.role === role || p.role === '*')
    && (pattern.action === undefined || p.action === pattern.action)
    && (pattern.relation === undefined || p.relation === pattern.relation));
}

/** Every capability of a role, given the incident_permissions rows (any rows; others' roles are ignored). */
export function capabilitiesOf(role: Role, rows: readonly IncidentPermission[]): Capabilities {
  return Object.fromEntries(CAPABILITIES.map((cap) => [cap,
    isIncidentCapability(cap) ? permissionsGrant(role, rows, cap) : roleMay(role, cap)])) as Capabilities;
}
