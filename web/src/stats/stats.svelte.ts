/**
 * The statistics panel's state: open or not, the region (the navigator's current region), the period,
 * a category filter and the measure shown on the map. Loads three groupings at once: by month, by
 * category and by the level below the region (counties, townships, villages or grids).
 */
import { problemText } from '../lib/problem-text';
import { todayInChina } from '../map/as-of-layer.svelte';
import type { Measure } from './format';
import { monthStart, monthEnd } from './format';
import { type GroupBy, type IncidentStats, statsApi } from './stats-api';

export type Period = 'last12' | 'thisYear' | 'thisMonth' | 'lastMonth';
export const PERIODS: Period[] = ['last12', 'thisYear', 'thisMonth', 'lastMonth'];

export function periodRange(p: Period, today = todayInChina()): { from: string; to: string } {
  switch (p) {
    case 'thisYear': return { from: `${today.slice(0, 4)}-01-01`, to: today };
    case 'thisMonth': return { from: monthStart(today), to: today };
    case 'lastMonth': return { from: monthStart(today, -1), to: monthEnd(monthStart(today, -1)) };
    default: return { from: monthStart(today, -11), to: today };
  }
}

/** The level below a region: a prefecture's counties, a county's townships, a township's villages, a village's grids. */
export const childGrouping: Record<string, GroupBy> = { prefecture: 'county', county: 'township', township: 'village', village: 'grid' };

class Stats {
  open = $state(false);
  period = $state<Period>('last12');
  category = $state<string>('');
  measure = $state<Measure>('resolutionRate');
  /** Show the measure on the map by county, township or village. */
  choropleth = $state(true);

  region = $state<string | null>(null);
  byMonth = $state.raw<IncidentStats | null>(null);
  byCategory = $state.raw<IncidentStats | null>(null);
  byRegion = $state.raw<IncidentStats | null>(null);
  loading = $state(false);
  error = $state<string | null>(null);
  #abort: AbortController | null = null;

  toggle(): void {
    this.open = !this.open;
  }

  /** Loads the figures of a region (code) at the level below it. */
  async load(region: string, level: string): Promise<void> {
    this.#abort?.abort();
    const abort = (this.#abort = new AbortController());
    this.loading = true;
    this.error = null;
    const { from, to } = periodRange(this.period);
    const base = { region, from, to, category: this.category || undefined };
    try {
      const [byMonth, byCategory, byRegion] = await Promise.all([
        statsApi.incidents({ ...base, groupBy: 'month' }, abort.signal),
        statsApi.incidents({ ...base, groupBy: 'category' }, abort.signal),
        statsApi.incidents({ ...base, groupBy: childGrouping[level] ?? 'grid' }, abort.signal),
      ]);
      if (abort.signal.aborted) return;
      this.region = region;
      this.byMonth = byMonth;
      this.byCategory = byCategory;
      this.byRegion = byRegion;
    } catch (e) {
      if (abort.signal.aborted) return;
      this.error = problemText(e);
    } finally {
      if (!abort.signal.aborted) this.loading = false;
    }
  }

  close(): void {
    this.#abort?.abort();
    this.open = false;
    this.loading = false;
  }
}

export const stats = new Stats();
