import type { ColumnType, Generated } from 'kysely';

/**
 * Kysely table types. Geometry columns are opaque to TypeScript: read them with
 * ST_AsGeoJSON and write them with ST_GeomFromGeoJSON through the helpers in geo.ts.
 */
type Geometry = ColumnType<unknown, never, never>;
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T = unknown> = ColumnType<T, string | undefined, string>;
/** Nullable JSON: may be omitted on insert. */
type NullableJson<T = unknown> = ColumnType<T | null, string | null | undefined, string | null>;

export interface RegionTable {
  code: string;
  name: string;
  level: 'county' | 'township' | 'village';
  parentCode: string | null;
  urban: ColumnType<boolean, boolean | undefined, boolean>;
  prefix: ColumnType<string, never, never>;
  boundary: Geometry;
  /** boundary in EPSG:3857, generated (vector tiles) */
  boundaryMercator: Geometry;
}

export interface GridLayerTable {
  id: Generated<number>;
  name: string;
  nameEn: string;
  kind: 'comprehensive' | 'dedicated';
}

export interface GridTable {
  id: Generated<number>;
  code: string;
  name: string;
  layerId: number;
  villageCode: string;
  geom: Geometry;
  /** geom in EPSG:3857, generated (vector tiles) */
  geomMercator: Geometry;
  households: ColumnType<number, number | undefined, number>;
  population: ColumnType<number, number | undefined, number>;
  version: ColumnType<number, number | undefined, number>;
  validFrom: Timestamp;
  validTo: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface HouseholdPointTable {
  id: Generated<number>;
  villageCode: string;
  households: number;
  population: number;
  geom: Geometry;
}

export interface UnitTable {
  id: Generated<number>;
  code: string;
  name: string;
  nameEn: string;
  kind: 'department' | 'township_office' | 'centre';
  regionCode: string;
}

export interface PersonTable {
  id: Generated<number>;
  ref: string | null;
  name: string;
  gender: 'M' | 'F' | null;
  phone: string | null;
  unitId: number | null;
  villageCode: string | null;
  regionCode: string;
  createdAt: Timestamp;
}

export type Role = 'admin' | 'planner' | 'dispatcher' | 'inspector' | 'grid_member' | 'unit_staff';

export interface UserTable {
  id: Generated<number>;
  personId: number | null;
  username: string;
  displayName: string;
  passwordHash: string;
  role: Role;
  scopeCode: string;
  disabledAt: Date | null;
  createdAt: Timestamp;
}

export interface SessionTable {
  tokenHash: string;
  userId: number;
  createdAt: Timestamp;
  expiresAt: Date | string;
}

export interface ApiTokenTable {
  id: Generated<number>;
  userId: number;
  name: string;
  tokenHash: string;
  createdAt: Timestamp;
  expiresAt: Date | string | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  /** 'read': GET/HEAD only (GIS clients); 'write': everything the user may do. */
  access: Generated<'read' | 'write'>;
}

export type Duty = 'leader' | 'full_time' | 'part_time' | 'police' | 'mediator';

export interface GridAssignmentTable {
  id: Generated<number>;
  gridId: number;
  personId: number;
  duty: Duty;
  validFrom: Timestamp;
  validTo: Date | string | null;
}

export interface SiteCategoryTable {
  code: string;
  name: string;
  nameEn: string;
  geometryKind: 'point' | 'line' | 'polygon' | 'any';
  hasEntrances: boolean;
  color: string;
  icon: string;
  attrSchema: Json<Record<string, unknown>>;
  sort: number;
}

export interface SiteTable {
  id: Generated<number>;
  ref: string | null;
  category: string;
  name: string;
  geom: Geometry;
  entrances: Geometry;
  attrs: Json<Record<string, unknown>>;
  regionCode: string;
  gridId: number | null;
  version: ColumnType<number, number | undefined, number>;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

export interface RuleTable {
  id: Generated<number>;
  code: string;
  name: string;
  nameEn: string;
  subjectCategories: string[];
  targetCategories: string[];
  subjectFilter: NullableJson<Record<string, unknown>>;
  distanceM: number;
  method: 'boundary' | 'entrance' | 'walking';
  mode: 'forbidden' | 'required' | 'attributes';
  severity: 'info' | 'warning' | 'serious';
  basis: string;
  enabled: boolean;
  requirements: NullableJson<Array<{ key: string; name: string; nameEn: string; path: string[]; test: 'positive' | 'contact' | 'present' }>>;
  nearHouseholds: Generated<boolean>;
}

export interface IncidentCategoryTable {
  code: string;
  parentCode: string | null;
  name: string;
  nameEn: string;
  deadlineHours: number;
  defaultUnitCode: string | null;
  fields: Json<unknown[]>;
  sort: number;
  attrSchema: ColumnType<unknown, string | undefined, string>;
}

export type IncidentState =
  | 'reported' | 'accepted' | 'rejected' | 'dispatched' | 'in_progress'
  | 'resolved' | 'closed' | 'escalated' | 'reopened';

export interface IncidentTable {
  id: Generated<number>;
  code: string;
  category: string;
  title: string;
  description: string;
  location: Geometry;
  gridId: number | null;
  regionCode: string;
  state: IncidentState;
  level: 'village' | 'township' | 'county';
  priority: 'low' | 'normal' | 'high' | 'urgent';
  reporterId: number | null;
  unitId: number | null;
  dueAt: Date | string | null;
  createdAt: Timestamp;
  closedAt: Date | string | null;
  version: ColumnType<number, number | undefined, number>;
  attrs: ColumnType<Record<string, unknown>, string | undefined, string>;
  source: ColumnType<IncidentSource, IncidentSource | undefined, IncidentSource>;
  sourceData: NullableJson<Record<string, unknown>>;
  callerName: string | null;
  callerPhone: string | null;
  createdBy: number | null;
  duplicateOf: number | null;
  result: string | null;
  resolvedAt: Date | string | null;
  confirmedAt: Date | string | null;
  satisfied: boolean | null;
}

export type IncidentSource = 'member' | 'hotline' | 'staff' | 'rule' | 'open311';

export interface IncidentTransitionTable {
  action: string;
  fromState: IncidentState;
  toState: IncidentState | null;
}

export interface IncidentPermissionTable {
  role: Role | '*';
  action: string;
  relation: 'scope' | 'grid' | 'unit' | 'reporter';
}

export interface IncidentNotificationTable {
  id: Generated<number>;
  incidentId: number;
  unitId: number;
  kind: 'supervise' | 'overdue';
  note: string | null;
  createdBy: number | null;
  createdAt: Timestamp;
  readAt: Date | string | null;
}

export interface IncidentPhotoTable {
  id: Generated<number>;
  incidentId: number;
  storageKey: string;
  mime: 'image/jpeg' | 'image/png' | 'image/webp';
  originalName: string | null;
  bytes: number;
  width: number;
  height: number;
  sha256: string;
  createdBy: number | null;
  createdAt: Timestamp;
}

export interface IncidentEventTable {
  id: Generated<number>;
  incidentId: number;
  at: Timestamp;
  actorId: number | null;
  action: string;
  fromState: IncidentState | null;
  toState: IncidentState | null;
  note: string | null;
  data: NullableJson<Record<string, unknown>>;
  actorUserId: number | null;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: Timestamp;
  actorId: ColumnType<number | null, number | null | undefined, number | null>;
  action: string;
  entity: string;
  entityId: ColumnType<string | null, string | null | undefined, string | null>;
  regionCode: ColumnType<string | null, string | null | undefined, string | null>;
  before: NullableJson;
  after: NullableJson;
}

export interface SettingTable {
  key: string;
  value: unknown;
  description: string;
  updatedAt: Timestamp;
}

export interface PlanTable {
  id: Generated<number>;
  scopeCode: string;
  scopePrefix: string;
  name: ColumnType<string, string | undefined, string>;
  status: ColumnType<'draft' | 'published' | 'discarded', 'draft' | undefined, 'draft' | 'published' | 'discarded'>;
  baseGridIds: number[];
  createdBy: number;
  lockedBy: number;
  lockExpiresAt: Date | string;
  createdAt: Timestamp;
  updatedAt: Timestamp;
  publishedAt: Date | string | null;
  version: ColumnType<number, number | undefined, number>;
}

export interface PlanGridTable {
  id: ColumnType<number, number | undefined, number>;
  planId: number;
  sourceGridId: number | null;
  name: string;
  villageCode: string;
  geom: Geometry;
}

export interface PlanOperationTable {
  id: Generated<number>;
  planId: number;
  kind: 'draw' | 'reshape' | 'split' | 'merge' | 'delete' | 'rename' | 'import';
  actorId: number;
  at: Timestamp;
  forward: Json<unknown>;
  inverse: Json<unknown>;
  undone: ColumnType<boolean, boolean | undefined, boolean>;
}

export interface ImportJobTable {
  id: Generated<number>;
  kind: 'sites';
  format: 'geojson' | 'csv' | 'shapefile' | 'kml';
  crs: 'wgs84' | 'cgcs2000' | 'gcj02' | 'bd09';
  dryRun: boolean;
  fileName: string;
  status: 'queued' | 'running' | 'checked' | 'imported' | 'failed';
  total: number;
  valid: number;
  imported: number;
  errors: Json<Array<{ row: number; field: string; message: string }>>;
  preview: NullableJson;
  scopeCode: string;
  createdBy: number;
  createdAt: Timestamp;
  processed: Generated<number>;
  errorCount: Generated<number>;
  message: string | null;
  updatedAt: Generated<Timestamp>;
}

export interface Database {
  importJobs: ImportJobTable;
  settings: SettingTable;
  plans: PlanTable;
  planGrids: PlanGridTable;
  planOperations: PlanOperationTable;
  regions: RegionTable;
  gridLayers: GridLayerTable;
  grids: GridTable;
  householdPoints: HouseholdPointTable;
  units: UnitTable;
  people: PersonTable;
  users: UserTable;
  sessions: SessionTable;
  apiTokens: ApiTokenTable;
  gridAssignments: GridAssignmentTable;
  siteCategories: SiteCategoryTable;
  sites: SiteTable;
  rules: RuleTable;
  incidentCategories: IncidentCategoryTable;
  incidents: IncidentTable;
  incidentEvents: IncidentEventTable;
  incidentTransitions: IncidentTransitionTable;
  incidentPermissions: IncidentPermissionTable;
  incidentNotifications: IncidentNotificationTable;
  incidentPhotos: IncidentPhotoTable;
  auditLog: AuditLogTable;
  patrolRules: PatrolRuleTable;
  patrols: PatrolTable;
}

export interface PatrolRuleTable {
  id: Generated<number>;
  code: string;
  category: string;
  name: string;
  nameEn: string;
  months: number[] | null;
  weekdays: number[] | null;
  windows: string[];
  timesPerDay: ColumnType<number, never, never>;
  maxDistanceM: number;
  basis: ColumnType<string, string | undefined, string>;
  enabled: ColumnType<boolean, boolean | undefined, boolean>;
}

export interface PatrolTable {
  id: Generated<number>;
  personId: number;
  siteId: number;
  ruleId: number | null;
  gridId: number;
  regionCode: string;
  at: Date | string;
  recordedAt: Timestamp;
  location: Geometry;
  accuracyM: number | null;
  distanceM: number;
  accepted: ColumnType<boolean, boolean | undefined, boolean>;
  refusal: string | null;
}
