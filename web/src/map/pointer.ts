/**
 * Clicks and hovering on the map: a click opens what lies under it (a feature of a click layer such
 * as incidents, else a site, a region while zoomed out, a grid); hovering outlines the region a
 * click would open and shows the pointer cursor over anything clickable. A feature (the planning
 * tools) may take both over for a while.
 */
import type { Map as MlMap, MapGeoJSONFeature, MapMouseEvent } from 'maplibre-gl';
import type { RegionLevel } from '../../../server/domain/enums';
import { type ScreenPoint, featureNear, gridAt, regionAt, siteAt } from './hit-test';

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

type Open = (feature: MapGeoJSONFeature) => void;

export class MapPointer {
  #map: MlMap | null = null;
  #handlers: MapHandlers | null = null;
  #interaction: MapInteraction | null = null;
  /** Point layers of other features (incidents) whose features a click opens before sites, regions and grids. */
  #clickLayers = new Map<string, Open>();
  #hoverCode: string | null = null;
  #moveFrame = 0;

  attach(map: MlMap, handlers: MapHandlers): void {
    this.#map = map;
    this.#handlers = handlers;
    map.on('click', (e) => this.#onClick(e));
    map.on('mousemove', (e) => this.#onMove(e));
    map.on('mouseout', () => this.#setHover(null, false));
  }

  detach(): void {
    cancelAnimationFrame(this.#moveFrame);
    this.#interaction = null;
    this.#map = null;
    this.#handlers = null;
  }

  /** Makes a layer's features open on a click (before sites, regions and grids); returns the undo. */
  addClickLayer(layerId: string, open: Open): () => void {
    this.#clickLayers.set(layerId, open);
    return () => {
      if (this.#clickLayers.get(layerId) === open) this.#clickLayers.delete(layerId);
    };
  }

  /** Lets a feature take over clicks and hovering (null gives them back). */
  setInteraction(interaction: MapInteraction | null): void {
    this.#interaction = interaction;
    if (!interaction) this.#setHover(null, false);
  }

  #clickLayerAt(map: MlMap, point: ScreenPoint): { feature: MapGeoJSONFeature; open: Open } | undefined {
    const feature = featureNear(map, point, [...this.#clickLayers.keys()]);
    const open = feature && this.#clickLayers.get(feature.layer.id);
    return feature && open ? { feature, open } : undefined;
  }

  #onClick(e: MapMouseEvent): void {
    const h = this.#handlers;
    const map = this.#map;
    if (!h || !map) return;
    if (this.#interaction?.click(e)) return;
    const hit = this.#clickLayerAt(map, e.point);
    if (hit) return hit.open(hit.feature);
    const site = siteAt(map, e.point);
    if (site) return h.openSite(String(site.properties.id));
    const region = regionAt(map, e.point, h.currentRegion());
    if (region) return h.openRegion(region);
    const grid = gridAt(map, e.point);
    if (grid) h.openGrid(String(grid.properties.id));
  }

  #onMove(e: MapMouseEvent): void {
    cancelAnimationFrame(this.#moveFrame);
    this.#moveFrame = requestAnimationFrame(() => {
      const map = this.#map;
      if (!map) return;
      if (this.#interaction?.move?.(e)) return;
      const site = siteAt(map, e.point) ?? this.#clickLayerAt(map, e.point);
      const region = site ? null : regionAt(map, e.point, this.#handlers?.currentRegion());
      const clickable = !!site || !!region || (!region && !!gridAt(map, e.point));
      this.#setHover(region, clickable);
    });
  }

  #setHover(code: string | null, clickable: boolean): void {
    const map = this.#map;
    if (!map) return;
    map.getCanvas().style.cursor = clickable ? 'pointer' : '';
    if (code === this.#hoverCode) return;
    this.#hoverCode = code;
    map.setFilter('regions-hover-line', ['==', ['get', 'code'], code ?? '__none__'] as never);
  }
}
