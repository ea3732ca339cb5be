/**
 * Importing key sites (POST /api/imports): a dry run first — its preview on the map and its row
 * errors — then the import itself. Large files answer 202 and run as a job: progress is polled from
 * GET /api/imports/{id} until it is checked, imported or failed.
 */
import type { FeatureCollection } from 'geojson';
import { ApiError, api, call, type Answer, type Args } from '../lib/api';
import { problemText } from '../lib/problem-text';

export type Crs = NonNullable<Args<typeof api.imports.$post>['form']['crs']>;
/** The report; its preview (declared open by the route) is the converted features as GeoJSON. */
export type ImportReport = Omit<Answer<typeof api.imports.$post>, 'preview'> & { preview: FeatureCollection | null };

class SiteImport {
  open = $state(false);
  file = $state.raw<File | null>(null);
  crs = $state<Crs>('wgs84');
  category = $state('');
  busy = $state(false);
  report = $state.raw<ImportReport | null>(null);
  /** Row errors of a refused file (422), or a refusal of the whole file. */
  errors = $state.raw<ImportReport['errors']>([]);
  error = $state<string | null>(null);

  async run(dryRun: boolean): Promise<void> {
    if (!this.file) return;
    this.busy = true;
    this.error = null;
    this.errors = [];
    this.report = null;
    try {
      const form = {
        file: this.file, kind: 'sites' as const, crs: this.crs,
        ...(this.category ? { category: this.category } : {}), dryRun: dryRun ? ('true' as const) : ('false' as const),
      };
      this.report = (await call(api.imports.$post({ form }))) as ImportReport;
      // a job: poll until it is done
      while (this.report && (this.report.status === 'queued' || this.report.status === 'running')) {
        await new Promise((r) => setTimeout(r, 500));
        this.report = (await call(api.imports[':id'].$get({ param: { id: String(this.report.id) } }))) as ImportReport;
      }
      if (this.report?.errors.length) this.errors = this.report.errors;
    } catch (e) {
      // a refused file (422) lists its row errors in the problem
      if (e instanceof ApiError && Array.isArray(e.problem.errors)) this.errors = e.problem.errors as ImportReport['errors'];
      this.error = problemText(e);
    } finally {
      this.busy = false;
    }
  }

  close(): void {
    this.open = false;
    this.report = null;
    this.errors = [];
    this.error = null;
    this.file = null;
  }
}

export const siteImport = new SiteImport();
