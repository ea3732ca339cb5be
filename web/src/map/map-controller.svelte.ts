/**
 * Owns the MapLibre map once it exists and is the one way components talk to it. It puts together
 * the map's concerns, each in its own file:
 * - map-data.svelte.ts: the region boundaries in the style's GeoJSON sources, the tile URLs;
 * - camera.ts: fitting and bringing boxes into view;
 * - layers.ts: layer toggles, base map, current region, selection, grids hidden by a draft;
 * - as-of-layer.svelte.ts: the comprehensive grids as of a past date;
 * - pointer.ts (with hit-test.ts): clicks into "open this region / grid / site", hovering, and
 *   features that take clicks over for a while.
 */
import type { Map as MlMap, MapGeoJSONFeature } from 'maplibre-gl';
import type { RegionLevel } from '../../../server/domain/enums';
import type { SiteCategory } from '../lib/shapes';
import type { LayerToggles } from '../layers/layer-state.svelte';
import type { SelectedRef } from '../panels/selection.svelte';
import type { BasemapChoice } from '../settings/basemap';
import { AsOfLayer } from './as-of-layer.svelte';
import * as camera from './camera';
import type { BBox } from './geo';
import { addSiteIcons } from './icons';
import * as layers from './layers';
import { MapData } from './map-data.svelte';
import { type MapHandlers, type MapInteraction, MapPointer } from './pointer';

class MapController {
  map: MlMap | null = null;
  zoom = $state(0);

  #data = new MapData(() => this.map);
  #asOf = new AsOfLayer(() => this.map);
  #pointer = new MapPointer();
  #basemapIds: string[] = [];
  #toggles: { v: LayerToggles; categories: SiteCategory[] } | null = null;

  /** The region boundaries are loading / could not be loaded. */
  get loading(): boolean {
    return this.#data.loading;
  }
  get error(): string | null {
    return this.#data.error;
  }
  /** A past date whose comprehensive grids the map shows instead of the current ones; null = now. */
  get asOf(): string | null {
    return this.#asOf.date;
  }
  get asOfLoading(): boolean {
    return this.#asOf.loading;
  }
  get asOfError(): string | null {
    return this.#asOf.error;
  }

  attach(map: MlMap, handlers: MapHandlers, categories: SiteCategory[]): void {
    this.map = map;
    this.zoom = map.getZoom();
    addSiteIcons(map, categories);
    this.#pointer.attach(map, handlers);
    map.on('moveend', () => {
      this.zoom = map.getZoom();
    });
    this.#asOf.attach(map);
  }

  detach(): void {
    this.#pointer.detach();
    this.#asOf.detach();
    this.#toggles = null;
    this.map = null;
    this.#data.detach();
    this.#basemapIds = [];
  }

  // ---- data ----

  /**
   * Loads the boundaries of the signed-in user's scope into the map (grids and sites are tiles, which
   * the server filters by the same scope). When they are drawn, the first 'idle' sets
   * `document.body.dataset.mapIdle = "1"` (browser tests wait for it).
   */
  loadData(scope: { code: string; level: RegionLevel }): Promise<void> {
    return this.#data.load(scope);
  }

  /** The region's bounding box from the loaded boundaries, if it has one. */
  regionBBox(code: string): BBox | null {
    return this.#data.regionBBox(code);
  }

  /** Makes the map fetch its grid and site tiles again, after something changed them (an edit, a published plan). */
  reloadTiles(): void {
    this.#data.reloadTiles();
  }

  // ---- camera ----

  /** Moves the camera to show a bounding box (degrees). */
  fitBBox(bbox: BBox, maxZoom?: number): void {
    if (this.map) camera.fitBBox(this.map, bbox, maxZoom);
  }

  /** Pans (or zooms out) just enough that the box is in view; used after a panel opens. */
  ensureVisible(bbox: BBox): void {
    if (this.map) camera.ensureVisible(this.map, bbox);
  }

  // ---- what is drawn ----

  setCurrentRegion(code: string | null): void {
    if (this.map) layers.setCurrentRegion(this.map, code);
  }

  /** Highlights the selected grid or site, or a person's grids (`gridIds`). */
  setSelection(ref: SelectedRef | null, gridIds: Array<number | string> = []): void {
    if (this.map) layers.setSelection(this.map, ref, gridIds);
  }

  applyLayers(v: LayerToggles, categories: SiteCategory[]): void {
    if (!this.map) return;
    this.#toggles = { v, categories };
    layers.applyLayers(this.map, v, categories, !!this.asOf);
  }

  /** Adds the chosen raster base map under our data, or removes it ("none" makes no request). */
  applyBasemap(choice: BasemapChoice): void {
    if (this.map) this.#basemapIds = layers.applyBasemap(this.map, choice, this.#basemapIds);
  }

  /**
   * Hides the published comprehensive grids whose codes start with `prefix` (a draft replaces them on
   * the map while it is open); null shows them all again.
   */
  hidePublishedGrids(prefix: string | null): void {
    if (this.map) layers.hidePublishedGrids(this.map, prefix);
  }

  /**
   * Shows the comprehensive grids valid at the end of `date` (YYYY-MM-DD, China time) in place of the
   * current grid tiles; null (or today) returns to the tiles.
   */
  setAsOf(date: string | null): void {
    if (this.#asOf.set(date) && this.#toggles) this.applyLayers(this.#toggles.v, this.#toggles.categories);
  }

  // ---- interaction ----

  /** Makes a layer's features open on a click (before sites, regions and grids); returns the undo. */
  addClickLayer(layerId: string, open: (feature: MapGeoJSONFeature) => void): () => void {
    return this.#pointer.addClickLayer(layerId, open);
  }

  /** Lets a feature take over clicks and hovering (null gives them back). */
  setInteraction(interaction: MapInteraction | null): void {
    this.#pointer.setInteraction(interaction);
  }
}

export const mapController = new MapController();
