/**
 * The data the map draws: the region boundaries of the signed-in user's scope, loaded into the
 * style's GeoJSON sources, and the URLs of the grid and site tiles (see style.ts), which the server
 * filters by the same scope.
 */
import type { Feature, FeatureCollection, Geometry } from 'geojson';
import type { GeoJSONSource, Map as MlMap, VectorTileSource } from 'maplibre-gl';
import { problemText } from '../lib/problem-text';
import { api, call } from '../lib/api';
import type { RegionLevel } from '../../../server/domain/enums';
import type { RegionFeature } from '../lib/shapes';
import { type BBox, geometryBBox, labelPoints } from './geo';
import { SOURCES, TILE_SOURCES, tileUrl } from './style';

export class MapData {
  loading = $state(false);
  error = $state<string | null>(null);

  #regions = new Map<string, RegionFeature>();
  #tilesVersion = 0;
  /** The map the controller is attached to (null once detached). */
  readonly #currentMap: () => MlMap | null;

  constructor(currentMap: () => MlMap | null) {
    this.#currentMap = currentMap;
  }

  detach(): void {
    this.#regions.clear();
  }

  /**
   * Loads the boundaries of the signed-in user's scope into the map. When they are drawn, the first
   * 'idle' sets `document.body.dataset.mapIdle = "1"` (browser tests wait for it).
   */
  async load(scope: { code: string; level: RegionLevel }): Promise<void> {
    const map = this.#currentMap();
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
      if (this.#currentMap() !== map) return;
      const regions = [root, ...levels].flatMap((fc) => fc.features);
      this.#regions = new Map(regions.map((f) => [f.properties.code, f]));
      this.#setRegions(map, regions);
      map.once('idle', () => {
        document.body.dataset.mapIdle = '1';
      });
    } catch (e) {
      this.error = problemText(e);
    } finally {
      this.loading = false;
    }
  }

  /** The region's bounding box (degrees) from the loaded boundaries, if it has one. */
  regionBBox(code: string): BBox | null {
    const f = this.#regions.get(code);
    return f ? geometryBBox(f.geometry) : null;
  }

  #setRegions(map: MlMap, features: RegionFeature[]): void {
    if (map.getSource(SOURCES.regions)?.type !== 'geojson') return;
    const fc = { type: 'FeatureCollection', features } as FeatureCollection<Geometry | null, RegionFeature['properties']>;
    map.getSource<GeoJSONSource>(SOURCES.regions)?.setData({
      type: 'FeatureCollection',
      features: features.filter((f) => f.geometry) as Feature[],
    });
    map.getSource<GeoJSONSource>(SOURCES.regionLabels)?.setData(
      labelPoints(fc, (p) => ({ code: p.code, name: p.name, level: p.level })),
    );
  }

  /**
   * Makes the map fetch its grid and site tiles again, after something changed them (an edit, a
   * published plan). The tiles' URLs change, so neither MapLibre nor the browser reuses old ones.
   */
  reloadTiles(): void {
    const map = this.#currentMap();
    if (!map) return;
    const version = ++this.#tilesVersion;
    const apply = () => {
      if (this.#currentMap() !== map || version !== this.#tilesVersion) return;
      for (const [id, def] of [[SOURCES.grids, TILE_SOURCES.grids], [SOURCES.sites, TILE_SOURCES.sites]] as const) {
        map.getSource<VectorTileSource>(id)?.setTiles([tileUrl(location.origin, def.layer, version)]);
      }
    };
    // A layer change (a filter, say) pauses its source until the next frame, and a paused source that
    // resumes only lays out the tiles it already has: set the new URLs once that frame has been drawn.
    map.once('render', apply);
    map.triggerRepaint();
  }
}
