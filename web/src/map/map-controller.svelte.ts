/**
 * Owns the MapLibre map once it exists: loads the region boundaries into the style's GeoJSON sources
 * (grids and sites come as vector tiles, see style.ts), applies layer toggles, selection and base map,
 * and turns clicks into "open this region / grid / site".
 * Components talk to the map only through this object.
 */
import type { Feature, FeatureCollection, Geometry } from 'geojson';
import type { GeoJSONSource, Map as MlMap, MapGeoJSONFeature, MapMouseEvent, PointLike, VectorTileSource } from 'maplibre-gl';
import { api, call, signalled } from '../lib/api';
import { problemText } from '../lib/problem-text';
import type { RegionLevel } from '../../../server/domain/enums';
import type { RegionFeature, SiteCategory } from '../lib/shapes';
import type { LayerToggles } from '../layers/layer-state.svelte';
import type { SelectedRef } from '../panels/selection.svelte';
import { rasterLayers, type BasemapChoice } from '../settings/basemap';
import { groupOf } from '../sites/site-groups';
import { type BBox, bboxContains, bboxParam, geometryBBox, labelPoints } from './geo';
import { drawSiteIcon } from './icons';
import {
  FONT_REGULAR,
  GEOMETRY_TYPES,
  GRID_FILL_OPACITY,
  GRID_FILL_OPACITY_OVER_BASEMAP,
  LAYER_GROUPS,
  NOTHING,
  REGION_CLICK_MAX_ZOOM,
  SITE_LAYERS,
  SOURCES,
  TILE_SOURCES,
  siteFilter,
  tileUrl,
} from './style';

/**
 * A feature that takes over clicks and hovering for a while (the planning tools). Each function
 * answers whether it handled the event; unhandled events go on to the usual region/grid/site logic.
 */
export interface MapInteraction {
  click(e: MapMouseEvent): boolean;
  move?(e: MapMouseEvent): boolean;
}

export interface MapHandlers {
  /** The region the navigator shows. */
  currentRegion(): { code: string; level: RegionLevel } | null;
  openRegion(code: string): void;
  openGrid(id: string): void;
  openSite(id: string): void;
}

const FIRST_DATA_LAYER = 'regions-county-fill';

/** The comprehensive grids as they were at a past date: a GeoJSON overlay over the map (ids are stable: tests query them). */
export const AS_OF_SOURCE = 'grids-as-of';
export const AS_OF_LAYERS = { fill: 'grids-as-of-fill', line: 'grids-as-of-line', label: 'grids-as-of-label' } as const;
const AS_OF_COLOR = '#b54708';

/** Today's date (YYYY-MM-DD) in China time, the server's calendar for `at`. */
export function todayInChina(): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
}

const idFilter = (id: string) => ['==', ['to-string', ['get', 'id']], id] as never;
const pointIdFilter = (id: string) => ['all', ['in', ['geometry-type'], ['literal', ['Point', 'MultiPoint']]], idFilter(id)] as never;
const prefersReducedMotion = () =>
  typeof matchMedia !== 'undefined' && matchMedia('(prefers-reduced-motion: reduce)').matches;

class MapController {
  map: MlMap | null = null;
  zoom = $state(0);
  loading = $state(false);
  error = $state<string | null>(null);
  /** A past date whose comprehensive grids the map shows instead of the current ones; null = now. */
  asOf = $state<string | null>(null);
  asOfLoading = $state(false);
  asOfError = $state<string | null>(null);

  #handlers: MapHandlers | null = null;
  #regions = new Map<string, RegionFeature>();
  #tilesVersion = 0;
  #hoverCode: string | null = null;
  #basemapIds: string[] = [];
  #moveFrame = 0;
  #interaction: MapInteraction | null = null;
  #toggles: { v: LayerToggles; categories: SiteCategory[] } | null = null;
  #asOfAbort: AbortController | null = null;
  /** Point layers of other features (incidents) whose features a click opens before sites, regions and grids. */
  #clickLayers = new Map<string, (feature: MapGeoJSONFeature) => void>();

