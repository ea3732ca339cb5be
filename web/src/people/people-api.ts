/** People, assignments, staffing, "my area" and patrols: the calls and shapes of server/people and server/patrols. */
import type { Feature, FeatureCollection, Geometry, MultiPolygon, Polygon } from 'geojson';
import { request } from '../lib/api';
import type { Duty } from '../lib/types';

export const DUTIES: Duty[] = ['leader', 'full_time', 'part_time', 'police', 'mediator'];

export interface Person {
  id: number; name: string; gender: 'M' | 'F' | null; phone: string | null;
  unitId: number | null; unitCode: string | null; unitName: string | null;
  villageCode: string | null; villageName: string | null; regionCode: string;
}
export interface Assignment {
  id: number; gridId: number; gridCode: string; gridName: string; villageCode: string; households: number;
  personId: number; personName: string; phone: string | null; duty: Duty;
  validFrom: string; validTo: string | null; current: boolean;
}
export interface PersonDetail extends Person { createdAt: string; currentGrids: Assignment[]; history: Assignment[] }
export interface Unit { id: number; code: string; name: string; nameEn: string; kind: string; regionCode: string }
export interface ImportReport {
  dryRun: boolean; ok: boolean; rows: number; valid: number; inserted: number; ids: number[];
  errors: Array<{ row: number; column: string | null; message: string }>;
}

export type StaffingProblem = 'no_member' | 'no_leader' | 'overloaded_member';
export interface StaffingCounts { code: string; name: string; grids: number; noMember: number; noLeader: number; withOverloadedMember: number; ok: boolean }
export type ReportLevel = 'prefecture' | 'county' | 'township' | 'village';
export interface StaffingReport {
  /** the region's code (4 digits for a prefecture), name and level */
  region: string; name: string; level: ReportLevel;
  thresholds: { maxGrids: number; maxHouseholds: number; memberDuties: string[] };
  summary: { grids: number; noMember: number; noLeader: number; withOverloadedMember: number; overloadedPeople: number };
  counties: StaffingCounts[];
  townships: Array<StaffingCounts & { countyCode: string }>;
  villages: Array<StaffingCounts & { townshipCode: string }>;
  overloaded: Array<{ personId: number; name: string; phone: string | null; grids: number; households: number; gridCodes: string[]; over: Array<'grids' | 'households'> }>;
  problemGrids: FeatureCollection<Polygon | MultiPolygon, {
    id: number; code: string; name: string; villageCode: string; villageName: string; townshipCode: string; countyCode: string; layer: string;
    households: number; members: number; leaders: number; overloadedMembers: number; problems: StaffingProblem[];
  }>;
}

export interface MyAreaSite { id: number; category: string; categoryName: string; categoryNameEn: string; name: string; gridId: number; attrs: Record<string, unknown> }
export interface MyAreaIncident { id: number; code: string; category: string; categoryName: string; title: string; state: string; priority: string; gridId: number; createdAt: string; dueAt: string | null }
export interface MyArea {
  person: { id: number; name: string; phone: string | null } | null;
  duties: Array<{ gridId: number; gridCode: string; gridName: string; duty: Duty }>;
  grids: FeatureCollection<Polygon | MultiPolygon, { id: number; code: string; name: string; villageCode: string; villageName: string; households: number; population: number; duties: Duty[] }>;
  sitesByCategory: Array<{ category: string; name: string; nameEn: string; color: string; count: number; siteIds: number[] }>;
  sites: FeatureCollection<Geometry, MyAreaSite>;
  incidents: FeatureCollection<Geometry, MyAreaIncident>;
}

export interface PatrolRule {
  id: number; code: string; category: string; categoryName: string; categoryNameEn: string; name: string; nameEn: string;
  months: number[] | null; weekdays: number[] | null; windows: string[]; timesPerDay: number; maxDistanceM: number; basis: string; enabled: boolean;
}
export interface CheckIn {
  id: number; siteId: number; siteName: string; gridId: number; ruleId: number | null; window: string | null;
  at: string; recordedAt: string; distanceM: number; maxDistanceM: number; accepted: boolean;
}
export interface ComplianceCounts { due: number; done: number; missed: number; pending: number }
export interface Compliance {
  region: string; name: string; level: ReportLevel; from: string; to: string; timeZone: string;
  summary: { grids: number } & ComplianceCounts;
  /** the region's counties: a prefecture's rows, a county's own one */
  counties: Array<{ code: string; name: string; grids: number } & ComplianceCounts>;
  grids: Array<{ gridId: number; gridCode: string; gridName: string; villageCode: string; sites: number } & ComplianceCounts>;
  members: Array<{ personId: number; name: string; regionCode: string; grids: number; coveredByOthers: number } & ComplianceCounts>;
}

export type PatrolFeature = Feature<Geometry, { id: number; siteId: number; siteName: string; at: string; distanceM: number; accepted: boolean }>;

export const peopleApi = {
  search: (q: { q?: string; unit?: string; village?: string; limit?: number }, signal?: AbortSignal) =>
    request<{ items: Person[]; total?: number }>('GET', '/api/people', { query: q, signal }),
  person: (id: number | string, signal?: AbortSignal) => request<PersonDetail>('GET', `/api/people/${id}`, { signal }),
  units: () => request<{ items: Unit[] } | Unit[]>('GET', '/api/units'),
  importCsv: (file: File, dryRun: boolean) =>
    request<ImportReport>('POST', '/api/people/import', { query: { dryRun }, raw: { data: file, type: 'text/csv' } }),

  assignments: (gridId: number | string, history = false, signal?: AbortSignal) =>
    request<{ assignments: Assignment[] }>('GET', `/api/grids/${gridId}/assignments`, { query: { history: history || undefined }, signal }),
  assign: (gridId: number | string, body: { personId: number; duty: Duty }) =>
    request<{ assignments: Assignment[] }>('POST', `/api/grids/${gridId}/assignments`, { body }),
  unassign: (gridId: number | string, assignmentId: number) =>
    request<unknown>('DELETE', `/api/grids/${gridId}/assignments/${assignmentId}`),
  handover: (gridId: number | string, body: { fromPersonId: number; toPersonId: number; duty?: Duty }) =>
    request<{ assignments: Assignment[] }>('POST', `/api/grids/${gridId}/assignments/handover`, { body }),

  staffing: (region?: string, signal?: AbortSignal) => request<StaffingReport>('GET', '/api/staffing', { query: { region }, signal }),
  myArea: (signal?: AbortSignal) => request<MyArea>('GET', '/api/me/area', { signal }),

  patrolRules: () => request<PatrolRule[]>('GET', '/api/patrol-rules'),
  checkIn: (body: { siteId: number; lon: number; lat: number; accuracyM?: number }) => request<CheckIn>('POST', '/api/patrols', { body }),
  myPatrols: (siteId?: number) => request<FeatureCollection<Geometry, PatrolFeature['properties']>>('GET', '/api/patrols', { query: { site: siteId } }),
  compliance: (q: { region?: string; from?: string; to?: string }, signal?: AbortSignal) =>
    request<Compliance>('GET', '/api/patrols/compliance', { query: q, signal }),
};
