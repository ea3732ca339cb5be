/**
 * The open draft plan and what the planner is doing with it. Every edit goes to the server with the
 * draft's version; the answer (the whole draft, clipped and validated by PostGIS) replaces the state.
 */
import type { Feature, LineString, MultiPolygon, Point, Polygon } from 'geojson';
import { tick } from 'svelte';
import { t } from '../i18n/i18n.svelte';
import { ApiError, api, call } from '../lib/api';
import { problemText, rowErrorText } from '../lib/problem-text';
import { loadJson, saveJson } from '../lib/storage';
import { toasts } from '../lib/toast.svelte';
import type { BBox } from '../map/geo';
import { geometryBBox } from '../map/geo';
import { mapController } from '../map/map-controller.svelte';
import { selection } from '../panels/selection.svelte';
import { levelOfCode } from '../regions/codes';
import { regionNav } from '../regions/region-nav.svelte';
import { type NormStatus, planApi, type PlanGrid, type PlanPreview, type PlanView } from './plan-api';

/** What a click or drag on the map does while a draft is open. */
export type Tool = 'select' | 'draw' | 'split' | 'reshape';

export interface PlanConflict {
  region: string;
  planId: number;
  lockedBy: string;
  lockExpiresAt: string;
}

export interface WorkloadRow {
  id: number;
  name: string;
  code: string | null;
  villageCode: string;
  villageName: string;
  households: number;
  population: number;
  areaKm2: number;
  /** Key sites inside, by category code, and their total. */
  sites: Record<string, number>;
  sitesTotal: number;
  incidents12m: number;
  status: NormStatus;
}

/** A feature of an imported layer the server refused, and why. */
export interface ImportError {
  feature: number;
  message: string;
  code?: string;
  params?: Record<string, unknown>;
}

/** The Polygon/MultiPolygon features of a GeoJSON document (a FeatureCollection, a Feature or a bare geometry). */
export function polygonFeatures(doc: unknown): Feature<Polygon | MultiPolygon>[] {
  const d = doc as { type?: string; features?: unknown[]; geometry?: unknown } | null;
  const list: unknown[] = d?.type === 'FeatureCollection' && Array.isArray(d.features) ? d.features
    : d?.type === 'Feature' ? [d]
    : d?.type ? [{ type: 'Feature', geometry: d, properties: {} }] : [];
  return list.filter((f): f is Feature<Polygon | MultiPolygon> => {
    const g = (f as Feature | null)?.geometry;
    return (f as Feature | null)?.type === 'Feature' && !!g && (g.type === 'Polygon' || g.type === 'MultiPolygon');
  }).map((f) => ({ type: 'Feature', geometry: f.geometry, properties: f.properties ?? {} }));
}

const STORAGE_KEY = 'pingan.plan';

/** The problem members an error answer may carry beyond title and detail. */
function problemPoint(e: ApiError): Point | null {
  const loc = e.problem.location as Point | undefined;
  return loc && loc.type === 'Point' && Array.isArray(loc.coordinates) ? loc : null;
}

/** A message for an error answer, in the UI language (lib/problem-text.ts). */
export function errorText(e: unknown): string {
  return problemText(e);
}

class Planning {
  plan = $state.raw<PlanView | null>(null);
  /** Villages of the draft's area: name and whether urban (sets the workload norm). */
  villages = $state.raw<Map<string, { name: string; urban: boolean }>>(new Map());
  conflict = $state.raw<PlanConflict | null>(null);
  opening = $state(false);
  busy = $state(false);
  tool = $state<Tool>('select');
  /** Plan grid ids the planner picked (one for split, reshape, rename, delete; two or more for merge). */
  selected = $state.raw<number[]>([]);
  /** Reshape: neighbours follow a moved boundary (false = "disconnect"). */
  follow = $state(true);
  /** Where the server found the drawn geometry invalid. */
  errorLocation = $state.raw<Point | null>(null);
  /** What the planner last drew (a grid or a split line), kept beside the server's answer to compare. */
  sketch = $state.raw<Polygon | LineString | null>(null);
  preview = $state.raw<PlanPreview | null>(null);
  previewOpen = $state(false);
  /** Assignments the planner unticked in the preview: they end rather than move to the new grid version. */
  endAssignments = $state.raw<ReadonlySet<number>>(new Set());
  previewLoading = $state(false);
  publishing = $state(false);
  /** The rows of the last import the server refused (422), shown in the panel until the next edit. */
  importErrors = $state.raw<ImportError[]>([]);