  attach(map: MlMap, handlers: MapHandlers, categories: SiteCategory[]): void {
    this.map = map;
    this.#handlers = handlers;
    this.zoom = map.getZoom();
    for (const c of categories) map.addImage(`site-${c.code}`, drawSiteIcon(c), { pixelRatio: 2 });
    map.on('styleimagemissing', (e) => {
      if (!e.id.startsWith('site-') || map.hasImage(e.id)) return;
      map.addImage(e.id, drawSiteIcon({ code: e.id.slice(5), color: '#667085' }), { pixelRatio: 2 });
    });
    map.on('click', (e) => this.#onClick(e));
    map.on('mousemove', (e) => this.#onMove(e));
    map.on('mouseout', () => this.#setHover(null, false));
    map.on('moveend', () => {
      this.zoom = map.getZoom();
      if (this.asOf) void this.#loadAsOf();
    });
  }

  detach(): void {
    cancelAnimationFrame(this.#moveFrame);
    this.#asOfAbort?.abort();
    this.#asOfAbort = null;
    this.#toggles = null;
    this.#interaction = null;
    this.map = null;
    this.#handlers = null;
    this.#regions.clear();
    this.#basemapIds = [];
  }

  /**
   * Loads the boundaries of the signed-in user's scope into the map (grids and sites are tiles, which
   * the server filters by the same scope). When they are drawn, the first 'idle' sets
   * `document.body.dataset.mapIdle = "1"` (browser tests wait for it).
   */
  async loadData(scope: { code: string; level: RegionLevel }): Promise<void> {
    const map = this.map;
    if (!map) return;
    this.loading = true;
    this.error = null;
    try {
      if (scope.level === 'prefecture') {
        // every boundary comes as tiles (style option regionTiles): nothing to load up front
        this.#regions = new Map();
        map.once('idle', () => {
          document.body.dataset.mapIdle = '1';
        });
        return;
      }
      const below: Array<Exclude<RegionLevel, 'prefecture' | 'county'>> =
        scope.level === 'county' ? ['township', 'village'] : scope.level === 'township' ? ['village'] : [];
      const [root, ...levels] = await Promise.all([
        call(api.regions.$get({ query: {} })),
        ...below.map((level) => call(api.regions.$get({ query: { level, within: scope.code } }))),
      ]);
      if (this.map !== map) return;
      const regions = [root, ...levels].flatMap((fc) => fc.features);
      this.#regions = new Map(regions.map((f) => [f.properties.code, f]));
      this.#setRegions(regions);
      map.once('idle', () => {
        document.body.dataset.mapIdle = '1';
      });
    } catch (e) {
      this.error = problemText(e);
    } finally {
      this.loading = false;
    }
  }

  /** The region's bounding box from the loaded boundaries, if it has one. */
  regionBBox(code: string): BBox | null {
    const f = this.#regions.get(code);
    return f ? geometryBBox(f.geometry) : null;
  }

  #setRegions(features: RegionFeature[]): void {
    if (this.map?.getSource(SOURCES.regions)?.type !== 'geojson') return;
    const fc = { type: 'FeatureCollection', features } as FeatureCollection<Geometry | null, RegionFeature['properties']>;
    this.#source(SOURCES.regions)?.setData({
      type: 'FeatureCollection',
      features: features.filter((f) => f.geometry) as Feature[],
    });
    this.#source(SOURCES.regionLabels)?.setData(
      labelPoints(fc, (p) => ({ code: p.code, name: p.name, level: p.level })),
    );
  }

  /**
   * Makes the map fetch its grid and site tiles again, after something changed them (an edit, a
   * published plan). The tiles' URLs change, so neither MapLibre nor the browser reuses old ones.
   */
  reloadTiles(): void {
    const map = this.map;
    if (!map) return;
    const version = ++this.#tilesVersion;
    const apply = () => {
      if (this.map !== map || version !== this.#tilesVersion) return;
      for (const [id, def] of [[SOURCES.grids, TILE_SOURCES.grids], [SOURCES.sites, TILE_SOURCES.sites]] as const) {
        map.getSource<VectorTileSource>(id)?.setTiles([tileUrl(location.origin, def.layer, version)]);
      }
    };
    // A layer change (a filter, say) pauses its source until the next frame, and a paused source that
    // resumes only lays out the tiles it already has: set the new URLs once that frame has been drawn.
    map.once('render', apply);
    map.triggerRepaint();
  }

  #source(id: string): GeoJSONSource | undefined {
    return this.map?.getSource<GeoJSONSource>(id);
  }

