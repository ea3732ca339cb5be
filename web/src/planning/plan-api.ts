/**
 * The planning API (server/plans/plans.routes.ts) through the typed client. Every edit answers the
 * whole draft as the server now has it, so the client never computes a geometry result of its own.
 */
import type { Feature, FeatureCollection, LineString, MultiPolygon, Point, Polygon } from 'geojson';
import type { previewPlan, publishPlan } from '../../../server/plans/plans.publish';
import type { planView } from '../../../server/plans/plans.service';
import { api, call, type Answer, type Args } from '../lib/api';

// The route declares the draft's grids and validation, the preview and the publish result as `z.any()`
// for now; until it declares their schemas, the web reads them as the server's service returns them.
type ServerPlanView = Awaited<ReturnType<typeof planView>>;
export type PlanGridProps = ServerPlanView['grids']['features'][number]['properties'];
export type NormStatus = PlanGridProps['normStatus'];
export type PlanProblemProps = ServerPlanView['validation']['problems']['features'][number]['properties'];
/** The server's geometries read as GeoJSON: grids are (multi)polygons, problems any of these. */
export type PlanGrid = Feature<Polygon | MultiPolygon, PlanGridProps>;
export type PlanProblem = Feature<Polygon | MultiPolygon | LineString | Point, PlanProblemProps>;
export type PlanView = Omit<Answer<(typeof api.plans)[':id']['$get']>, 'grids' | 'validation'> & {
  grids: FeatureCollection<Polygon | MultiPolygon, PlanGridProps>;
  validation: { summary: ServerPlanView['validation']['summary']; problems: FeatureCollection<PlanProblem['geometry'], PlanProblemProps> };
};
export type PlanPreview = Awaited<ReturnType<typeof previewPlan>>;
export type PublishResult = Awaited<ReturnType<typeof publishPlan>>;
/** What publishing does to a grid (the preview's `outcome`). */
export type Outcome = 'unchanged' | 'changed' | 'added' | 'removed';

const plan = api.plans[':id'];
const param = (id: number) => ({ id: String(id) });
const view = (answer: Promise<unknown>) => answer as Promise<PlanView>;
/** A body with GeoJSON geometries the server's schema validates (closed rings, positions as pairs). */
type Json<E> = Args<E> extends { json: infer J } ? J : never;

export const planApi = {
  create: (region: string, name?: string) => view(call(api.plans.$post({ json: { region, name } }))),
  get: (id: number) => view(call(plan.$get({ param: param(id) }))),
  discard: (id: number) => call(plan.$delete({ param: param(id) })),
  draw: (id: number, version: number, geometry: Polygon, name?: string) =>
    view(call(plan.grids.$post({ param: param(id), json: { geometry, name, version } as Json<typeof plan.grids.$post> }))),
  patch: (id: number, version: number, gid: number, body: { geometry?: Polygon; name?: string; follow?: boolean }) =>
    view(call(plan.grids[':gid'].$patch({ param: { ...param(id), gid: String(gid) }, json: { ...body, version } as Json<(typeof plan.grids)[':gid']['$patch']> }))),
  remove: (id: number, version: number, gid: number) =>
    view(call(plan.grids[':gid'].$delete({ param: { ...param(id), gid: String(gid) }, query: { version: String(version) } }))),
  split: (id: number, version: number, gridId: number, line: LineString) =>
    view(call(plan.split.$post({ param: param(id), json: { gridId, line, version } as Json<typeof plan.split.$post> }))),
  merge: (id: number, version: number, gridIds: number[]) =>
    view(call(plan.merge.$post({ param: param(id), json: { gridIds, version } }))),
  /** Replaces the grids of the villages the layer covers with its Polygon/MultiPolygon features. */
  importGeoJson: (id: number, version: number, features: Feature<Polygon | MultiPolygon>[]) =>
    view(call(plan.import.$post({ param: param(id), json: { type: 'FeatureCollection', features, replace: true, version } as Json<typeof plan.import.$post> }))),
  /** The same from a zipped Shapefile: the raw .zip as the body (the typed client passes it on to fetch). */
  importShapefile: (id: number, version: number, zip: Blob) =>
    view(call(plan.import.shapefile.$post(
      { param: param(id), query: { replace: 'true', version: String(version) } },
      { headers: { 'content-type': 'application/zip' }, init: { body: zip } },
    ))),
  undo: (id: number, version: number) => view(call(plan.undo.$post({ param: param(id), json: { version } }))),
  redo: (id: number, version: number) => view(call(plan.redo.$post({ param: param(id), json: { version } }))),
  preview: (id: number) => call(plan.preview.$get({ param: param(id) })) as Promise<PlanPreview>,
  /** `endAssignmentIds`: members of changed grids the planner unticked in the preview (they end instead of moving). */
  publish: (id: number, endAssignmentIds: number[] = []) =>
    call(plan.publish.$post({ param: param(id), json: { endAssignmentIds } })) as Promise<PublishResult>,
};
