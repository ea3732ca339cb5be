/**
 * The offline map style: a plain background, then the platform's own data. No source in it points
 * anywhere but this origin (glyphs, vector tiles) or in-memory GeoJSON, so "no base map" makes no
 * external request. Grids and sites, the large layers, come as vector tiles (/tiles, filtered by the
 * caller's scope on the server); region boundaries stay GeoJSON for a county's staff (a few hundred
 * features, also used to navigate) and come as tiles too for a prefecture (`regionTiles`: thousands of
 * villages would make the first screen heavy).
 * Layer ids are stable: tests and other features refer to them.
 */
import type { FeatureCollection } from 'geojson';
import type { MapOptions } from 'maplibre-gl';
import type { SiteCategory } from '../lib/shapes';

export type StyleSpecification = Exclude<MapOptions['style'], string | undefined>;
export type LayerSpecification = StyleSpecification['layers'][number];

/** Font stacks served from web/public/glyphs (Latin); CJK is drawn from local fonts. */
export const FONT_REGULAR = ['Noto Sans Regular'];
export const FONT_BOLD = ['Noto Sans Bold'];
export const LOCAL_CJK_FONTS = "'Noto Sans CJK SC', 'Noto Sans SC', 'Microsoft YaHei', 'PingFang SC', sans-serif";

/** Categories too numerous to name on the map below zoom 17.5. */
export const MINOR_SITE_CATEGORIES = ['rental_housing', 'camera', 'patrol_point', 'tobacco', 'lottery'];

/** Below this zoom a click on the map opens the region under it; above, the grid or site. */
export const REGION_CLICK_MAX_ZOOM = 13;
/** Site symbols are drawn from this zoom on (below, schools and kindergartens as dots). */
export const SITES_MIN_ZOOM = 12;
/** Schools and kindergartens as dots from here to SITES_MIN_ZOOM (the server's overview tiles). */
export const SITE_DOTS_MIN_ZOOM = 8;
export const OVERVIEW_SITE_CATEGORIES = ['school', 'kindergarten'];
/** Minor categories are small dots below this zoom, icons (that give way to each other) from it. */
export const MINOR_ICONS_MIN_ZOOM = 15;

/** Light tints for comprehensive grids; neighbours get different ones (see assignTints). */
export const GRID_TINTS = ['#cfe2f5', '#d3ecd9', '#f5e6c3', '#f1d8e4', '#dad9f3', '#cbebe6'];

export const COLORS = {
  background: '#e6e9ed',
  county: '#f7f6f2',
  countyLine: '#3a4a5f',
  townshipLine: '#4a5a70',
  villageLine: '#8d99a8',
  gridLine: '#9fb0c3',
  dedicated: '#7a4cc2',
  water: '#9cc7ea',
  waterLine: '#4a90c9',
  current: '#1f4e8c',
  hover: '#2f6fbd',
  selected: '#0c8fb0',
  text: '#1f2937',
  textMuted: '#475467',
  halo: '#ffffff',
};

export const SOURCES = {
  regions: 'regions',
  regionLabels: 'region-labels',
  grids: 'grids',
  sites: 'sites',
} as const;

/** Vector tile sources: the tile layer each reads and the zooms it has data for (server/tiles). */
export const TILE_SOURCES = {
  // the server puts grids into tiles from z10 (the county overview), sites from z8 (important
  // categories; every category from z14). Past maxzoom MapLibre overzooms: nothing changes there.
  grids: { layer: 'grids', minzoom: 10, maxzoom: 16 },
  sites: { layer: 'sites', minzoom: SITE_DOTS_MIN_ZOOM, maxzoom: 16 },
  // county and township outlines at every zoom, villages from z10 (prefecture scope only)
  regions: { layer: 'regions', minzoom: 5, maxzoom: 14 },
} as const;

export function tileUrl(origin: string, layer: string, version = 0): string {
  return `${origin}/tiles/${layer}/{z}/{x}/{y}.mvt${version ? `?v=${version}` : ''}`;
}

