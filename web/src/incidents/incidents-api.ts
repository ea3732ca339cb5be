/** Incidents: the calls of server/incidents (GET/POST /api/incidents…, categories, photos) through the typed client. */
import type { Point } from 'geojson';
import { ApiError, api, call, signalled, type Answer, type Args } from '../lib/api';

export { INCIDENT_STATES, OPEN_INCIDENT_STATES as OPEN_STATES } from '../../../server/domain/enums';
export type { IncidentLevel, IncidentState } from '../../../server/domain/enums';

const incident = api.incidents[':id'];

export type IncidentCategory = Answer<(typeof api)['incident-categories']['$get']>['items'][number];
type ListAnswer = Answer<typeof api.incidents.$get>;
export type IncidentSummary = ListAnswer['features'][number]['properties'];
type DetailAnswer = Answer<(typeof incident)['$get']>;
/** An incident's details; its location is a GeoJSON point (the route's schema leaves the geometry open). */
export type IncidentDetail = Omit<DetailAnswer, 'geometry'> & { geometry: Point };
export type IncidentPhoto = DetailAnswer['properties']['photos'][number];
export type DuplicateCandidate = Answer<(typeof incident)['duplicates']['$get']>['items'][number];
export type IncidentList = Omit<ListAnswer, 'features'> & { features: Array<Omit<ListAnswer['features'][number], 'geometry'> & { geometry: Point }> };
export type IncidentView = NonNullable<Args<typeof api.incidents.$get>['query']['view']>;
export type ActionBody = Args<(typeof incident)['actions']['$post']>['json'];
export type WorkflowAction = ActionBody['action'];
export type NewIncident = Args<typeof api.incidents.$post>['json'];
export type Unit = Answer<typeof api.units.$get>[number];

/** The list's filters as the panels hold them (arrays and booleans; the query takes strings). */
export interface IncidentQuery {
  view?: IncidentView;
  state?: readonly string[];
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

const list = (v: readonly string[] | undefined) => (v && v.length ? v.join(',') : undefined);
const text = (v: number | boolean | undefined) => (v === undefined ? undefined : String(v));
const detail = (answer: Promise<DetailAnswer>) => answer as Promise<IncidentDetail>;

export const incidentsApi = {
  categories: () => call(api['incident-categories'].$get()),
  units: () => call(api.units.$get()),
  list: (q: IncidentQuery, signal?: AbortSignal) =>
    call(api.incidents.$get({
      query: {
        view: q.view, state: list(q.state), category: list(q.category), region: q.region,
        overdue: q.overdue === undefined ? undefined : q.overdue ? 'true' : 'false',
        nearDue: q.nearDue === undefined ? undefined : q.nearDue ? 'true' : 'false',
        q: q.q?.trim() || undefined, from: q.from, to: q.to, limit: text(q.limit), offset: text(q.offset),
      },
    }, signalled(signal))) as Promise<IncidentList>,
  get: (id: number | string, signal?: AbortSignal) => detail(call(incident.$get({ param: { id: String(id) } }, signalled(signal)))),
  create: (body: NewIncident) => detail(call(api.incidents.$post({ json: body }))),
  /** A rule violation reported as a rectification incident (once per open violation). */
  fromRule: (body: Args<(typeof api.incidents)['from-rule']['$post']>['json']) => detail(call(api.incidents['from-rule'].$post({ json: body }))),
  duplicates: (id: number | string) => call(incident.duplicates.$get({ param: { id: String(id) } })),
  act: (id: number | string, body: ActionBody) => detail(call(incident.actions.$post({ param: { id: String(id) }, json: body }))),
  /** Multipart upload through the same fetch as every call (a 401 ends the session here too). */
  addPhoto: (id: number | string, file: File) => call(incident.photos.$post({ param: { id: String(id) }, form: { file } })),
};

/** A problem's readable text (one translation for the whole app: lib/problem-text.ts). */
export { problemText } from '../lib/problem-text';
/** A 409 from an action: the incident changed since it was loaded (stale version, or another state by now). */
export const isStale = (e: unknown) => e instanceof ApiError && e.status === 409;
