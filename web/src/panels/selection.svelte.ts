/** The grid or site whose details are open beside the map (and highlighted on it). */
import { ApiError, api } from '../lib/api';
import type { GridDetail, SiteDetail } from '../lib/types';

export type SelectedRef = { kind: 'grid' | 'site'; id: string };

class Selection {
  ref = $state.raw<SelectedRef | null>(null);
  grid = $state.raw<GridDetail | null>(null);
  site = $state.raw<SiteDetail | null>(null);
  loading = $state(false);
  error = $state<string | null>(null);
  #abort: AbortController | null = null;

  async select(kind: 'grid' | 'site', id: string | number): Promise<void> {
    const ref = { kind, id: String(id) };
    if (this.ref && this.ref.kind === ref.kind && this.ref.id === ref.id && !this.error) return;
    this.#abort?.abort();
    const abort = (this.#abort = new AbortController());
    this.ref = ref;
    this.loading = true;
    this.error = null;
    try {
      if (kind === 'grid') {
        const grid = await api.grid(ref.id, abort.signal);
        if (abort.signal.aborted) return;
        this.grid = grid;
        this.site = null;
      } else {
        const site = await api.site(ref.id, abort.signal);
        if (abort.signal.aborted) return;
        this.site = site;
        this.grid = null;
      }
    } catch (e) {
      if (abort.signal.aborted) return;
      this.error = e instanceof ApiError ? e.detail ?? e.title : String(e);
    } finally {
      if (!abort.signal.aborted) this.loading = false;
    }
  }

  retry(): void {
    const ref = this.ref;
    if (!ref) return;
    this.ref = null;
    void this.select(ref.kind, ref.id);
  }

  clear(): void {
    this.#abort?.abort();
    this.ref = null;
    this.grid = null;
    this.site = null;
    this.loading = false;
    this.error = null;
  }
}

export const selection = new Selection();
