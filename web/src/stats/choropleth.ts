/**
 * The chosen measure on the map by county, township or village: one fill layer on the existing regions
 * source, coloured from feature-state `v` that is set per region from the statistics, with a legend
 * control. The source is GeoJSON (promoteId = code: the state's id is the code) for a county's staff,
 * or the regions tile layer for a prefecture's (the feature id is the 12-digit code as a number, see
 * server/tiles). Five classes at quantile breaks; rates run red (low) to green, counts and hours light
 * to dark. Regions without a figure are grey.
 */
import type { ExpressionSpecification, FeatureIdentifier, IControl, Map as MlMap } from 'maplibre-gl';
import { SOURCES, TILE_SOURCES } from '../map/style';
import { type Measure, formatMeasure, isRate } from './format';

export const CHOROPLETH_LAYER = 'stats-choropleth-fill';
const STATE_KEY = 'v';
const NO_DATA = '#d0d5dd';
const RATE_COLORS = ['#d92d20', '#f79009', '#fdd835', '#7cc270', '#12955b'];
const COUNT_COLORS = ['#fef0d9', '#fdcc8a', '#fc8d59', '#e34a33', '#b30000'];

export interface ChoroplethData {
  level: 'county' | 'township' | 'village';
  /** the region whose children are coloured: a code prefix */
  prefix: string;
  measure: Measure;
  values: Map<string, number | null>;
  title: string;
  noDataLabel: string;
}

/** Up to four increasing breaks at the quintiles of the values. */
export function quantileBreaks(values: number[]): number[] {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length < 2) return [];
  const breaks: number[] = [];
  for (const q of [0.2, 0.4, 0.6, 0.8]) {
    const b = sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
    if (b > sorted[0] && (breaks.length === 0 || b > breaks[breaks.length - 1])) breaks.push(b);
  }
  return breaks;
}

class Legend implements IControl {
  el = document.createElement('div');
  onAdd(): HTMLElement {
    this.el.className = 'maplibregl-ctrl stats-legend';
    this.el.dataset.testid = 'stats-legend';
    return this.el;
  }
  onRemove(): void {
    this.el.remove();
  }
}

export class Choropleth {
  #map: MlMap | null = null;
  #codes: string[] = [];
  #legend: Legend | null = null;

  attach(map: MlMap): void {
    if (this.#map === map) return;
    this.detach();
    this.#map = map;
    if (!map.getLayer(CHOROPLETH_LAYER)) {
      map.addLayer({
        id: CHOROPLETH_LAYER, type: 'fill', source: SOURCES.regions,
        ...(this.#tiled() ? { 'source-layer': TILE_SOURCES.regions.layer } : {}),
        filter: ['==', ['get', 'code'], '__none__'],
        paint: { 'fill-color': NO_DATA, 'fill-opacity': 0.72 },
      }, map.getLayer('regions-village-line') ? 'regions-village-line' : undefined);
    }
    this.#legend = new Legend();
    map.addControl(this.#legend, 'top-left');
  }

  show(d: ChoroplethData): void {
    const map = this.#map;
    if (!map) return;
    this.#clearStates();
    const numbers = [...d.values.values()].filter((v): v is number => v !== null);
    const breaks = quantileBreaks(numbers);
    const colors = isRate(d.measure) ? RATE_COLORS : COUNT_COLORS;
    const classes = colors.slice(colors.length - breaks.length - 1);
    // one class (every region with the same figure, or a single region): a 'step' needs a stop, so
    // the class's colour itself (MapLibre refuses a stepless 'step' and kept the grey of no data)
    const step: unknown[] = ['step', ['feature-state', STATE_KEY], classes[0]];
    breaks.forEach((b, i) => step.push(b, classes[i + 1]));
    map.setPaintProperty(CHOROPLETH_LAYER, 'fill-color', ['case', ['==', ['typeof', ['feature-state', STATE_KEY]], 'number'],
      breaks.length ? step : classes[0], NO_DATA] as unknown as ExpressionSpecification);
    map.setFilter(CHOROPLETH_LAYER, ['all', ['==', ['get', 'level'], d.level],
      ['==', ['slice', ['get', 'code'], 0, d.prefix.length], d.prefix]] as ExpressionSpecification);
    for (const [code, v] of d.values) {
      if (v === null) continue;
      map.setFeatureState(this.#feature(code), { [STATE_KEY]: v });
      this.#codes.push(code);
    }
    map.setLayoutProperty(CHOROPLETH_LAYER, 'visibility', 'visible');
    this.#renderLegend(d, breaks, classes, numbers);
  }

  hide(): void {
    const map = this.#map;
    if (!map) return;
    this.#clearStates();
    if (map.getLayer(CHOROPLETH_LAYER)) map.setLayoutProperty(CHOROPLETH_LAYER, 'visibility', 'none');
    if (this.#legend) this.#legend.el.hidden = true;
  }

  detach(): void {
    const map = this.#map;
    if (map && map.getStyle()) {
      this.#clearStates();
      if (map.getLayer(CHOROPLETH_LAYER)) map.removeLayer(CHOROPLETH_LAYER);
      if (this.#legend) map.removeControl(this.#legend);
    }
    this.#legend = null;
    this.#map = null;
  }

  #clearStates(): void {
    const map = this.#map;
    if (!map || !map.getSource(SOURCES.regions)) return;
    for (const code of this.#codes) map.removeFeatureState(this.#feature(code), STATE_KEY);
    this.#codes = [];
  }

  /** Whether the regions come as vector tiles (a prefecture-wide account's map). */
  #tiled(): boolean {
    return this.#map?.getSource(SOURCES.regions)?.type === 'vector';
  }

  /** A region's feature-state address in either kind of source. */
  #feature(code: string): FeatureIdentifier {
    return this.#tiled()
      ? { source: SOURCES.regions, sourceLayer: TILE_SOURCES.regions.layer, id: Number(code) }
      : { source: SOURCES.regions, id: code };
  }

  #renderLegend(d: ChoroplethData, breaks: number[], classes: string[], numbers: number[]): void {
    const el = this.#legend?.el;
    if (!el) return;
    el.hidden = false;
    el.replaceChildren();
    const title = document.createElement('div');
    title.className = 'stats-legend-title';
    title.textContent = d.title;
    el.append(title);
    const min = numbers.length ? Math.min(...numbers) : null;
    const max = numbers.length ? Math.max(...numbers) : null;
    const bounds = [min, ...breaks, max];
    const row = (color: string, text: string) => {
      const r = document.createElement('div');
      r.className = 'stats-legend-row';
      const sw = document.createElement('span');
      sw.className = 'stats-legend-swatch';
      sw.style.background = color;
      const label = document.createElement('span');
      label.textContent = text;
      r.append(sw, label);
      el.append(r);
    };
    if (numbers.length) {
      classes.forEach((c, i) => {
        const lo = bounds[i];
        const hi = bounds[i + 1];
        // a class of one value (all regions alike) names the value
        row(c, lo === hi ? formatMeasure(lo, d.measure)
          : i === classes.length - 1 ? `≥ ${formatMeasure(lo, d.measure)}` : `${formatMeasure(lo, d.measure)} – ${formatMeasure(hi, d.measure)}`);
      });
    }
    row(NO_DATA, d.noDataLabel);
  }
}

export const choropleth = new Choropleth();
