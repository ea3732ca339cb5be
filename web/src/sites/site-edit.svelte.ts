/**
 * Editing key sites on the map (planners and administrators; the server decides, the UI only hides
 * the buttons from others): the site being added or reshaped, the geometry Terra Draw captured, and
 * the calls to POST / PATCH / DELETE /api/sites.
 */
import type { Geometry } from 'geojson';
import { session } from '../auth/session.svelte';
import { ApiError, request } from '../lib/api';
import type { SiteDetail } from '../lib/types';
import type { RuleRun } from '../rules/rules-api';

export type SiteGeometryKind = 'point' | 'line' | 'polygon';
/** What the map's Terra Draw layer is doing for the site editor. */
export type SiteDrawTask =
  | { kind: 'draw'; geometryKind: SiteGeometryKind }
  | { kind: 'reshape'; siteId: number; geometry: Geometry };

export type EditedSite = SiteDetail & { properties: SiteDetail['properties'] & { version: number; updatedAt: string }; violations: { features: RuleRun['features'] } | null };

export interface SiteInput {
  category: string;
  name: string;
  geometry: Geometry;
  attrs?: Record<string, unknown>;
}

export const sitesApi = {
  create: (body: SiteInput) => request<EditedSite>('POST', '/api/sites', { body }),
  update: (id: number, body: Partial<SiteInput> & { version?: number }) => request<EditedSite>('PATCH', `/api/sites/${id}`, { body }),
  remove: (id: number, version?: number) => request<void>('DELETE', `/api/sites/${id}`, { query: { version } }),
};

export const isConflict = (e: unknown) => e instanceof ApiError && e.status === 409;

class SiteEdit {
  /** The add form is open (in the layer panel). */
  adding = $state(false);
  /** The gesture the map layer serves; null when no site is being drawn or reshaped. */
  task = $state.raw<SiteDrawTask | null>(null);
  /** The geometry the last gesture produced (a new footprint, or the reshaped one). */
  geometry = $state.raw<Geometry | null>(null);

  get canEdit(): boolean {
    return !!session.user?.may.editSites;
  }

  startDraw(geometryKind: SiteGeometryKind): void {
    this.geometry = null;
    this.task = { kind: 'draw', geometryKind };
  }

  startReshape(siteId: number, geometry: Geometry): void {
    this.geometry = null;
    this.task = { kind: 'reshape', siteId, geometry };
  }

  stop(): void {
    this.task = null;
    this.geometry = null;
  }
}

export const siteEdit = new SiteEdit();
