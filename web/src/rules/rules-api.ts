/** The rules API (server/rules) through the typed client: rules as data, and a run over a region with the zones around each subject. */
import type { Feature, FeatureCollection, Geometry, LineString, Point, Polygon } from 'geojson';
import type { ruleSummary, ruleZones, violationFeatures } from '../../../server/rules/rules.repository';
import { api, call, signalled, type Answer } from '../lib/api';

export type Rule = Answer<typeof api.rules.$get>['items'][number];

// The run's answer is declared `z.any()` by the route for now: the web reads it as the handler builds it
// (the repository's violation features, rule summary and zones), with the geometries as GeoJSON.
export type ViolationProps = ReturnType<typeof violationFeatures>[number]['properties'];
export type Violation = Feature<LineString | Point | Geometry, ViolationProps>;
type ZoneProps = Awaited<ReturnType<typeof ruleZones>>['features'][number]['properties'];
export interface RuleRun extends FeatureCollection<LineString | Point | Geometry, ViolationProps> {
  rule: ReturnType<typeof ruleSummary>;
  zones?: FeatureCollection<Polygon, ZoneProps>;
}

export const rulesApi = {
  list: () => call(api.rules.$get()),
  run: (id: number, region: string, signal?: AbortSignal) =>
    call(api.rules[':id'].run.$post({ param: { id: String(id) }, query: { region, zones: 'true' } }, signalled(signal))) as Promise<RuleRun>,
  /** Where the browser downloads a rule's violations in the region as a file. */
  exportUrl: (id: number, region: string, format: 'csv' | 'geojson') =>
    `/api/exports?${new URLSearchParams({ kind: 'violations', rule: String(id), region, format })}`,
};
