/** People, assignments, staffing, "my area" and patrols: the calls of server/people and server/patrols through the typed client. */
import type { Feature, FeatureCollection, Geometry, MultiPolygon, Polygon } from 'geojson';
import type { Duty } from '../../../server/domain/enums';
import type { myArea } from '../../../server/people/my-area.service';
import { api, call, signalled, type Answer, type Args } from '../lib/api';

export { DUTIES } from '../../../server/domain/enums';

const person = api.people[':id'];
const assignments = api.grids[':id'].assignments;

export type Person = Answer<typeof api.people.$get>['items'][number];
export type PersonDetail = Answer<(typeof person)['$get']>;
export type Assignment = Answer<(typeof assignments)['$get']>['assignments'][number];
export type Unit = Answer<typeof api.units.$get>[number];
export type ImportReport = Answer<(typeof api.people)['import']['$post']>;
export type StaffingReport = Answer<typeof api.staffing.$get>;
export type PatrolRule = Answer<(typeof api)['patrol-rules']['$get']>[number];
export type CheckIn = Answer<typeof api.patrols.$post>;
export type Compliance = Answer<(typeof api.patrols)['compliance']['$get']>;
type Patrols = Answer<typeof api.patrols.$get>;
export type PatrolFeature = Feature<Geometry, Patrols['features'][number]['properties']>;

// The route declares "my area"'s grids, sites and incidents as `z.any()` for now: the web reads them as
// the service builds them, with the geometries as GeoJSON.
type ServerMyArea = Awaited<ReturnType<typeof myArea>>;
type PropsOf<C extends { features: Array<{ properties: unknown }> }> = C['features'][number]['properties'];
export type MyAreaSite = PropsOf<ServerMyArea['sites']>;
export type MyAreaIncident = PropsOf<ServerMyArea['incidents']>;
export type MyArea = Omit<Answer<typeof api.me.area.$get>, 'grids' | 'sites' | 'incidents'> & {
  grids: FeatureCollection<Polygon | MultiPolygon, PropsOf<ServerMyArea['grids']>>;
  sites: FeatureCollection<Geometry, MyAreaSite>;
  incidents: FeatureCollection<Geometry, MyAreaIncident>;
};

const id = (v: number | string) => String(v);

export const peopleApi = {
  search: (q: Omit<Args<typeof api.people.$get>['query'], 'limit'> & { limit?: number }, signal?: AbortSignal) =>
    call(api.people.$get({ query: { ...q, limit: q.limit === undefined ? undefined : String(q.limit) } }, signalled(signal))),
  person: (pid: number | string, signal?: AbortSignal) => call(person.$get({ param: { id: id(pid) } }, signalled(signal))),
  units: () => call(api.units.$get()),
  /** The CSV as the raw body (text/csv; the typed client passes it on to fetch). */
  importCsv: (file: File, dryRun: boolean) =>
    call(api.people.import.$post({ query: { dryRun: dryRun ? 'true' : 'false' } }, { headers: { 'content-type': 'text/csv' }, init: { body: file } })),

  assignments: (gridId: number | string, history = false, signal?: AbortSignal) =>
    call(assignments.$get({ param: { id: id(gridId) }, query: { history: history ? 'true' : undefined } }, signalled(signal))),
  assign: (gridId: number | string, body: { personId: number; duty: Duty }) =>
    call(assignments.$post({ param: { id: id(gridId) }, json: body })),
  unassign: (gridId: number | string, assignmentId: number) =>
    call(assignments[':assignmentId'].$delete({ param: { id: id(gridId), assignmentId: id(assignmentId) }, query: {} })),
  handover: (gridId: number | string, body: { fromPersonId: number; toPersonId: number; duty: Duty }) =>
    call(assignments.handover.$post({ param: { id: id(gridId) }, json: body })),

  staffing: (region?: string, signal?: AbortSignal) => call(api.staffing.$get({ query: { region } }, signalled(signal))),
  myArea: (signal?: AbortSignal) => call(api.me.area.$get(undefined, signalled(signal))) as Promise<unknown> as Promise<MyArea>,

  patrolRules: () => call(api['patrol-rules'].$get()),
  checkIn: (body: Args<typeof api.patrols.$post>['json']) => call(api.patrols.$post({ json: body })),
  myPatrols: (siteId?: number) =>
    call(api.patrols.$get({ query: { site: siteId === undefined ? undefined : String(siteId) } })),
  compliance: (q: { region?: string; from?: string; to?: string }, signal?: AbortSignal) =>
    call(api.patrols.compliance.$get({ query: q }, signalled(signal))),
};