/** Layer ids by what the layer panel toggles. */
export const LAYER_GROUPS = {
  boundaries: [
    'regions-county-line',
    'regions-county-casing',
    'regions-township-casing',
    'regions-township-line',
    'regions-village-line',
  ],
  comprehensive: ['grids-fill', 'grids-line'],
  dedicated: ['grids-dedicated-fill', 'grids-dedicated-line'],
  labels: ['regions-county-label', 'regions-township-label', 'regions-village-label', 'grids-label', 'sites-label'],
} as const;

const isMinor = ['in', ['get', 'category'], ['literal', MINOR_SITE_CATEGORIES]];
/**
 * Layers whose filter carries the visible site categories, with the geometry types each draws and
 * what else the layer requires of a feature.
 */
export const SITE_LAYERS: Array<[string, keyof typeof GEOMETRY_TYPES, unknown?]> = [
  ['sites-polygon', 'polygon'],
  ['sites-polygon-outline', 'polygon'],
  ['sites-line', 'line'],
  ['sites-dot', 'point', ['in', ['get', 'category'], ['literal', OVERVIEW_SITE_CATEGORIES]]],
  ['sites-dot-minor', 'point', isMinor],
  ['sites-point', 'marker'],
  ['sites-label', 'marker'],
];

/** Dynamic expressions are built from data; MapLibre validates them at run time. */
const expr = (x: unknown) => x as never;

/** Grid tints: stronger on the plain background, lighter over a raster base map. */
export const GRID_FILL_OPACITY = expr(['interpolate', ['linear'], ['zoom'], 9, 0.45, 13, 0.6, 16, 0.5]);
export const GRID_FILL_OPACITY_OVER_BASEMAP = 0.3;

const empty: FeatureCollection = { type: 'FeatureCollection', features: [] };

function categoryColor(categories: SiteCategory[], fallback = '#667085') {
  if (categories.length === 0) return fallback;
  return expr(['match', ['get', 'category'], ...categories.flatMap((c) => [c.code, c.color || fallback]), fallback]);
}

/** Geometry types as `['geometry-type']` reports them, single and multi. */
export const GEOMETRY_TYPES = {
  polygon: ['Polygon', 'MultiPolygon'],
  line: ['LineString', 'MultiLineString'],
  point: ['Point', 'MultiPoint'],
  /** Where a site symbol goes: points, and polygons (at their label point, as MapLibre places it). */
  marker: ['Point', 'MultiPoint', 'Polygon', 'MultiPolygon'],
};

/**
 * Filter for site features: geometry types plus the categories switched on. Symbols (types that
 * include points) only where the server put the site's label point: a polygon cut by tile edges is
 * in several tiles but gets one symbol.
 */
export function siteFilter(types: string[], categories: string[] | null, extra?: unknown) {
  const geom = types.includes('Point')
    ? ['all', ['in', ['geometry-type'], ['literal', types]], ['==', ['get', 'label'], true]]
    : ['in', ['geometry-type'], ['literal', types]];
  const parts = [geom, ...(categories ? [['in', ['get', 'category'], ['literal', categories]]] : []), ...(extra ? [extra] : [])];
  return expr(parts.length === 1 ? geom : ['all', ...parts]);
}

/** Options of the style: `regionTiles` draws every region boundary from vector tiles (a prefecture). */
export interface StyleOptions {
  regionTiles?: boolean;
}

const byLevel = (level: string) => expr(['==', ['get', 'level'], level]);
const byGridLayer = (layer: string) => expr(['==', ['get', 'layer'], layer]);
/**
 * A grid's tint from its code: the 3-digit sequence runs west→east inside a village, so neighbours in
 * a row differ; the village's own number shifts the pattern so that villages do not line up.
 */
const GRID_TINT = expr(['%', ['+',
  ['to-number', ['slice', ['get', 'code'], 12, 15], 0],
  ['*', 2, ['to-number', ['slice', ['get', 'code'], 9, 12], 0]],
], GRID_TINTS.length]);
const gridTiles = { source: SOURCES.grids, 'source-layer': TILE_SOURCES.grids.layer } as const;
const siteTiles = { source: SOURCES.sites, 'source-layer': TILE_SOURCES.sites.layer } as const;
/** Matches nothing until a selection sets the id. */
export const NOTHING = expr(['==', ['get', 'id'], '__none__']);

