/**
 * What lies under the pointer: the site, grid or region a click at a screen point means, read from
 * what the map draws (only layers that are shown count). Points and icons are hit within 6 px.
 */
import type { Map as MlMap, MapGeoJSONFeature, MapMouseEvent, PointLike } from 'maplibre-gl';
import type { RegionLevel } from '../../../server/domain/enums';
import { REGION_CLICK_MAX_ZOOM } from './style';

/** A point on the map's canvas (CSS pixels), as mouse events give it. */
export type ScreenPoint = MapMouseEvent['point'];

/** A 12 px box around the point, so that small symbols are easy to hit. */
const around = (point: ScreenPoint): [PointLike, PointLike] => [
  [point.x - 6, point.y - 6],
  [point.x + 6, point.y + 6],
];

/** The layers among `ids` that exist and are shown. */
export function visibleLayers(map: MlMap, ids: string[]): string[] {
  return ids.filter((id) => map.getLayer(id) && map.getLayoutProperty(id, 'visibility') !== 'none');
}

/** The topmost feature of the shown `layers` near the point. */
export function featureNear(map: MlMap, point: ScreenPoint, layers: string[]): MapGeoJSONFeature | undefined {
  const shown = visibleLayers(map, layers);
  return shown.length ? map.queryRenderedFeatures(around(point), { layers: shown })[0] : undefined;
}

/** The site at the point: a symbol near it first, else a line or polygon under it. */
export function siteAt(map: MlMap, point: ScreenPoint): MapGeoJSONFeature | undefined {
  const hit = featureNear(map, point, ['sites-point', 'sites-dot-minor', 'sites-dot']);
  if (hit) return hit;
  const shapes = visibleLayers(map, ['sites-line', 'sites-polygon']);
  return shapes.length ? map.queryRenderedFeatures(point, { layers: shapes })[0] : undefined;
}

export function gridAt(map: MlMap, point: ScreenPoint): MapGeoJSONFeature | undefined {
  // A dedicated grid lies on top of the comprehensive grid it overlaps, and is the more specific answer.
  const layers = visibleLayers(map, ['grids-dedicated-fill', 'grids-fill']);
  if (!layers.length) return undefined;
  const hits = map.queryRenderedFeatures(point, { layers });
  return hits.find((f) => f.layer.id === 'grids-dedicated-fill') ?? hits[0];
}

/**
 * The region a click at this point should open, if we are zoomed out far enough to navigate regions:
 * a child of the `current` region (the one the navigator shows), else a neighbour of its level.
 */
export function regionAt(map: MlMap, point: ScreenPoint, current: { code: string; level: RegionLevel } | null | undefined): string | null {
  if (map.getZoom() >= REGION_CLICK_MAX_ZOOM) return null;
  const hits = map.queryRenderedFeatures(point, { layers: ['regions-fill'] });
  const props = hits.map((f) => f.properties as { code: string; level: RegionLevel; parentCode: string | null });
  if (current?.level === 'village') {
    const other = props.find((p) => p.level === 'village' && p.code !== current.code);
    return other?.code ?? null;
  }
  // a prefecture's children are its counties (drawn from tiles, where counties are clickable)
  if (current?.level === 'prefecture') return props.find((p) => p.level === 'county')?.code ?? null;
  const child = props.find((p) => p.parentCode === current?.code);
  if (child) return child.code;
  return props.find((p) => p.level === 'township' && p.code !== current?.code)?.code ?? null;
}
