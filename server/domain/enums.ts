/**
 * The platform's enumerations, declared once. The server's schemas, repositories and SQL checks
 * use them, and the web app imports them from here (this module imports nothing, so the browser
 * bundle can take it as it is).
 */

/** The incident workflow's states (DESIGN.md "Incident workflow"). */
export const INCIDENT_STATES = ['reported', 'accepted', 'rejected', 'dispatched', 'in_progress', 'resolved', 'closed', 'escalated', 'reopened'] as const;
export type IncidentState = (typeof INCIDENT_STATES)[number];

/** States in which a case still needs someone to act (未办结): counted as open, overdue when past due. */
export const OPEN_INCIDENT_STATES = ['reported', 'accepted', 'escalated', 'dispatched', 'in_progress', 'reopened'] as const satisfies readonly IncidentState[];
export type OpenIncidentState = (typeof OPEN_INCIDENT_STATES)[number];

/** The states a unit works on: dispatched to it and not yet resolved. */
export const UNIT_WORK_STATES = ['dispatched', 'in_progress', 'reopened'] as const satisfies readonly IncidentState[];

/** Who handles an incident: 小事不出村、大事不出乡. */
export const INCIDENT_LEVELS = ['village', 'township', 'county'] as const;
export type IncidentLevel = (typeof INCIDENT_LEVELS)[number];

/** A member's duty in a grid, in the order lists show them (网格长 first). */
export const DUTIES = ['leader', 'full_time', 'part_time', 'police', 'mediator'] as const;
export type Duty = (typeof DUTIES)[number];

/** Comprehensive grids tile each village; dedicated grids (a school, a park) may overlap them. */
export const GRID_LAYER_KINDS = ['comprehensive', 'dedicated'] as const;
export type GridLayerKind = (typeof GRID_LAYER_KINDS)[number];

/** The geometry a site category takes. */
export const SITE_GEOMETRY_KINDS = ['point', 'line', 'polygon', 'any'] as const;
export type SiteGeometryKind = (typeof SITE_GEOMETRY_KINDS)[number];

/** `prefecture` is a 4-digit scope above the counties (no region row: its children are its counties). */
export const REGION_LEVELS = ['prefecture', 'county', 'township', 'village'] as const;
export type RegionLevel = (typeof REGION_LEVELS)[number];

/** What coverage validation reports about a set of grids. */
export const COVERAGE_PROBLEM_KINDS = ['gap', 'overlap', 'outside', 'multipart', 'sliver'] as const;
export type CoverageProblemKind = (typeof COVERAGE_PROBLEM_KINDS)[number];