/** The complete default style. `origin` is this page's origin, where the glyphs are served. */
export function buildStyle(origin: string, categories: SiteCategory[], options: StyleOptions = {}): StyleSpecification {
  const siteColor = categoryColor(categories);
  const tiled = !!options.regionTiles;
  // region layers read the GeoJSON sources, or (tiled) the regions tile layer, labelled in the one
  // tile that holds a region's label point
  const regionSource = tiled ? { source: SOURCES.regions, 'source-layer': TILE_SOURCES.regions.layer } : { source: SOURCES.regions };
  const labelSource = (level: string) => tiled
    ? { ...regionSource, filter: expr(['all', byLevel(level), ['==', ['get', 'label'], true]]) }
    : { source: SOURCES.regionLabels, filter: byLevel(level) };
  const layers: LayerSpecification[] = [
    { id: 'background', type: 'background', paint: { 'background-color': COLORS.background } },
    {
      id: 'regions-county-fill',
      type: 'fill',
      ...regionSource,
      filter: byLevel('county'),
      paint: { 'fill-color': COLORS.county, 'fill-opacity': 1 },
    },
    {
      id: 'grids-fill',
      type: 'fill',
      ...gridTiles,
      filter: byGridLayer('comprehensive'),
      paint: {
        'fill-color': expr(['match', GRID_TINT, ...GRID_TINTS.flatMap((c, i) => [i, c]), GRID_TINTS[0]]),
        'fill-opacity': GRID_FILL_OPACITY,
      },
    },
    {
      id: 'grids-dedicated-fill',
      type: 'fill',
      ...gridTiles,
      filter: byGridLayer('dedicated'),
      paint: { 'fill-color': COLORS.dedicated, 'fill-opacity': 0.07 },
    },
    {
      id: 'sites-polygon',
      type: 'fill',
      ...siteTiles,
      minzoom: SITES_MIN_ZOOM,
      filter: siteFilter(GEOMETRY_TYPES.polygon, null),
      paint: {
        'fill-color': expr(['case', ['==', ['get', 'category'], 'water'], COLORS.water, siteColor]),
        'fill-opacity': expr(['case', ['==', ['get', 'category'], 'water'], 0.85, 0.2]),
      },
    },
    {
      id: 'sites-polygon-outline',
      type: 'line',
      ...siteTiles,
      minzoom: SITES_MIN_ZOOM,
      filter: siteFilter(GEOMETRY_TYPES.polygon, null),
      paint: {
        'line-color': expr(['case', ['==', ['get', 'category'], 'water'], COLORS.waterLine, siteColor]),
        'line-width': expr(['interpolate', ['linear'], ['zoom'], 12, 0.6, 16, 1.4]),
        'line-opacity': 0.8,
      },
    },
    {
      id: 'sites-line',
      type: 'line',
      ...siteTiles,
      minzoom: SITES_MIN_ZOOM,
      filter: siteFilter(GEOMETRY_TYPES.line, null),
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: {
        'line-color': expr(['case', ['==', ['get', 'category'], 'water'], COLORS.waterLine, siteColor]),
        'line-width': expr(['interpolate', ['exponential', 1.5], ['zoom'], 12, 1.5, 17, 6]),
        'line-opacity': 0.85,
      },
    },
    {
      id: 'grids-line',
      type: 'line',
      ...gridTiles,
      filter: byGridLayer('comprehensive'),
      layout: { 'line-join': 'round' },
      paint: {
        'line-color': COLORS.gridLine,
        'line-width': expr(['interpolate', ['linear'], ['zoom'], 10, 0.3, 13, 0.8, 16, 1.4]),
        'line-opacity': expr(['interpolate', ['linear'], ['zoom'], 10, 0.5, 13, 0.9]),
      },
    },
    {
      id: 'grids-dedicated-line',
      type: 'line',
      ...gridTiles,
      filter: byGridLayer('dedicated'),
      layout: { 'line-join': 'round' },
      paint: {
        'line-color': COLORS.dedicated,
        'line-width': expr(['interpolate', ['linear'], ['zoom'], 10, 0.8, 14, 1.6, 17, 2.2]),
        'line-dasharray': [3, 2],
      },
    },
    {
      id: 'regions-village-line',
      type: 'line',
      ...regionSource,
      filter: byLevel('village'),
      layout: { 'line-join': 'round' },
      paint: {
        'line-color': COLORS.villageLine,
        'line-width': expr(['interpolate', ['linear'], ['zoom'], 9, 0.5, 12, 1, 15, 1.8]),
        'line-dasharray': [4, 2],
        'line-opacity': expr(['interpolate', ['linear'], ['zoom'], 9, 0.45, 11, 0.9]),
      },
    },
    {
      id: 'regions-township-casing',
      type: 'line',
      ...regionSource,
      filter: byLevel('township'),
      layout: { 'line-join': 'round' },
      paint: {
        'line-color': '#ffffff',
        'line-width': expr(['interpolate', ['linear'], ['zoom'], 9, 3, 14, 6]),
        'line-opacity': 0.7,
      },
    },
    {
      id: 'regions-township-line',
      type: 'line',
      ...regionSource,
      filter: byLevel('township'),
      layout: { 'line-join': 'round' },
      paint: {
        'line-color': COLORS.townshipLine,
        'line-width': expr(['interpolate', ['linear'], ['zoom'], 9, 1.3, 12, 2, 15, 2.8]),
      },
    },
    {
      id: 'regions-county-casing',
      type: 'line',
      ...regionSource,
      filter: byLevel('county'),
      layout: { 'line-join': 'round' },
      paint: { 'line-color': COLORS.current, 'line-width': 8, 'line-opacity': 0.12 },
    },
    {
      id: 'regions-county-line',
      type: 'line',
      ...regionSource,
      filter: byLevel('county'),
      layout: { 'line-join': 'round' },
      paint: { 'line-color': COLORS.countyLine, 'line-width': 2.4 },
    },
    {
      // Invisible: what a click at low zoom hits to open a township or village.
      id: 'regions-fill',
      type: 'fill',
      ...regionSource,
      filter: expr(['in', ['get', 'level'], ['literal', tiled ? ['county', 'township', 'village'] : ['township', 'village']]]),
      paint: { 'fill-color': '#000000', 'fill-opacity': 0 },
    },
    {
      id: 'regions-hover-line',
      type: 'line',
      ...regionSource,
      filter: expr(['==', ['get', 'code'], '__none__']),
      layout: { 'line-join': 'round' },
      paint: { 'line-color': COLORS.hover, 'line-width': 2.5, 'line-opacity': 0.7 },
    },
    {
      id: 'regions-current-casing',
      type: 'line',
      ...regionSource,
      filter: expr(['==', ['get', 'code'], '__none__']),
      layout: { 'line-join': 'round' },
      paint: { 'line-color': COLORS.current, 'line-width': 9, 'line-opacity': 0.14 },
    },
    {
      id: 'regions-current-line',
      type: 'line',
      ...regionSource,
      filter: expr(['==', ['get', 'code'], '__none__']),
      layout: { 'line-join': 'round' },
      paint: { 'line-color': COLORS.current, 'line-width': 3.2 },
    },
    {
      id: 'grids-selected-fill',
      type: 'fill',
      ...gridTiles,
      filter: NOTHING,
      paint: { 'fill-color': COLORS.selected, 'fill-opacity': 0.14 },
    },
    {
      id: 'grids-selected-casing',
      type: 'line',
      ...gridTiles,
      filter: NOTHING,
      layout: { 'line-join': 'round' },
      paint: { 'line-color': '#ffffff', 'line-width': 7, 'line-opacity': 0.9 },
    },
    {
      id: 'grids-selected-line',
      type: 'line',
      ...gridTiles,
      filter: NOTHING,
      layout: { 'line-join': 'round' },
      paint: { 'line-color': COLORS.selected, 'line-width': 3.5 },
    },
    {
      id: 'sites-selected-polygon',
      type: 'line',
      ...siteTiles,
      filter: NOTHING,
      layout: { 'line-join': 'round', 'line-cap': 'round' },
      paint: { 'line-color': COLORS.selected, 'line-width': 3 },
    },
    {
      id: 'sites-selected-point',
      type: 'circle',
      ...siteTiles,
      filter: NOTHING,
      paint: {
        'circle-radius': 17,
        'circle-color': COLORS.selected,
        'circle-opacity': 0.18,
        'circle-stroke-color': COLORS.selected,
        'circle-stroke-width': 2.5,
      },
    },
    {
      // the overview: schools and kindergartens as dots, before their symbols take over
      id: 'sites-dot',
      type: 'circle',
      ...siteTiles,
      minzoom: SITE_DOTS_MIN_ZOOM,
      maxzoom: SITES_MIN_ZOOM,
      filter: siteFilter(GEOMETRY_TYPES.point, null, SITE_LAYERS[3][2]),
      paint: {
        'circle-radius': expr(['interpolate', ['linear'], ['zoom'], 8, 1.8, 11, 3]),
        'circle-color': siteColor,
        'circle-stroke-color': '#ffffff',
        'circle-stroke-width': expr(['interpolate', ['linear'], ['zoom'], 8, 0.5, 11, 1]),
      },
    },
    {
      // minor categories (rental rooms, cameras…) as small dots; their icons come at MINOR_ICONS_MIN_ZOOM
      id: 'sites-dot-minor',
      type: 'circle',
      ...siteTiles,
      minzoom: 14,
      filter: siteFilter(GEOMETRY_TYPES.point, null, isMinor),
      paint: {
        'circle-radius': expr(['interpolate', ['linear'], ['zoom'], 14, 2, 17, 3.5]),
        'circle-color': siteColor,
        'circle-opacity': 0.85,
        'circle-stroke-color': '#ffffff',
        'circle-stroke-width': 0.8,
      },
    },
    {
      id: 'sites-label',
      type: 'symbol',
      ...siteTiles,
      minzoom: 16,
      filter: siteFilter(GEOMETRY_TYPES.marker, null),
      layout: {
        // The many small sites (rental rooms, cameras…) are named only when zoomed right in.
        'text-field': expr([
          'step',
          ['zoom'],
          ['case', ['in', ['get', 'category'], ['literal', MINOR_SITE_CATEGORIES]], '', ['get', 'name']],
          17.5,
          ['get', 'name'],
        ]),
        'text-font': FONT_REGULAR,
        'text-size': 11.5,
        'text-anchor': 'top',
        'text-offset': [0, 1.25],
        'text-max-width': 9,
        'text-padding': 3,
      },
      paint: {
        'text-color': expr(['case', ['==', ['get', 'category'], 'water'], '#1f5f95', COLORS.text]),
        'text-halo-color': COLORS.halo,
        'text-halo-width': 1.4,
      },
    },
    {
      id: 'grids-label',
      type: 'symbol',
      ...gridTiles,
      minzoom: 13,
      // a grid cut by tile edges is in several tiles; the server marks the one to label it in
      filter: expr(['==', ['get', 'label'], true]),
      layout: {
        'text-field': expr([
          'step',
          ['zoom'],
          ['get', 'name'],
          15,
          ['format', ['get', 'name'], {}, '\n', {}, ['get', 'code'], { 'font-scale': 0.82 }],
        ]),
        'text-font': FONT_REGULAR,
        'text-size': expr(['interpolate', ['linear'], ['zoom'], 13, 10.5, 17, 13]),
        'text-max-width': 8,
        'text-padding': 4,
        'text-line-height': 1.25,
      },
      paint: {
        'text-color': expr(['case', ['==', ['get', 'layer'], 'dedicated'], '#5b3696', COLORS.textMuted]),
        'text-halo-color': COLORS.halo,
        'text-halo-width': 1.4,
      },
    },
    {
      id: 'regions-village-label',
      type: 'symbol',
      ...labelSource('village'),
      minzoom: 11,
      maxzoom: 16,
      layout: {
        'text-field': ['get', 'name'],
        'text-font': FONT_REGULAR,
        'text-size': expr(['interpolate', ['linear'], ['zoom'], 11, 11.5, 14, 14]),
        'text-max-width': 7,
        'text-padding': 6,
        'text-letter-spacing': 0.04,
      },
      paint: {
        'text-color': '#344054',
        'text-halo-color': COLORS.halo,
        'text-halo-width': 1.6,
      },
    },
    {
      id: 'regions-township-label',
      type: 'symbol',
      ...labelSource('township'),
      minzoom: 8,
      maxzoom: 13,
      layout: {
        'text-field': ['get', 'name'],
        'text-font': FONT_BOLD,
        'text-size': expr(['interpolate', ['linear'], ['zoom'], 8, 12, 10, 14, 12, 16]),
        'text-max-width': 8,
        'text-padding': 8,
        'text-letter-spacing': 0.1,
      },
      paint: {
        'text-color': '#1d2939',
        'text-halo-color': COLORS.halo,
        'text-halo-width': 1.8,
      },
    },
    // a prefecture's counties are named up to the zoom where their townships take over
    ...(tiled ? [{
      id: 'regions-county-label',
      type: 'symbol',
      ...labelSource('county'),
      minzoom: 5,
      maxzoom: 10.5,
      layout: {
        'text-field': ['get', 'name'],
        'text-font': FONT_BOLD,
        'text-size': expr(['interpolate', ['linear'], ['zoom'], 6, 13, 9, 17]),
        'text-max-width': 8,
        'text-padding': 10,
        'text-letter-spacing': 0.12,
      },
      paint: {
        'text-color': COLORS.countyLine,
        'text-halo-color': COLORS.halo,
        'text-halo-width': 2,
      },
    } satisfies LayerSpecification] : []),
    {
      // Above the labels: MapLibre places the topmost layer first, so labels give way to site icons
      // (a café's own name once hid its icon).
      id: 'sites-point',
      type: 'symbol',
      ...siteTiles,
      minzoom: SITES_MIN_ZOOM,
      filter: siteFilter(GEOMETRY_TYPES.marker, null),
      layout: {
        // minor categories (thousands in a town) are dots until MINOR_ICONS_MIN_ZOOM
        'icon-image': expr(['step', ['zoom'],
          ['case', isMinor, '', ['concat', 'site-', ['get', 'category']]],
          MINOR_ICONS_MIN_ZOOM, ['concat', 'site-', ['get', 'category']]]),
        'icon-size': expr(['interpolate', ['linear'], ['zoom'], 12, 0.6, 15, 0.85, 17, 1]),
        // icons give way to each other (and labels to them), the important categories first; a
        // hidden minor site is still a dot underneath
        'icon-allow-overlap': false,
        'icon-padding': 1,
        'symbol-sort-key': expr(['case', ['in', ['get', 'category'], ['literal', ['school', 'kindergarten', 'water', 'hospital']]], 0, isMinor, 2, 1]),
      },
    },
  ];
  return {
    version: 8,
    name: 'pingan-offline',
    glyphs: `${origin}/glyphs/{fontstack}/{range}.pbf`,
    sources: {
      [SOURCES.regions]: tiled
        ? { type: 'vector', tiles: [tileUrl(origin, TILE_SOURCES.regions.layer)], minzoom: TILE_SOURCES.regions.minzoom, maxzoom: TILE_SOURCES.regions.maxzoom }
        : { type: 'geojson', data: empty, promoteId: 'code' },
      [SOURCES.regionLabels]: { type: 'geojson', data: empty },
      [SOURCES.grids]: { type: 'vector', tiles: [tileUrl(origin, TILE_SOURCES.grids.layer)], minzoom: TILE_SOURCES.grids.minzoom, maxzoom: TILE_SOURCES.grids.maxzoom },
      [SOURCES.sites]: { type: 'vector', tiles: [tileUrl(origin, TILE_SOURCES.sites.layer)], minzoom: TILE_SOURCES.sites.minzoom, maxzoom: TILE_SOURCES.sites.maxzoom },
    },
    layers,
  };
}