  // ---- camera ----

  /** Moves the camera to show a bounding box (degrees). */
  fitBBox(bbox: BBox, maxZoom = 16.5): void {
    const map = this.map;
    if (!map) return;
    const small = map.getContainer().clientWidth < 500;
    map.fitBounds(
      [
        [bbox[0], bbox[1]],
        [bbox[2], bbox[3]],
      ],
      { padding: small ? 20 : 40, maxZoom, duration: prefersReducedMotion() ? 0 : 700 },
    );
  }

  /** Pans (or zooms out) just enough that the box is in view; used after a panel opens. */
  ensureVisible(bbox: BBox): void {
    const map = this.map;
    if (!map) return;
    const b = map.getBounds();
    const view: BBox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()];
    if (bboxContains(view, bbox)) return;
    const fits = bbox[2] - bbox[0] < (view[2] - view[0]) * 0.9 && bbox[3] - bbox[1] < (view[3] - view[1]) * 0.9;
    if (fits) {
      map.easeTo({
        center: [(bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2],
        duration: prefersReducedMotion() ? 0 : 500,
      });
    } else {
      this.fitBBox(bbox, map.getZoom());
    }
  }

  // ---- what is drawn ----

  setCurrentRegion(code: string | null): void {
    const filter = ['==', ['get', 'code'], code ?? '__none__'] as never;
    this.map?.setFilter('regions-current-casing', filter);
    this.map?.setFilter('regions-current-line', filter);
  }

  /** Highlights the selected grid or site, or a person's grids (`gridIds`). */
  setSelection(ref: SelectedRef | null, gridIds: Array<number | string> = []): void {
    const map = this.map;
    if (!map) return;
    const grid = ref?.kind === 'grid' ? idFilter(ref.id)
      : gridIds.length ? (['in', ['to-string', ['get', 'id']], ['literal', gridIds.map(String)]] as never) : NOTHING;
    const site = ref?.kind === 'site' ? idFilter(ref.id) : NOTHING;
    map.setFilter('grids-selected-fill', grid);
    map.setFilter('grids-selected-casing', grid);
    map.setFilter('grids-selected-line', grid);
    map.setFilter('sites-selected-polygon', site);
    map.setFilter('sites-selected-point', ref?.kind === 'site' ? pointIdFilter(ref.id) : NOTHING);
  }

