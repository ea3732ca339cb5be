/**
 * A rule run on the map: the zone around each subject (the server's geodesic buffer), the lines
 * from subject to offending site with their distance, and the offending places as dots.
 */
import type { FeatureCollection } from 'geojson';
import type { GeoJSONSource, Map as MlMap } from 'maplibre-gl';
import type { RuleRun } from './rules-api';

export const RULE_LAYERS = {
  zonesFill: 'rule-zones-fill',
  zonesLine: 'rule-zones-line',
  lines: 'rule-violation-lines',
  points: 'rule-violation-points',
  labels: 'rule-violation-labels',
} as const;
const SOURCES = { zones: 'rule-zones', violations: 'rule-violations', points: 'rule-points' } as const;
const empty: FeatureCollection = { type: 'FeatureCollection', features: [] };

export function addRuleLayers(map: MlMap): void {
  if (map.getSource(SOURCES.zones)) return;
  map.addSource(SOURCES.zones, { type: 'geojson', data: empty });
  map.addSource(SOURCES.violations, { type: 'geojson', data: empty });
  map.addSource(SOURCES.points, { type: 'geojson', data: empty });
  map.addLayer({ id: RULE_LAYERS.zonesFill, type: 'fill', source: SOURCES.zones, paint: { 'fill-color': '#f59f00', 'fill-opacity': 0.12 } });
  map.addLayer({ id: RULE_LAYERS.zonesLine, type: 'line', source: SOURCES.zones, paint: { 'line-color': '#e67700', 'line-width': 1.2, 'line-dasharray': [3, 2] } });
  map.addLayer({ id: RULE_LAYERS.lines, type: 'line', source: SOURCES.violations, filter: ['==', ['geometry-type'], 'LineString'],
    paint: { 'line-color': '#e03131', 'line-width': ['case', ['boolean', ['feature-state', 'active'], false], 4, 2.5] } });
  map.addLayer({ id: RULE_LAYERS.points, type: 'circle', source: SOURCES.points,
    paint: { 'circle-radius': ['case', ['boolean', ['feature-state', 'active'], false], 9, 6], 'circle-color': '#e03131',
      'circle-stroke-color': '#fff', 'circle-stroke-width': 2 } });
  map.addLayer({ id: RULE_LAYERS.labels, type: 'symbol', source: SOURCES.points,
    layout: { 'text-field': ['get', 'label'], 'text-size': 12, 'text-offset': [0, -1.3], 'text-allow-overlap': false,
      'text-font': ['Noto Sans Regular'] },
    paint: { 'text-color': '#c92a2a', 'text-halo-color': '#fff', 'text-halo-width': 1.5 } });
}

export function removeRuleLayers(map: MlMap): void {
  for (const id of Object.values(RULE_LAYERS)) if (map.getLayer(id)) map.removeLayer(id);
  for (const id of Object.values(SOURCES)) if (map.getSource(id)) map.removeSource(id);
}

/** Draws a run; each offending place carries its distance as its label. */
export function setRuleRun(map: MlMap, run: RuleRun | null, label: (distance: number | null) => string): void {
  addRuleLayers(map);
  (map.getSource(SOURCES.zones) as GeoJSONSource).setData(run?.zones ?? empty);
  (map.getSource(SOURCES.violations) as GeoJSONSource).setData(run ?? empty);
  (map.getSource(SOURCES.points) as GeoJSONSource).setData({
    type: 'FeatureCollection',
    features: (run?.features ?? []).map((f) => ({ type: 'Feature', id: f.id, geometry: { type: 'Point', coordinates: f.properties.point },
      properties: { id: f.id, siteId: f.properties.siteId, label: label(f.properties.distance_m) } })),
  });
}

export function setActiveViolation(map: MlMap, id: number | null, previous: number | null): void {
  for (const source of [SOURCES.violations, SOURCES.points]) {
    if (!map.getSource(source)) continue;
    if (previous !== null) map.setFeatureState({ source, id: previous }, { active: false });
    if (id !== null) map.setFeatureState({ source, id }, { active: true });
  }
}
