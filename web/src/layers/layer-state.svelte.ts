/** Which map layers are switched on; kept in localStorage. */
import { loadJson, saveJson } from '../lib/storage';
import { OTHER_GROUP, SITE_GROUPS } from '../sites/site-groups';

const STORAGE_KEY = 'pingan.layers';

export interface LayerToggles {
  boundaries: boolean;
  comprehensive: boolean;
  dedicated: boolean;
  labels: boolean;
  siteGroups: Record<string, boolean>;
}

function defaults(): LayerToggles {
  const siteGroups: Record<string, boolean> = { [OTHER_GROUP.key]: true };
  for (const g of SITE_GROUPS) siteGroups[g.key] = true;
  return { boundaries: true, comprehensive: true, dedicated: true, labels: true, siteGroups };
}

class LayerState {
  v = $state<LayerToggles>(defaults());

  constructor() {
    const saved = loadJson<Partial<LayerToggles>>(STORAGE_KEY);
    if (saved) {
      const d = defaults();
      this.v = { ...d, ...saved, siteGroups: { ...d.siteGroups, ...(saved.siteGroups ?? {}) } };
    }
  }

  set(key: 'boundaries' | 'comprehensive' | 'dedicated' | 'labels', on: boolean): void {
    this.v[key] = on;
    this.persist();
  }

  setGroup(group: string, on: boolean): void {
    this.v.siteGroups[group] = on;
    this.persist();
  }

  private persist(): void {
    saveJson(STORAGE_KEY, $state.snapshot(this.v));
  }
}

export const layerState = new LayerState();
