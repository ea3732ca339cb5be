/** The staffing report of the region in view, and whether its problem grids are coloured on the map. */
import { problemText } from '../lib/problem-text';
import { peopleApi, type StaffingReport } from './people-api';

class Staffing {
  report = $state.raw<StaffingReport | null>(null);
  loading = $state(false);
  error = $state<string | null>(null);
  /** The map colours the report's problem grids while the staffing view is open and this is on. */
  onMap = $state(true);
  visible = $state(false);
  #abort: AbortController | null = null;

  async load(region?: string): Promise<void> {
    this.#abort?.abort();
    const abort = (this.#abort = new AbortController());
    this.loading = true;
    this.error = null;
    try {
      const report = await peopleApi.staffing(region, abort.signal);
      if (!abort.signal.aborted) this.report = report;
    } catch (e) {
      if (!abort.signal.aborted) this.error = problemText(e);
    } finally {
      if (!abort.signal.aborted) this.loading = false;
    }
  }
}

export const staffing = new Staffing();

/** Colours of staffing problems, worst first: no member, no leader, an overloaded member. */
export const STAFFING_COLOURS = { no_member: '#d92d20', no_leader: '#f79009', overloaded_member: '#7a5af8' } as const;
export type StaffingProblemKind = keyof typeof STAFFING_COLOURS;
export const worstProblem = (problems: string[]): StaffingProblemKind =>
  (Object.keys(STAFFING_COLOURS) as StaffingProblemKind[]).find((k) => problems.includes(k)) ?? 'overloaded_member';
