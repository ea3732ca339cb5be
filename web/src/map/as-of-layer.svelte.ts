/**
 * The comprehensive grids as they were at a past date: a GeoJSON overlay, fetched for the current
 * view (again after every move), that the map shows in place of the current grid tiles.
 */
import type { FeatureCollection } from 'geojson';
import type { GeoJSONSource, Map as MlMap } from 'maplibre-gl';
import { problemText } from '../lib/problem-text';
import { api, call, signalled } from '../lib/api';
import { bboxParam } from './geo';
import { FONT_REGULAR } from './style';

/** The overlay's source and layers (ids are stable: tests query them). */
export const AS_OF_SOURCE = 'grids-as-of';
export const AS_OF_LAYERS = { fill: 'grids-as-of-fill', line: 'grids-as-of-line', label: 'grids-as-of-label' } as const;
const AS_OF_COLOR = '#b54708';

/** Today's date (YYYY-MM-DD) in China time, the server's calendar for `at`. */
export function todayInChina(): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
}

export class AsOfLayer {
  /** A past date whose comprehensive grids the map shows instead of the current ones; null = now. */
  date = $state<string | null>(null);
  loading = $state(false);
  error = $state<string | null>(null);

  #abort: AbortController | null = null;
  /** The map the controller is attached to (null once detached). */
  readonly #currentMap: () => MlMap | null;

  constructor(currentMap: () => MlMap | null) {
    this.#currentMap = currentMap;
  }

  /** Follows the camera: the past grids of each new view. */
  attach(map: MlMap): void {
    map.on('moveend', () => {
      if (this.date) void this.#load();
    });
  }

  detach(): void {
    this.#abort?.abort();
    this.#abort = null;
  }

  /**
   * Shows the comprehensive grids valid at the end of `date` (YYYY-MM-DD, China time) in place of the
   * current grid tiles; null (or today) returns to the tiles. Answers whether the map's layers must
   * be applied again (the date changed on an attached map).
   */
  set(date: string | null): boolean {
    const next = date && date < todayInChina() ? date : null;
    if (next === this.date) return false;
    this.date = next;
    this.error = null;
    const map = this.#currentMap();
    if (!map) return false;
    this.#ensureLayers(map);
    if (!next) {
      this.#abort?.abort();
      this.#abort = null;
      this.loading = false;
      map.getSource<GeoJSONSource>(AS_OF_SOURCE)?.setData({ type: 'FeatureCollection', features: [] });
    } else {
      void this.#load();
    }
    return true;
  }

  #ensureLayers(map: MlMap): void {
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
  async #load(): Promise<void> {
    const map = this.#currentMap();
    const at = this.date;
    if (!map || !at) return;
    this.#abort?.abort();
    const abort = new AbortController();
    this.#abort = abort;
    this.loading = true;
    const b = map.getBounds();
    try {
      const fc = await call(api.grids.$get(
        { query: { layer: 'comprehensive', at, bbox: bboxParam([b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]) } },
        signalled(abort.signal),
      ));
      if (abort.signal.aborted || this.#currentMap() !== map || this.date !== at) return;
      map.getSource<GeoJSONSource>(AS_OF_SOURCE)?.setData(fc as FeatureCollection);
      this.error = null;
    } catch (e) {
      if (abort.signal.aborted) return;
      this.error = problemText(e);
    } finally {
      if (this.#abort === abort) {
        this.loading = false;
        this.#abort = null;
      }
    }
  }
}