  readonly workload = $derived.by<WorkloadRow[]>(() => {
    const plan = this.plan;
    if (!plan) return [];
    return plan.grids.features
      .map((f) => {
        const p = f.properties;
        const village = this.villages.get(p.villageCode);
        return {
          id: p.id,
          name: p.name,
          code: p.sourceCode,
          villageCode: p.villageCode,
          villageName: village?.name ?? p.villageCode,
          households: p.households ?? 0,
          population: p.population ?? 0,
          areaKm2: (p.areaM2 ?? 0) / 1e6,
          sites: p.sites ?? {},
          sitesTotal: Object.values(p.sites ?? {}).reduce((a, b) => a + b, 0),
          incidents12m: p.incidents12m ?? 0,
          status: p.normStatus,
        };
      })
      .sort((a, b) => b.households - a.households);
  });

  readonly problemCount = $derived.by(() => {
    const s = this.plan?.validation.summary;
    return s ? s.gaps + s.overlaps + s.outside + s.multipart + s.slivers : 0;
  });

  /** Opens a new draft for a village or township; a 409 offers the existing draft instead. */
  async start(region: string): Promise<void> {
    if (this.opening) return;
    this.opening = true;
    this.conflict = null;
    try {
      await this.#open(await planApi.create(region));
    } catch (e) {
      if (e instanceof ApiError && e.status === 409 && typeof e.problem.planId === 'number') {
        this.conflict = {
          region,
          planId: e.problem.planId,
          lockedBy: String(e.problem.lockedBy ?? ''),
          lockExpiresAt: String(e.problem.lockExpiresAt ?? ''),
        };
      } else {
        toasts.show(errorText(e), 'error');
      }
    } finally {
      this.opening = false;
    }
  }

  /** Opens an existing draft (after a 409, or the one open when the page was last left). */
  async resume(planId: number, quiet = false): Promise<void> {
    this.opening = true;
    try {
      const view = await planApi.get(planId);
      if (view.status !== 'draft') throw new ApiError(409, { title: t('plan.notDraft') });
      this.conflict = null;
      await this.#open(view);
    } catch (e) {
      saveJson(STORAGE_KEY, null);
      if (!quiet) toasts.show(errorText(e), 'error');
    } finally {
      this.opening = false;
    }
  }

  /** The draft remembered from the last visit, reopened if it is still a draft. */
  async restore(): Promise<void> {
    const id = loadJson<number | null>(STORAGE_KEY);
    if (typeof id === 'number' && !this.plan) await this.resume(id, true);
  }

