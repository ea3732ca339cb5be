/**
 * The region navigator: where we are (county → township → village), that region's children, and for
 * a village its grids. Opening a region moves the map to it.
 */
import { api, call, signalled } from '../lib/api';
import { problemText } from '../lib/problem-text';
import type { GridProps, RegionDetail, RegionProps } from '../lib/shapes';
import type { BBox } from '../map/geo';
import { geometryBBox } from '../map/geo';
import { mapController } from '../map/map-controller.svelte';

class RegionNav {
  current = $state.raw<RegionDetail | null>(null);
  children = $state.raw<RegionProps[]>([]);
  grids = $state.raw<Array<Omit<GridProps, 'id'> & { id: string; bbox: BBox | null }>>([]);
  /** The prefecture a prefecture-wide account started at (the first crumb of its counties' pages). */
  prefecture = $state.raw<{ code: string; name: string } | null>(null);
  loading = $state(false);
  error = $state<string | null>(null);
  #abort: AbortController | null = null;

  /** Opens a region: loads its details and children, and (unless told not to) fits the map to it. */
  async open(code: string, options: { fit?: boolean } = {}): Promise<void> {
    this.#abort?.abort();
    const abort = (this.#abort = new AbortController());
    this.loading = true;
    this.error = null;
    try {
      const region = await call(api.regions[':code'].$get({ param: { code } }, signalled(abort.signal)));
      const isVillage = region.properties.level === 'village';
      const [children, grids] = await Promise.all([
        isVillage ? null : call(api.regions.$get({ query: { parent: code, geometry: 'false' } }, signalled(abort.signal))),
        isVillage ? call(api.grids.$get({ query: { region: code } }, signalled(abort.signal))) : null,
      ]);
      if (abort.signal.aborted) return;
      this.current = region;
      if (region.properties.level === 'prefecture') this.prefecture = { code: region.properties.code, name: region.properties.name };
      this.children = (children?.features ?? []).map((f) => f.properties).sort((a, b) => a.code.localeCompare(b.code));
      this.grids = (grids?.features ?? [])
        .map((f) => ({ ...f.properties, id: String(f.properties.id ?? f.id), bbox: geometryBBox(f.geometry) }))
        .sort((a, b) => (a.layer === b.layer ? a.code.localeCompare(b.code) : a.layer === 'comprehensive' ? -1 : 1));
      mapController.setCurrentRegion(code);
      if (options.fit !== false) {
        const bbox = (region.properties.bbox as BBox | null) ?? geometryBBox(region.geometry) ?? mapController.regionBBox(code);
        if (bbox) mapController.fitBBox(bbox);
      }
    } catch (e) {
      if (abort.signal.aborted) return;
      this.error = problemText(e);
    } finally {
      if (!abort.signal.aborted) this.loading = false;
    }
  }

  /** Forgets everything (on sign-out), so the next user starts at their own scope. */
  reset(): void {
    this.#abort?.abort();
    this.current = null;
    this.prefecture = null;
    this.children = [];
    this.grids = [];
    this.loading = false;
    this.error = null;
  }
}

export const regionNav = new RegionNav();