  applyLayers(v: LayerToggles, categories: SiteCategory[]): void {
    const map = this.map;
    if (!map) return;
    this.#toggles = { v, categories };
    const past = !!this.asOf;
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

  /** Adds the chosen raster base map under our data, or removes it ("none" makes no request). */
  applyBasemap(choice: BasemapChoice): void {
    const map = this.map;
    if (!map) return;
    for (const id of this.#basemapIds) {
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
    this.#basemapIds = defs.map((d) => d.id);
    // Over a base map the county's paper fill and the grid tints become see-through.
    map.setPaintProperty('regions-county-fill', 'fill-opacity', defs.length ? 0.25 : 1);
    map.setPaintProperty('grids-fill', 'fill-opacity', defs.length ? GRID_FILL_OPACITY_OVER_BASEMAP : GRID_FILL_OPACITY);
  }

  /**
   * Hides the published comprehensive grids whose codes start with `prefix` (a draft replaces them on
   * the map while it is open); null shows them all again.
   */
  hidePublishedGrids(prefix: string | null): void {
    const map = this.map;
    if (!map) return;
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

  // ---- grids as of a date ----

  /**
   * Shows the comprehensive grids valid at the end of `date` (YYYY-MM-DD, China time) in place of the
   * current grid tiles; null (or today) returns to the tiles.
   */
  setAsOf(date: string | null): void {
    const next = date && date < todayInChina() ? date : null;
    if (next === this.asOf) return;
    this.asOf = next;
    this.asOfError = null;
    const map = this.map;
    if (!map) return;
    this.#ensureAsOfLayers(map);
    if (!next) {
      this.#asOfAbort?.abort();
      this.#asOfAbort = null;
      this.asOfLoading = false;
      this.#source(AS_OF_SOURCE)?.setData({ type: 'FeatureCollection', features: [] });
    } else {
      void this.#loadAsOf();
    }
    if (this.#toggles) this.applyLayers(this.#toggles.v, this.#toggles.categories);
  }

  #ensureAsOfLayers(map: MlMap): void {
    if (map.getSource(AS_OF_SOURCE)) return;
    map.addSource(AS_OF_SOURCE, { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
    const hidden = { visibility: 'none' } as const;
    // under the boundaries, where the grid tiles are
    map.addLayer({
      id: AS_OF_LAYERS.fill, type: 'fill', source: AS_OF_SOURCE, layout: hidden,
      paint: { 'fill-color': AS_OF_COLOR, 'fill-opacity': 0.07 },
    }, 'regions-village-line');
    map.addLayer({
      id: AS_OF_LAYERS.line, type: 'line', source: AS_OF_SOURCE, layout: { ...hidden, 'line-join': 'round' },
      paint: {
        'line-color': AS_OF_COLOR,
        'line-width': ['interpolate', ['linear'], ['zoom'], 11, 1, 16, 2.2] as never,
        'line-dasharray': [3, 2],
      },
    }, 'regions-village-line');
    map.addLayer({
      id: AS_OF_LAYERS.label, type: 'symbol', source: AS_OF_SOURCE, minzoom: 13,
      filter: ['in', ['geometry-type'], ['literal', ['Polygon', 'MultiPolygon']]] as never,
      layout: {
        ...hidden,
        'text-field': ['step', ['zoom'], ['get', 'name'], 15, ['format', ['get', 'name'], {}, '\n', {}, ['get', 'code'], { 'font-scale': 0.82 }]] as never,
        'text-font': FONT_REGULAR,
        'text-size': ['interpolate', ['linear'], ['zoom'], 13, 10.5, 17, 13] as never,
        'text-max-width': 8,
        'text-padding': 4,
      },
      paint: { 'text-color': AS_OF_COLOR, 'text-halo-color': '#ffffff', 'text-halo-width': 1.4 },
    }, 'regions-village-label');
  }

  /** Fetches the past grids of the current view. */
  async #loadAsOf(): Promise<void> {
    const map = this.map;
    const at = this.asOf;
    if (!map || !at) return;
    this.#asOfAbort?.abort();
    const abort = new AbortController();
    this.#asOfAbort = abort;
    this.asOfLoading = true;
    const b = map.getBounds();
    try {
      const fc = await call(api.grids.$get(
        { query: { layer: 'comprehensive', at, bbox: bboxParam([b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]) } },
        signalled(abort.signal),
      ));
      if (abort.signal.aborted || this.map !== map || this.asOf !== at) return;
      this.#source(AS_OF_SOURCE)?.setData(fc as FeatureCollection);
      this.asOfError = null;
    } catch (e) {
      if (abort.signal.aborted) return;
      this.asOfError = problemText(e);
    } finally {
      if (this.#asOfAbort === abort) {
        this.asOfLoading = false;
        this.#asOfAbort = null;
      }
    }
  }

  // ---- interaction ----

  /** Makes a layer's features open on a click (before sites, regions and grids); returns the undo. */
  addClickLayer(layerId: string, open: (feature: MapGeoJSONFeature) => void): () => void {
    this.#clickLayers.set(layerId, open);
    return () => {
      if (this.#clickLayers.get(layerId) === open) this.#clickLayers.delete(layerId);
    };
  }

  #clickLayerAt(point: MapMouseEvent['point']): { feature: MapGeoJSONFeature; open: (f: MapGeoJSONFeature) => void } | undefined {
    const layers = this.#visibleLayers([...this.#clickLayers.keys()]);
    if (!layers.length) return undefined;
    const box: [PointLike, PointLike] = [[point.x - 6, point.y - 6], [point.x + 6, point.y + 6]];
    const feature = this.map!.queryRenderedFeatures(box, { layers })[0];
    const open = feature && this.#clickLayers.get(feature.layer.id);
    return feature && open ? { feature, open } : undefined;
  }

  /** Lets a feature take over clicks and hovering (null gives them back). */
  setInteraction(interaction: MapInteraction | null): void {
    this.#interaction = interaction;
    if (!interaction) this.#setHover(null, false);
  }

  /** The region a click at this point should open, if we are zoomed out far enough to navigate regions. */
  #regionAt(point: PointLike): string | null {
    const map = this.map;
    const current = this.#handlers?.currentRegion();
    if (!map || map.getZoom() >= REGION_CLICK_MAX_ZOOM) return null;
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

  #visibleLayers(ids: string[]): string[] {
    const map = this.map;
    if (!map) return [];
    return ids.filter((id) => map.getLayer(id) && map.getLayoutProperty(id, 'visibility') !== 'none');
  }

  #siteAt(point: MapMouseEvent['point']): MapGeoJSONFeature | undefined {
    const map = this.map!;
    const box: [PointLike, PointLike] = [
      [point.x - 6, point.y - 6],
      [point.x + 6, point.y + 6],
    ];
    const icons = this.#visibleLayers(['sites-point', 'sites-dot-minor', 'sites-dot']);
    const hit = icons.length ? map.queryRenderedFeatures(box, { layers: icons })[0] : undefined;
    if (hit) return hit;
    const shapes = this.#visibleLayers(['sites-line', 'sites-polygon']);
    return shapes.length ? map.queryRenderedFeatures(point, { layers: shapes })[0] : undefined;
  }

  #gridAt(point: MapMouseEvent['point']): MapGeoJSONFeature | undefined {
    const map = this.map!;
    // A dedicated grid lies on top of the comprehensive grid it overlaps, and is the more specific answer.
    const layers = this.#visibleLayers(['grids-dedicated-fill', 'grids-fill']);
    if (!layers.length) return undefined;
    const hits = map.queryRenderedFeatures(point, { layers });
    return hits.find((f) => f.layer.id === 'grids-dedicated-fill') ?? hits[0];
  }

  #onClick(e: MapMouseEvent): void {
    const h = this.#handlers;
    if (!h || !this.map) return;
    if (this.#interaction?.click(e)) return;
    const hit = this.#clickLayerAt(e.point);
    if (hit) return hit.open(hit.feature);
    const site = this.#siteAt(e.point);
    if (site) return h.openSite(String(site.properties.id));
    const region = this.#regionAt(e.point);
    if (region) return h.openRegion(region);
    const grid = this.#gridAt(e.point);
    if (grid) h.openGrid(String(grid.properties.id));
  }

  #onMove(e: MapMouseEvent): void {
    cancelAnimationFrame(this.#moveFrame);
    this.#moveFrame = requestAnimationFrame(() => {
      if (!this.map) return;
      if (this.#interaction?.move?.(e)) return;
      const site = this.#siteAt(e.point) ?? this.#clickLayerAt(e.point);
      const region = site ? null : this.#regionAt(e.point);
      const clickable = !!site || !!region || (!region && !!this.#gridAt(e.point));
      this.#setHover(region, clickable);
    });
  }

  #setHover(code: string | null, clickable: boolean): void {
    const map = this.map;
    if (!map) return;
    map.getCanvas().style.cursor = clickable ? 'pointer' : '';
    if (code === this.#hoverCode) return;
    this.#hoverCode = code;
    map.setFilter('regions-hover-line', ['==', ['get', 'code'], code ?? '__none__'] as never);
  }
}

export const mapController = new MapController();