  async #open(view: PlanView): Promise<void> {
    selection.clear();
    this.villages = await this.#loadVillages(view.scopeCode);
    this.tool = 'select';
    this.selected = [];
    this.follow = true;
    this.errorLocation = null;
    this.sketch = null;
    this.preview = null;
    this.previewOpen = false;
    this.importErrors = [];
    this.plan = view;
    saveJson(STORAGE_KEY, view.id);
    // the navigator shows the draft's area (a draft reopened after a reload starts at the user's scope)
    if (regionNav.current?.properties.code !== view.scopeCode) void regionNav.open(view.scopeCode, { fit: false });
    // the map fits itself to the draft when its layers arrive (PlanMapLayers), which may be after a reload
  }

  async #loadVillages(scope: string): Promise<Map<string, { name: string; urban: boolean }>> {
    try {
      if (levelOfCode(scope) === 'village') {
        const r = await call(api.regions[':code'].$get({ param: { code: scope } }));
        return new Map([[scope, { name: r.properties.name, urban: r.properties.urban }]]);
      }
      const fc = await call(api.regions.$get({ query: { parent: scope, geometry: 'false' } }));
      return new Map(fc.features.map((f) => [f.properties.code, { name: f.properties.name, urban: f.properties.urban }]));
    } catch {
      // Without region facts the grids still show; the norm falls back to rural.
      return new Map();
    }
  }

  /** Leaves the planning view; the draft stays open on the server (and locked) for later. */
  close(): void {
    this.plan = null;
    this.conflict = null;
    this.selected = [];
    this.tool = 'select';
    this.errorLocation = null;
    this.sketch = null;
    this.preview = null;
    this.previewOpen = false;
    this.importErrors = [];
    saveJson(STORAGE_KEY, null);
  }

  /** Fits the map to the draft's grids (the region's boundary may be missing, or not loaded yet). */
  fitPlan(): void {
    const plan = this.plan;
    if (!plan) return;
    const boxes = plan.grids.features.map((f) => geometryBBox(f.geometry)).filter((b): b is BBox => !!b);
    const b: BBox | null = boxes.length
      ? [Math.min(...boxes.map((x) => x[0])), Math.min(...boxes.map((x) => x[1])), Math.max(...boxes.map((x) => x[2])), Math.max(...boxes.map((x) => x[3]))]
      : mapController.regionBBox(plan.scopeCode);
    if (b) mapController.fitBBox(b, 17);
  }

  grid(id: number): PlanGrid | undefined {
    return this.plan?.grids.features.find((f) => f.properties.id === id);
  }

  /** Click on a grid: picks it, or with `add` toggles it in the selection (for merging). */
  pick(id: number | null, add = false): void {
    if (id === null) {
      if (!add) this.selected = [];
      return;
    }
    if (add) this.selected = this.selected.includes(id) ? this.selected.filter((x) => x !== id) : [...this.selected, id];
    else this.selected = [id];
  }

  setTool(tool: Tool): void {
    this.tool = this.tool === tool ? 'select' : tool;
    if ((this.tool === 'split' || this.tool === 'reshape') && this.selected.length > 1) this.selected = [this.selected[0]];
  }

  /**
   * Runs one edit against the server. A stale version reloads the draft; invalid geometry is shown
   * where the server found it. Answers whether the edit went through.
   */
  async #edit(
    call: (id: number, version: number) => Promise<PlanView>,
    done?: (before: PlanView, after: PlanView) => string | null,
    sketch: Polygon | LineString | null = null,
    /** Answers whether it showed the error itself. */
    failed?: (e: ApiError) => boolean,
  ): Promise<boolean> {
    const plan = this.plan;
    if (!plan || this.busy) return false;
    this.busy = true;
    this.sketch = sketch;
    try {
      const view = await call(plan.id, plan.version);
      if (this.plan?.id !== plan.id) return false;
      this.errorLocation = null;
      this.#apply(view);
      const msg = done?.(plan, view);
      if (msg) toasts.show(msg, 'success');
      return true;
    } catch (e) {
      if (e instanceof ApiError) {
        this.errorLocation = problemPoint(e);
        if (e.status === 409 && typeof e.problem.currentVersion === 'number') {
          toasts.show(t('plan.stale'), 'error');
          await this.reload();
          return false;
        }
        if (e.status === 404 && this.plan) {
          await this.reload();
        }
        if (failed?.(e)) return false;
      }
      toasts.show(errorText(e), 'error');
      return false;
    } finally {
      this.busy = false;
    }
  }

  #apply(view: PlanView): void {
    this.importErrors = [];
    const ids = new Set(view.grids.features.map((f) => f.properties.id));
    this.selected = this.selected.filter((id) => ids.has(id));
    this.plan = view;
    this.preview = null;
  }

  async reload(): Promise<void> {
    const plan = this.plan;
    if (!plan) return;
    try {
      this.#apply(await planApi.get(plan.id));
    } catch (e) {
      toasts.show(errorText(e), 'error');
    }
  }

  /** A drawn polygon: the server snaps and clips it; the message compares what came back with what was drawn. */
  draw(geometry: Polygon, drawnM2: number): Promise<boolean> {
    return this.#edit(
      (id, v) => planApi.draw(id, v, geometry),
      (before, after) => {
        const old = new Set(before.grids.features.map((f) => f.properties.id));
        const added = after.grids.features.find((f) => !old.has(f.properties.id));
        if (!added) return null;
        this.selected = [added.properties.id];
        const kept = added.properties.areaM2;
        return kept < drawnM2 * 0.98
          ? t('plan.drawnClipped', { name: added.properties.name, pct: Math.round((kept / drawnM2) * 100) })
          : t('plan.drawnAdded', { name: added.properties.name });
      },
      geometry,
    );
  }

  split(line: LineString): Promise<boolean> {
    const gid = this.selected[0];
    if (gid === undefined) return Promise.resolve(false);
    return this.#edit((id, v) => planApi.split(id, v, gid, line), (_b, after) => {
      const parts = after.grids.features.length - _b.grids.features.length + 1;
      return t('plan.splitDone', { n: parts });
    }, line);
  }

  merge(): Promise<boolean> {
    const ids = [...this.selected];
    if (ids.length < 2) return Promise.resolve(false);
    return this.#edit((id, v) => planApi.merge(id, v, ids), (_b, after) => {
      const kept = ids.find((g) => after.grids.features.some((f) => f.properties.id === g));
      if (kept !== undefined) this.selected = [kept];
      return t('plan.mergeDone', { n: ids.length });
    });
  }

  reshape(gid: number, geometry: Polygon): Promise<boolean> {
    const follow = this.follow;
    return this.#edit((id, v) => planApi.patch(id, v, gid, { geometry, follow }), () =>
      follow ? t('plan.reshapeDone') : t('plan.reshapeDisconnected'),
    );
  }

  rename(gid: number, name: string): Promise<boolean> {
    return this.#edit((id, v) => planApi.patch(id, v, gid, { name }));
  }

  remove(gid: number): Promise<boolean> {
    return this.#edit((id, v) => planApi.remove(id, v, gid), () => t('plan.deleteDone'));
  }

  /**
   * Imports a grid layer from a file: GeoJSON (.geojson/.json) or a zipped Shapefile (.zip). The grids of
   * the villages it covers are replaced; the server's validation report then shows as after any edit.
   * Features the server refuses (422) are listed in the panel.
   */
  async importFile(file: File): Promise<boolean> {
    if (!this.plan || this.busy) return false;
    this.importErrors = [];
    let call: (id: number, version: number) => Promise<PlanView>;
    if (/\.zip$/i.test(file.name) || file.type === 'application/zip') {
      call = (id, v) => planApi.importShapefile(id, v, file);
    } else {
      let features: Feature<Polygon | MultiPolygon>[];
      try {
        features = polygonFeatures(JSON.parse(await file.text()));
      } catch {
        // the browser's parser message is English whatever the interface language: say what is expected instead
        toasts.show(t('plan.importBadFile'), 'error');
        return false;
      }
      if (!features.length) {
        toasts.show(t('plan.importNoPolygons'), 'error');
        return false;
      }
      call = (id, v) => planApi.importGeoJson(id, v, features);
    }
    const ok = await this.#edit(call, (_b, after) => t('plan.importDone', { n: after.grids.features.length }), null, (e) => {
      const errors = Array.isArray(e.problem.errors) ? (e.problem.errors as ImportError[]) : [];
      if (e.status !== 422 || !errors.length) return false;
      this.importErrors = errors;
      const rows = errors.slice(0, 3).map((r) => t('plan.importRow', { n: r.feature + 1, message: rowErrorText(r) }));
      toasts.show([t('plan.importFailed', { n: errors.length }), ...rows].join('\n'), 'error', 10000);
      return true;
    });
    return ok;
  }

  undo(): Promise<boolean> {
    if (!this.plan?.canUndo) return Promise.resolve(false);
    return this.#edit((id, v) => planApi.undo(id, v), () => t('plan.undone'));
  }

  redo(): Promise<boolean> {
    if (!this.plan?.canRedo) return Promise.resolve(false);
    return this.#edit((id, v) => planApi.redo(id, v), () => t('plan.redone'));
  }

  async openPreview(): Promise<void> {
    const plan = this.plan;
    if (!plan) return;
    this.previewOpen = true;
    this.previewLoading = true;
    this.endAssignments = new Set();
    try {
      this.preview = await planApi.preview(plan.id);
    } catch (e) {
      toasts.show(errorText(e), 'error');
      this.previewOpen = false;
    } finally {
      this.previewLoading = false;
    }
  }

  /** Ticks or unticks whether a member of a changed grid moves with it. */
  toggleCarry(assignmentId: number): void {
    const next = new Set(this.endAssignments);
    if (!next.delete(assignmentId)) next.add(assignmentId);
    this.endAssignments = next;
  }

  async publish(): Promise<void> {
    const plan = this.plan;
    if (!plan || !plan.validation.summary.publishable || this.publishing) return;
    this.publishing = true;
    try {
      const r = await planApi.publish(plan.id, [...this.endAssignments]);
      toasts.show(t('plan.published', {
        closed: r.closed, inserted: r.inserted, sites: r.sitesRehomed, incidents: r.incidentsRehomed,
      }), 'success', 9000);
      this.close();
      // after the draft's layers have left the map and the published grids' filters are back
      await tick();
      mapController.reloadTiles();
      // The navigator's grid list and counts come from the published grids.
      const current = regionNav.current?.properties.code;
      if (current) void regionNav.open(current, { fit: false });
    } catch (e) {
      toasts.show(errorText(e), 'error');
      this.previewOpen = false;
      await this.reload();
    } finally {
      this.publishing = false;
    }
  }

  async discard(): Promise<void> {
    const plan = this.plan;
    if (!plan) return;
    try {
      await planApi.discard(plan.id);
      toasts.show(t('plan.discarded'), 'info');
      this.close();
    } catch (e) {
      toasts.show(errorText(e), 'error');
    }
  }
}

export const planning = new Planning();
