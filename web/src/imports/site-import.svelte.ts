/**
 * Importing key sites (POST /api/imports): a dry run first — its preview on the map and its row
 * errors — then the import itself. Large files answer 202 and run as a job: progress is polled from
 * GET /api/imports/{id} until it is checked, imported or failed.
 */
import type { FeatureCollection } from 'geojson';
import { ApiError, request } from '../lib/api';

export type Crs = 'wgs84' | 'cgcs2000' | 'gcj02' | 'bd09';
export interface ImportReport {
  id: number; format: string; crs: string; dryRun: boolean; status: 'queued' | 'running' | 'checked' | 'imported' | 'failed';
  total: number; processed: number; valid: number; imported: number; errorCount: number;
  errors: Array<{ row: number; field: string; message: string }>; message: string | null;
  /** Why a failed import failed (the dialog shows its own words for each). */
  reason: 'row-errors' | 'interrupted' | 'stopped' | null;
  preview: FeatureCollection | null;
}

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
    const form = new FormData();
    form.set('file', this.file);
    form.set('kind', 'sites');
    form.set('crs', this.crs);
    if (this.category) form.set('category', this.category);
    form.set('dryRun', String(dryRun));
    this.busy = true;
    this.error = null;
    this.errors = [];
    this.report = null;
    try {
      const res = await fetch('/api/imports', { method: 'POST', body: form, credentials: 'same-origin', headers: { accept: 'application/json, application/problem+json' } });
      const body = await res.json();
      if (!res.ok) {
        if (Array.isArray(body.errors)) this.errors = body.errors;
        this.error = body.detail ?? body.title ?? `HTTP ${res.status}`;
        return;
      }
      this.report = body;
      // a job: poll until it is done
      while (this.report && (this.report.status === 'queued' || this.report.status === 'running')) {
        await new Promise((r) => setTimeout(r, 500));
        this.report = await request<ImportReport>('GET', `/api/imports/${this.report.id}`);
      }
      if (this.report?.errors.length) this.errors = this.report.errors;
    } catch (e) {
      this.error = e instanceof ApiError ? (e.detail ?? e.title) : String(e);
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
