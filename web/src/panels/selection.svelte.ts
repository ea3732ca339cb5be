/** The grid, site, person or incident whose details are open beside the map (and highlighted on it). */
import { incidentsApi, type IncidentDetail } from '../incidents/incidents-api';
import { api, call, signalled } from '../lib/api';
import { problemText } from '../lib/problem-text';
import type { GridDetail, SiteDetail } from '../lib/shapes';
import { peopleApi, type PersonDetail } from '../people/people-api';

export type SelectedKind = 'grid' | 'site' | 'person' | 'incident';
export type SelectedRef = { kind: SelectedKind; id: string };

class Selection {
  ref = $state.raw<SelectedRef | null>(null);
  grid = $state.raw<GridDetail | null>(null);
  site = $state.raw<SiteDetail | null>(null);
  person = $state.raw<PersonDetail | null>(null);
  incident = $state.raw<IncidentDetail | null>(null);
  loading = $state(false);
  error = $state<string | null>(null);
  #abort: AbortController | null = null;

  async select(kind: SelectedKind, id: string | number, options: { reload?: boolean } = {}): Promise<void> {
    const ref = { kind, id: String(id) };
    if (!options.reload && this.ref && this.ref.kind === ref.kind && this.ref.id === ref.id && !this.error) return;
    this.#abort?.abort();
    const abort = (this.#abort = new AbortController());
    this.ref = ref;
    this.loading = true;
    this.error = null;
    try {
      if (kind === 'grid') {
        const grid = await call(api.grids[':id'].$get({ param: { id: ref.id } }, signalled(abort.signal)));
        if (abort.signal.aborted) return;
        [this.grid, this.site, this.person, this.incident] = [grid, null, null, null];
      } else if (kind === 'site') {
        const site = await call(api.sites[':id'].$get({ param: { id: ref.id } }, signalled(abort.signal)));
        if (abort.signal.aborted) return;
        [this.grid, this.site, this.person, this.incident] = [null, site, null, null];
      } else if (kind === 'incident') {
        const incident = await incidentsApi.get(ref.id, abort.signal);
        if (abort.signal.aborted) return;
        [this.grid, this.site, this.person, this.incident] = [null, null, null, incident];
      } else {
        const person = await peopleApi.person(ref.id, abort.signal);
        if (abort.signal.aborted) return;
        [this.grid, this.site, this.person, this.incident] = [null, null, person, null];
      }
    } catch (e) {
      if (abort.signal.aborted) return;
      this.error = problemText(e);
    } finally {
      if (!abort.signal.aborted) this.loading = false;
    }
  }

  /** An incident's details as an action answered them (no reload needed). */
  updateIncident(detail: IncidentDetail): void {
    if (this.ref?.kind === 'incident' && this.ref.id === String(detail.id)) this.incident = detail;
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
    this.person = null;
    this.incident = null;
    this.loading = false;
    this.error = null;
  }
}

export const selection = new Selection();
