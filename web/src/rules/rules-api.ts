/** The rules API (server/rules): rules as data, and a run over a region with the zones around each subject. */
import type { Feature, FeatureCollection, Geometry, LineString, Point, Polygon } from 'geojson';
import { request } from '../lib/api';

export interface Rule {
  id: number;
  code: string;
  name: string;
  nameEn: string;
  subjectCategories: string[];
  targetCategories: string[];
  distanceM: number;
  method: 'boundary' | 'entrance' | 'walking';
  mode: 'forbidden' | 'required' | 'attributes';
  severity: 'info' | 'warning' | 'serious';
  basis: string;
  enabled: boolean;
}

export interface ViolationProps {
  ruleId: number;
  subject_id: number;
  subjectName: string;
  subjectCategory: string;
  target_id: number | null;
  targetName: string | null;
  targetCategory: string | null;
  distance_m: number | null;
  missing: Array<{ key: string; name: string; nameEn: string }> | null;
  siteId: number;
  regionCode: string;
  gridId: number | null;
  point: [number, number];
}

export type Violation = Feature<LineString | Point | Geometry, ViolationProps>;

export interface RuleRun extends FeatureCollection<LineString | Point | Geometry, ViolationProps> {
  rule: Pick<Rule, 'id' | 'code' | 'name' | 'nameEn' | 'distanceM' | 'method' | 'mode' | 'severity' | 'basis'>;
  zones?: FeatureCollection<Polygon, { subject_id: number; name: string; distance_m: number }>;
}

export const rulesApi = {
  list: () => request<{ items: Rule[] }>('GET', '/api/rules'),
  run: (id: number, region: string, signal?: AbortSignal) =>
    request<RuleRun>('POST', `/api/rules/${id}/run`, { query: { region, zones: 'true' }, signal }),
  /** Where the browser downloads a rule's violations in the region as a file. */
  exportUrl: (id: number, region: string, format: 'csv' | 'geojson') =>
    `/api/exports?${new URLSearchParams({ kind: 'violations', rule: String(id), region, format })}`,
};
