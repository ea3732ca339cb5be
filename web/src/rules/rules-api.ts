/** The rules API (server/rules) through the typed client: rules as data, and a run over a region with the zones around each subject. */
import type { Feature, FeatureCollection, Geometry, LineString, Point, Polygon } from 'geojson';
import { api, call, signalled, type Answer } from '../lib/api';

export type Rule = Answer<typeof api.rules.$get>['items'][number];

type RunAnswer = Answer<(typeof api.rules)[':id']['run']['$post']>;
export type ViolationProps = RunAnswer['features'][number]['properties'];
export type Violation = Feature<LineString | Point | Geometry, ViolationProps>;
type ZoneProps = NonNullable<RunAnswer['zones']>['features'][number]['properties'];
/** A rule run as the server declares it, its geometries read as GeoJSON (the schema types them loosely). */
export interface RuleRun extends FeatureCollection<LineString | Point | Geometry, ViolationProps> {
  rule: NonNullable<RunAnswer['rule']>;
  zones?: FeatureCollection<Polygon, ZoneProps>;
}
export const asRuleRun = (answer: Pick<RunAnswer, 'features'> & Partial<RunAnswer>) => answer as unknown as RuleRun;

export const rulesApi = {
  list: () => call(api.rules.$get()),
  run: (id: number, region: string, signal?: AbortSignal) =>
    call(api.rules[':id'].run.$post({ param: { id: String(id) }, query: { region, zones: 'true' } }, signalled(signal))).then(asRuleRun),
  /** Where the browser downloads a rule's violations in the region as a file. */
  exportUrl: (id: number, region: string, format: 'csv' | 'geojson') =>
    `/api/exports?${new URLSearchParams({ kind: 'violations', rule: String(id), region, format })}`,
};
