/**
 * How a draft is drawn on the map: its grids (tinted by workload norm, labelled with name and
 * households), its validation problems in red, the selection, what the planner last drew (dashed, so
 * the server's clipped answer can be compared with it), and where the server found a geometry invalid.
 * Layer ids are stable: the browser test queries them.
 */
import type { Feature, FeatureCollection, Geometry, LineString, Point, Polygon } from 'geojson';
import type { GeoJSONSource, Map as MlMap } from 'maplibre-gl';
import { labelPoint } from '../map/geo';
import { FONT_REGULAR } from '../map/style';
import type { NormStatus } from './plan-api';
import type { PlanView } from './plan-api';

export const PLAN_SOURCES = {
  grids: 'plan-grids',
  labels: 'plan-labels',
  problems: 'plan-problems',
  sketch: 'plan-sketch',
  error: 'plan-error',
} as const;

export const PLAN_LAYERS = {
  gridsFill: 'plan-grids-fill',
  gridsLine: 'plan-grids-line',
  problemsFill: 'plan-problems-fill',
  problemsOverlap: 'plan-problems-overlap',
  problemsLine: 'plan-problems-line',
  selectedCasing: 'plan-grids-selected-casing',
  selectedLine: 'plan-grids-selected-line',
  sketch: 'plan-sketch-line',
  error: 'plan-error-point',
  labels: 'plan-grids-label',
} as const;

/** Workload colours; red is kept for validation problems. */
export const NORM_COLORS: Record<NormStatus, string> = { low: '#f7d774', ok: '#bcd9f2', high: '#c9a8ef' };
const PROBLEM_RED = '#e5322d';
const OVERLAP_RED = '#8f1d17';
const HATCH = 'plan-hatch';

const expr = (x: unknown) => x as never;
const empty: FeatureCollection = { type: 'FeatureCollection', features: [] };
const polygonTypes = ['Polygon', 'MultiPolygon'];

/** Diagonal dark-red stripes on a light red ground: overlaps read differently from gaps. */
function hatchImage(size = 12): ImageData {
  const data = new Uint8ClampedArray(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const stripe = (x + y) % size < 4;
      const i = (y * size + x) * 4;
      data.set(stripe ? [143, 29, 23, 230] : [229, 50, 45, 70], i);
    }
  }
  return new ImageData(data, size, size);
}

/** Adds the draft's sources and layers on top of the map's own. */
export function addPlanLayers(map: MlMap): void {
  for (const id of Object.values(PLAN_SOURCES)) {
    if (!map.getSource(id)) map.addSource(id, { type: 'geojson', data: empty, promoteId: id === PLAN_SOURCES.grids ? 'id' : undefined });
  }
  if (!map.hasImage(HATCH)) map.addImage(HATCH, hatchImage(), { pixelRatio: 2 });
  const layers: Parameters<MlMap['addLayer']>[0][] = [
    {
      id: PLAN_LAYERS.gridsFill,
      type: 'fill',
      source: PLAN_SOURCES.grids,
      paint: {
        'fill-color': expr(['match', ['get', 'status'], 'low', NORM_COLORS.low, 'high', NORM_COLORS.high, NORM_COLORS.ok]),
        'fill-opacity': 0.6,
      },
    },
    {
      id: PLAN_LAYERS.gridsLine,
      type: 'line',
      source: PLAN_SOURCES.grids,
      layout: { 'line-join': 'round' },
      paint: { 'line-color': '#1f4e8c', 'line-width': expr(['interpolate', ['linear'], ['zoom'], 12, 1, 16, 2]) },
    },
    {
      id: PLAN_LAYERS.problemsFill,
      type: 'fill',
      source: PLAN_SOURCES.problems,
      filter: expr(['all', ['in', ['geometry-type'], ['literal', polygonTypes]], ['in', ['get', 'kind'], ['literal', ['gap', 'outside']]]]),
      paint: { 'fill-color': PROBLEM_RED, 'fill-opacity': 0.55 },
    },
    {
      id: PLAN_LAYERS.problemsOverlap,
      type: 'fill',
      source: PLAN_SOURCES.problems,
      filter: expr(['all', ['in', ['geometry-type'], ['literal', polygonTypes]], ['==', ['get', 'kind'], 'overlap']]),
      paint: { 'fill-pattern': HATCH },
    },
    {
      // every problem is outlined; slivers and multi-part grids (no fill of their own) more strongly
      id: PLAN_LAYERS.problemsLine,
      type: 'line',
      source: PLAN_SOURCES.problems,
      layout: { 'line-join': 'round' },
      paint: {
        'line-color': expr(['case', ['==', ['get', 'kind'], 'overlap'], OVERLAP_RED, PROBLEM_RED]),
        'line-width': expr(['case', ['any', ['get', 'sliver'], ['in', ['get', 'kind'], ['literal', ['sliver', 'multipart']]]], 3.5, 2]),
        'line-dasharray': expr(['case', ['==', ['get', 'kind'], 'multipart'], ['literal', [2, 1.5]], ['literal', [1, 0]]]),
      },
    },
    {
      id: PLAN_LAYERS.selectedCasing,
      type: 'line',
      source: PLAN_SOURCES.grids,
      filter: expr(['==', ['get', 'selected'], true]),
      layout: { 'line-join': 'round' },
      paint: { 'line-color': '#ffffff', 'line-width': 7, 'line-opacity': 0.9 },
    },
    {
      id: PLAN_LAYERS.selectedLine,
      type: 'line',
      source: PLAN_SOURCES.grids,
      filter: expr(['==', ['get', 'selected'], true]),
      layout: { 'line-join': 'round' },
      paint: { 'line-color': '#0c8fb0', 'line-width': 3.5 },
    },
    {
      id: PLAN_LAYERS.sketch,
      type: 'line',
      source: PLAN_SOURCES.sketch,
      layout: { 'line-join': 'round', 'line-cap': 'round' },
      paint: { 'line-color': '#101828', 'line-width': 1.6, 'line-dasharray': [3, 2], 'line-opacity': 0.75 },
    },
    {
      id: PLAN_LAYERS.error,
      type: 'circle',
      source: PLAN_SOURCES.error,
      paint: {
        'circle-radius': 9,
        'circle-color': PROBLEM_RED,
        'circle-opacity': 0.35,
        'circle-stroke-color': PROBLEM_RED,
        'circle-stroke-width': 3,
      },
    },
    {
      id: PLAN_LAYERS.labels,
      type: 'symbol',
      source: PLAN_SOURCES.labels,
      layout: {
        'text-field': ['get', 'label'],
        'text-font': FONT_REGULAR,
        'text-size': 12,
        'text-max-width': 9,
        'text-line-height': 1.3,
        'text-padding': 2,
      },
      paint: { 'text-color': '#1d2939', 'text-halo-color': '#ffffff', 'text-halo-width': 1.6 },
    },
  ];
  for (const layer of layers) if (!map.getLayer(layer.id)) map.addLayer(layer);
}

