/**
 * What the map draws, set on the style's layers: the layer toggles (with the grids as of a past
 * date in place of the current ones), the raster base map, the current region's outline, the
 * selection highlight, and the published grids a planning draft hides.
 */
import type { Map as MlMap } from 'maplibre-gl';
import type { LayerToggles } from '../layers/layer-state.svelte';
import type { SelectedRef } from '../panels/selection.svelte';
import type { SiteCategory } from '../lib/shapes';
import { rasterLayers, type BasemapChoice } from '../settings/basemap';
import { groupOf } from '../sites/site-groups';
import { AS_OF_LAYERS } from './as-of-layer.svelte';
import {
  GEOMETRY_TYPES,
  GRID_FILL_OPACITY,
  GRID_FILL_OPACITY_OVER_BASEMAP,
  LAYER_GROUPS,
  NOTHING,
  SITE_LAYERS,
  siteFilter,
} from './style';

const FIRST_DATA_LAYER = 'regions-county-fill';

const idFilter = (id: string) => ['==', ['to-string', ['get', 'id']], id] as never;
const pointIdFilter = (id: string) => ['all', ['in', ['geometry-type'], ['literal', ['Point', 'MultiPoint']]], idFilter(id)] as never;

export function setCurrentRegion(map: MlMap, code: string | null): void {
  const filter = ['==', ['get', 'code'], code ?? '__none__'] as never;
  map.setFilter('regions-current-casing', filter);
  map.setFilter('regions-current-line', filter);
}

/** Highlights the selected grid or site, or a person's grids (`gridIds`). */
export function setSelection(map: MlMap, ref: SelectedRef | null, gridIds: Array<number | string>): void {
  const grid = ref?.kind === 'grid' ? idFilter(ref.id)
    : gridIds.length ? (['in', ['to-string', ['get', 'id']], ['literal', gridIds.map(String)]] as never) : NOTHING;
  const site = ref?.kind === 'site' ? idFilter(ref.id) : NOTHING;
  map.setFilter('grids-selected-fill', grid);
  map.setFilter('grids-selected-casing', grid);
  map.setFilter('grids-selected-line', grid);
  map.setFilter('sites-selected-polygon', site);
  map.setFilter('sites-selected-point', ref?.kind === 'site' ? pointIdFilter(ref.id) : NOTHING);
}

/** Applies the layer toggles; `past`: the grids as of a past date are shown (instead of the current comprehensive grids). */
export function applyLayers(map: MlMap, v: LayerToggles, categories: SiteCategory[], past: boolean): void {
  const show = (ids: readonly string[], on: boolean) => {
    for (const id of ids) if (map.getLayer(id)) map.setLayoutProperty(id, 'visibility', on ? 'visible' : 'none');
  };
  show(LAYER_GROUPS.boundaries, v.boundaries);
  // a past date puts its grids (the overlay) in place of the current comprehensive grids
  show(LAYER_GROUPS.comprehensive, v.comprehensive && !past);
  show(LAYER_GROUPS.dedicated, v.dedicated);
  show(LAYER_GROUPS.labels, v.labels);
  if (past) show(['grids-label'], false);
  show([AS_OF_LAYERS.fill, AS_OF_LAYERS.line], past && v.comprehensive);
  show([AS_OF_LAYERS.label], past && v.comprehensive && v.labels);
  // Unknown categories (none loaded) stay visible; otherwise only those of switched-on groups.
  const visible = categories.length ? categories.filter((c) => v.siteGroups[groupOf(c.code)] !== false).map((c) => c.code) : null;
  for (const [id, kind, extra] of SITE_LAYERS) map.setFilter(id, siteFilter(GEOMETRY_TYPES[kind], visible, extra));
}

/**
 * Adds the chosen raster base map under our data in place of the one added before (`previous`, the
 * ids this function returned last time), or removes it ("none" makes no request). Returns the ids added.
 */
export function applyBasemap(map: MlMap, choice: BasemapChoice, previous: readonly string[]): string[] {
  for (const id of previous) {
    if (map.getLayer(id)) map.removeLayer(id);
    if (map.getSource(id)) map.removeSource(id);
  }
  const defs = rasterLayers(choice);
  for (const def of defs) {
    map.addSource(def.id, {
      type: 'raster',
      tiles: def.tiles,
      tileSize: 256,
      maxzoom: def.maxzoom,
      attribution: def.attribution,
    });
    map.addLayer({ id: def.id, type: 'raster', source: def.id }, FIRST_DATA_LAYER);
  }
  // Over a base map the county's paper fill and the grid tints become see-through.
  map.setPaintProperty('regions-county-fill', 'fill-opacity', defs.length ? 0.25 : 1);
  map.setPaintProperty('grids-fill', 'fill-opacity', defs.length ? GRID_FILL_OPACITY_OVER_BASEMAP : GRID_FILL_OPACITY);
  return defs.map((d) => d.id);
}

/**
 * Hides the published comprehensive grids whose codes start with `prefix` (a draft replaces them on
 * the map while it is open); null shows them all again.
 */
export function hidePublishedGrids(map: MlMap, prefix: string | null): void {
  const outside = prefix ? ['!=', ['slice', ['get', 'code'], 0, prefix.length], prefix] : null;
  const base: Record<string, unknown> = {
    'grids-fill': ['==', ['get', 'layer'], 'comprehensive'],
    'grids-line': ['==', ['get', 'layer'], 'comprehensive'],
    'grids-label': ['==', ['get', 'label'], true],
  };
  for (const [id, filter] of Object.entries(base)) {
    if (map.getLayer(id)) map.setFilter(id, (outside ? ['all', filter, outside] : filter) as never);
  }
}
