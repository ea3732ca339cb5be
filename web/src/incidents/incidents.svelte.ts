/**
 * What the incident views share: the taxonomy and the units (loaded once), a change counter that
 * lists, "my area" and the map layer follow (bumped after a report or a workflow step), whether the
 * report form is open, and the map layer's switches (kept in localStorage).
 */
import { loadJson, saveJson } from '../lib/storage';
import { incidentsApi, problemText, type IncidentCategory, type Unit } from './incidents-api';

class IncidentCatalog {
  categories = $state.raw<IncidentCategory[]>([]);
  units = $state.raw<Unit[]>([]);
  loaded = $state(false);
  error = $state<string | null>(null);
  #loading: Promise<void> | null = null;

  load(): Promise<void> {
    if (this.loaded) return Promise.resolve();
    this.#loading ??= Promise.all([incidentsApi.categories(), incidentsApi.units().catch(() => [] as Unit[])])
      .then(([c, u]) => {
        this.categories = c.items;
        this.units = Array.isArray(u) ? u : [];
        this.loaded = true;
        this.error = null;
      })
      .catch((e) => {
        this.error = problemText(e);
      })
      .finally(() => {
        this.#loading = null;
      });
    return this.#loading;
  }

  get(code: string | null | undefined): IncidentCategory | undefined {
    return code ? this.categories.find((c) => c.code === code) : undefined;
  }

  /** Top-level categories (矛盾纠纷, 治安隐患…). */
  get groups(): IncidentCategory[] {
    return this.categories.filter((c) => !c.parentCode);
  }

  childrenOf(code: string): IncidentCategory[] {
    return this.categories.filter((c) => c.parentCode === code);
  }
}

export const incidentCatalog = new IncidentCatalog();

const LAYER_KEY = 'pingan.incidentLayer';

class IncidentsState {
  /** Bumped whenever an incident was created or changed here: lists reload, the map refetches its tiles. */
  changes = $state(0);
  /** The report form is open (in "my area" for a member, in the incidents tab for centre staff). */
  reporting = $state(false);
  /** The report form's point (lon, lat), drawn on the map while the form is open. */
  draftPoint = $state.raw<[number, number] | null>(null);
  /** The next tap on the map sets the report's point. */
  picking = $state(false);
  /** The map layer: incidents drawn at all, and as a heatmap when zoomed out. */
  layer = $state<{ visible: boolean; heatmap: boolean }>({ visible: true, heatmap: true, ...(loadJson<{ visible: boolean; heatmap: boolean }>(LAYER_KEY) ?? {}) });

  changed(): void {
    this.changes++;
  }

  setLayer(key: 'visible' | 'heatmap', on: boolean): void {
    this.layer = { ...this.layer, [key]: on };
    saveJson(LAYER_KEY, this.layer);
  }
}

export const incidents = new IncidentsState();

/** Colours of the states on the map and in badges (closed and rejected are not drawn on the map). */
export const STATE_COLOURS: Record<string, string> = {
  reported: '#d92d20',
  escalated: '#c11574',
  accepted: '#f79009',
  dispatched: '#1570ef',
  in_progress: '#0e9384',
  reopened: '#e04f16',
  resolved: '#12b76a',
  closed: '#667085',
  rejected: '#98a2b3',
};