export function removePlanLayers(map: MlMap): void {
  for (const id of Object.values(PLAN_LAYERS)) if (map.getLayer(id)) map.removeLayer(id);
  for (const id of Object.values(PLAN_SOURCES)) if (map.getSource(id)) map.removeSource(id);
  if (map.hasImage(HATCH)) map.removeImage(HATCH);
}

const set = (map: MlMap, id: string, data: FeatureCollection) => map.getSource<GeoJSONSource>(id)?.setData(data);

/** Puts the draft's grids, labels and problems into the sources. */
export function setPlanData(
  map: MlMap,
  plan: PlanView,
  opts: { selected: number[]; status: (id: number) => NormStatus; label: (name: string, households: number) => string },
): void {
  const selected = new Set(opts.selected);
  const grids = plan.grids.features.map((f) => ({
    ...f,
    id: f.properties.id,
    properties: { ...f.properties, status: opts.status(f.properties.id), selected: selected.has(f.properties.id) },
  }));
  set(map, PLAN_SOURCES.grids, { type: 'FeatureCollection', features: grids });
  const labels: Feature<Point>[] = [];
  for (const f of plan.grids.features) {
    const at = labelPoint(f.geometry);
    if (at) labels.push({ type: 'Feature', geometry: { type: 'Point', coordinates: at }, properties: { label: opts.label(f.properties.name, f.properties.households ?? 0) } });
  }
  set(map, PLAN_SOURCES.labels, { type: 'FeatureCollection', features: labels });
  set(map, PLAN_SOURCES.problems, plan.validation.problems as FeatureCollection);
}

/**
 * Draws the planner's own sketch as lines: a self-intersecting "polygon" (a bow-tie) has no area, and
 * MapLibre drops such rings when drawn as a polygon, yet that is exactly the sketch to show.
 */
export function setSketch(map: MlMap, geometry: Polygon | LineString | null): void {
  const lines: Geometry | null =
    geometry?.type === 'Polygon' ? { type: 'MultiLineString', coordinates: geometry.coordinates } : geometry;
  set(map, PLAN_SOURCES.sketch, lines ? { type: 'FeatureCollection', features: [{ type: 'Feature', geometry: lines, properties: {} }] } : empty);
}

export function setErrorPoint(map: MlMap, point: Point | null): void {
  set(map, PLAN_SOURCES.error, point ? { type: 'FeatureCollection', features: [{ type: 'Feature', geometry: point, properties: {} }] } : empty);
}
