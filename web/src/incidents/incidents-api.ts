/** Incidents: the calls and shapes of server/incidents (GET/POST /api/incidents…, categories, photos). */
import type { Feature, Point } from 'geojson';
import { ApiError, request } from '../lib/api';

export const INCIDENT_STATES = ['reported', 'accepted', 'rejected', 'dispatched', 'in_progress', 'resolved', 'closed', 'escalated', 'reopened'] as const;
export type IncidentState = (typeof INCIDENT_STATES)[number];
/** States that still need someone to act. */
export const OPEN_STATES: IncidentState[] = ['reported', 'accepted', 'escalated', 'dispatched', 'in_progress', 'reopened'];
export const WORKFLOW_ACTIONS = ['accept', 'reject', 'duplicate', 'escalate', 'dispatch', 'start', 'resolve', 'close', 'reopen', 'confirm', 'supervise'] as const;
export type WorkflowAction = (typeof WORKFLOW_ACTIONS)[number];
export type IncidentLevel = 'village' | 'township' | 'county';
export type IncidentView = 'queue' | 'inbox' | 'mine';

export interface IncidentCategory {
  code: string;
  parentCode: string | null;
  name: string;
  nameEn: string;
  deadlineHours: number;
  defaultUnitCode: string | null;
  defaultUnitId: number | null;
  defaultUnitName: string | null;
  attrSchema: Record<string, unknown>;
}

export interface IncidentSummary {
  id: number; code: string; category: string; categoryName: string; categoryNameEn: string; title: string;
  state: IncidentState; level: IncidentLevel; priority: string; regionCode: string;
  gridId: number | null; gridCode: string | null; unitId: number | null; unitName: string | null;
  reporterId: number | null; source: string; dueAt: string | null; createdAt: string;
  resolvedAt: string | null; closedAt: string | null; version: number; overdue: boolean; nearDue: boolean;
}

export interface IncidentEvent {
  id: number; at: string; action: string; fromState: string | null; toState: string | null;
  note: string | null; data: Record<string, unknown> | null; actorId: number | null; actorName: string | null;
}
export interface DuplicateCandidate { id: number; code: string; title: string; state: string; createdAt: string; distanceM: number }
export interface IncidentPhoto { id: number; mime: string; width: number; height: number; bytes: number; url: string; thumbUrl: string }

export interface IncidentDetailProps extends IncidentSummary {
  description: string; attrs: Record<string, unknown>; sourceData: Record<string, unknown> | null;
  callerName: string | null; callerPhone: string | null; reporterName: string | null;
  duplicateOf: number | null; duplicateOfCode: string | null; result: string | null;
  confirmedAt: string | null; satisfied: boolean | null; deadlineHours: number;
  gridName: string | null; villageName: string | null; townshipCode: string | null; townshipName: string | null;
  suggestedUnitId: number | null; suggestedUnitName: string | null;
  members: Array<{ id: number; name: string; phone: string | null; duty: string }>;
  allowedActions: WorkflowAction[]; mayAddPhotos: boolean;
  photos: IncidentPhoto[];
  timeline: IncidentEvent[];
  /** Only in the answer to a new report. */
  duplicates?: DuplicateCandidate[];
}
export type IncidentDetail = Feature<Point, IncidentDetailProps> & { id: number };
export interface IncidentList {
  type: 'FeatureCollection';
  features: Array<Feature<Point, IncidentSummary> & { id: number }>;
  total: number; limit: number; offset: number;
}

export interface IncidentQuery {
  view?: IncidentView;
  state?: string[];
  category?: string[];
  region?: string;
  overdue?: boolean;
  nearDue?: boolean;
  q?: string;
  from?: string;
  to?: string;
  limit?: number;
  offset?: number;
}

export interface NewIncident {
  category: string;
  title: string;
  description?: string;
  location: Point;
  priority?: 'low' | 'normal' | 'high' | 'urgent';
  attrs?: Record<string, unknown>;
  caller?: { name: string; phone?: string | null };
}

export interface ActionBody {
  action: WorkflowAction;
  version: number;
  note?: string | null;
  unitId?: number | null;
  data?: Record<string, unknown> | null;
}

export interface Unit { id: number; code: string; name: string; nameEn: string; kind: string; regionCode: string }

/** Multipart upload (the JSON helper sends JSON or a raw body only); errors become ApiError like everywhere else. */
async function upload<T>(path: string, file: File): Promise<T> {
  const form = new FormData();
  form.append('file', file, file.name);
  let res: Response;
  try {
    res = await fetch(path, {
      method: 'POST', credentials: 'same-origin', body: form,
      headers: { accept: 'application/json, application/problem+json', 'accept-language': document.documentElement.lang === 'en' ? 'en' : 'zh-CN' },
    });
  } catch (e) {
    throw new ApiError(0, { title: 'network', detail: e instanceof Error ? e.message : String(e) });
  }
  if (!res.ok) {
    let problem: Record<string, unknown> = {};
    try {
      problem = await res.json();
    } catch {
      // a proxy's error page: the status says enough
    }
    throw new ApiError(res.status, problem as { title?: string });
  }
  return (await res.json()) as T;
}

const list = (v: string[] | undefined) => (v && v.length ? v.join(',') : undefined);

export const incidentsApi = {
  categories: () => request<{ items: IncidentCategory[] }>('GET', '/api/incident-categories'),
  units: () => request<Unit[]>('GET', '/api/units'),
  list: (q: IncidentQuery, signal?: AbortSignal) =>
    request<IncidentList>('GET', '/api/incidents', {
      query: {
        view: q.view, state: list(q.state), category: list(q.category), region: q.region,
        overdue: q.overdue === undefined ? undefined : String(q.overdue), nearDue: q.nearDue === undefined ? undefined : String(q.nearDue),
        q: q.q?.trim() || undefined, from: q.from, to: q.to, limit: q.limit, offset: q.offset,
      },
      signal,
    }),
  get: (id: number | string, signal?: AbortSignal) => request<IncidentDetail>('GET', `/api/incidents/${id}`, { signal }),
  create: (body: NewIncident) => request<IncidentDetail>('POST', '/api/incidents', { body }),
  duplicates: (id: number | string) => request<{ items: DuplicateCandidate[] }>('GET', `/api/incidents/${id}/duplicates`),
  act: (id: number | string, body: ActionBody) => request<IncidentDetail>('POST', `/api/incidents/${id}/actions`, { body }),
  addPhoto: (id: number | string, file: File) => upload<IncidentPhoto>(`/api/incidents/${id}/photos`, file),
};

/** A problem's readable text. */
export const problemText = (e: unknown) => (e instanceof ApiError ? (e.detail ?? e.title) : String(e));
/** A 409 from an action: the incident changed since it was loaded (stale version, or another state by now). */
export const isStale = (e: unknown) => e instanceof ApiError && e.status === 409;
