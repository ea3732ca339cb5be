/**
 * The planning API (server/plans/plans.routes.ts). Every edit answers the whole draft as the server
 * now has it, so the client never computes a geometry result of its own.
 */
import type { Feature, FeatureCollection, LineString, MultiPolygon, Point, Polygon } from 'geojson';
import { request } from '../lib/api';

export interface PlanGridProps {
  id: number;
  sourceGridId: number | null;
  sourceCode: string | null;
  name: string;
  villageCode: string;
  /** Geodesic area, m². */
  areaM2: number;
  households: number;
  population: number;
  /** Key sites inside, by category code. */
  sites: Record<string, number>;
  incidents12m: number;
  /** Household target of the village's type (server settings) and where the grid stands against it. */
  target: number;
  normStatus: NormStatus;
}

export type NormStatus = 'low' | 'ok' | 'high';

export type ProblemKind = 'gap' | 'overlap' | 'outside' | 'multipart' | 'sliver';

export interface PlanProblemProps {
  kind: ProblemKind;
  villageCode: string | null;
  gridIds: number[] | null;
  gridCodes: string[] | null;
  areaM2: number;
  thinness: number | null;
  sliver: boolean;
}

export type PlanGrid = Feature<Polygon | MultiPolygon, PlanGridProps>;
export type PlanProblem = Feature<Polygon | MultiPolygon | LineString | Point, PlanProblemProps>;

export interface ValidationSummary {
  gaps: number;
  overlaps: number;
  outside: number;
  multipart: number;
  slivers: number;
  publishable: boolean;
}

export interface PlanView {
  id: number;
  scopeCode: string;
  scopeName: string;
  name: string;
  status: string;
  /** The version an edit must name; the server answers 409 to a stale one. */
  version: number;
  lockedBy: { id: number; name: string };
  lockExpiresAt: string;
  canUndo: boolean;
  canRedo: boolean;
  grids: FeatureCollection<Polygon | MultiPolygon, PlanGridProps>;
  /** Workload norms from the server's settings: households per grid and the tolerance (0.4 = ±40 %). */
  norms: { urban: number; rural: number; tolerance: number };
  validation: { summary: ValidationSummary; problems: FeatureCollection<PlanProblem['geometry'], PlanProblemProps> };
}

export type Outcome = 'unchanged' | 'changed' | 'added' | 'removed';

export interface PlanPreview {
  summary: Record<Outcome, number>;
  grids: Array<{ planGridId: number | null; gridId: number | null; code: string; name: string; villageCode: string; outcome: Outcome }>;
  members: Array<{ assignmentId: number; personId: number; name: string; duty: string; gridCode: string; outcome: 'carried' | 'ends' }>;
  sitesMoving: Array<{ id: number; name: string; category: string; fromCode: string | null; toCode: string | null }>;
  incidentsMoving: Array<{ id: number; code: string; title: string; fromCode: string | null; toCode: string | null }>;
}

export interface PublishResult {
  closed: number;
  inserted: number;
  sitesRehomed: number;
  incidentsRehomed: number;
}

const base = (id: number) => `/api/plans/${id}`;

export const planApi = {
  create: (region: string, name?: string) => request<PlanView>('POST', '/api/plans', { body: { region, name } }),
  get: (id: number) => request<PlanView>('GET', base(id)),
  discard: (id: number) => request<void>('DELETE', base(id)),
  draw: (id: number, version: number, geometry: Polygon, name?: string) =>
    request<PlanView>('POST', `${base(id)}/grids`, { body: { geometry, name, version } }),
  patch: (id: number, version: number, gid: number, body: { geometry?: Polygon; name?: string; follow?: boolean }) =>
    request<PlanView>('PATCH', `${base(id)}/grids/${gid}`, { body: { ...body, version } }),
  remove: (id: number, version: number, gid: number) =>
    request<PlanView>('DELETE', `${base(id)}/grids/${gid}`, { query: { version } }),
  split: (id: number, version: number, gridId: number, line: LineString) =>
    request<PlanView>('POST', `${base(id)}/split`, { body: { gridId, line, version } }),
  merge: (id: number, version: number, gridIds: number[]) =>
    request<PlanView>('POST', `${base(id)}/merge`, { body: { gridIds, version } }),
  /** Replaces the grids of the villages the layer covers with its Polygon/MultiPolygon features. */
  importGeoJson: (id: number, version: number, features: Feature<Polygon | MultiPolygon>[]) =>
    request<PlanView>('POST', `${base(id)}/import`, { body: { type: 'FeatureCollection', features, replace: true, version } }),
  /** The same from a zipped Shapefile (the raw .zip as the body). */
  importShapefile: (id: number, version: number, zip: Blob) =>
    request<PlanView>('POST', `${base(id)}/import/shapefile`, {
      query: { replace: 'true', version },
      raw: { data: zip, type: 'application/zip' },
    }),
  undo: (id: number, version: number) => request<PlanView>('POST', `${base(id)}/undo`, { body: { version } }),
  redo: (id: number, version: number) => request<PlanView>('POST', `${base(id)}/redo`, { body: { version } }),
  preview: (id: number) => request<PlanPreview>('GET', `${base(id)}/preview`),
  /** `endAssignmentIds`: members of changed grids the planner unticked in the preview (they end instead of moving). */
  publish: (id: number, endAssignmentIds: number[] = []) =>
    request<PublishResult>('POST', `${base(id)}/publish`, { body: { endAssignmentIds } }),
};
