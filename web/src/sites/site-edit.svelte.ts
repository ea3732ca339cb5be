/**
 * Editing key sites on the map (planners and administrators; the server decides, the UI only hides
 * the buttons from others): the site being added or reshaped, the geometry Terra Draw captured, and
 * the calls to POST / PATCH / DELETE /api/sites.
 */
import type { Geometry } from 'geojson';
import { session } from '../auth/session.svelte';
import type { SiteGeometryKind as AnySiteGeometryKind } from '../../../server/domain/enums';
import { ApiError, api, call, type Answer, type Args } from '../lib/api';
import { asRuleRun } from '../rules/rules-api';

/** The kinds a site is drawn as (a category of kind `any` offers all three). */
export type SiteGeometryKind = Exclude<AnySiteGeometryKind, 'any'>;
/** What the map's Terra Draw layer is doing for the site editor. */
export type SiteDrawTask =
  | { kind: 'draw'; geometryKind: SiteGeometryKind }
  | { kind: 'reshape'; siteId: number; geometry: Geometry };

export type EditedSite = Answer<typeof api.sites.$post>;

type SiteBody = Args<typeof api.sites.$post>['json'];
/** A site as the form sends it: the drawn geometry is GeoJSON, which the server validates against the category. */
export type SiteInput = Omit<SiteBody, 'geometry'> & { geometry: Geometry };

export const sitesApi = {
  /** The rules this site breaks right now (declared open by the route: read as a rule run's features). */
  violations: (id: number) => call(api.sites[':id'].violations.$get({ param: { id: String(id) } })).then(asRuleRun),
  create: (body: SiteInput) => call(api.sites.$post({ json: body as SiteBody })),
  update: (id: number, body: Partial<SiteInput> & { version?: number }) =>
    call(api.sites[':id'].$patch({ param: { id: String(id) }, json: body as Args<(typeof api.sites)[':id']['$patch']>['json'] })),
  remove: (id: number, version?: number) =>
    call(api.sites[':id'].$delete({ param: { id: String(id) }, query: { version: version === undefined ? undefined : String(version) } })),
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
