import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { writeAudit } from '../audit/audit.repository.ts';
import type { GeoJsonGeometry } from '../db/geo.ts';
import { validateCoverage, validationThresholds } from '../grids/validation.repository.ts';
import type { AuthUser } from '../http/env.ts';
import { problem } from '../http/problem.ts';
import {
  assertValidPolygon, drawnGeometry, importedGeometries, mergedGeometry, reshapedGeometries, splitParts, villageOf,
} from './plan-geometry.repository.ts';
import {
  type Changeset, type PlanGridRow, applyChangeset, countVillageGrids, discardPlanRow, getPlanRow, gridIdsInVillages, idsByAreaDesc,
  insertPlan, lockPlan, newPlanGridIds, nextOperation, openDraftsOverlapping, operationCounts, planGrids, planRegion, recordOperation,
  setOperationUndone, snapshot, touchPlan, userName,
} from './plans.repository.ts';
import { numericSetting } from '../settings/settings.repository.ts';

type Db = Kysely<Database>;

async function audit(db: Db, user: AuthUser, action: string, planId: number, regionCode: string, after: unknown) {
  await writeAudit(db, { actorId: user.id, action, entity: 'plan', entityId: planId, regionCode, after });
}

/** Opens a draft for a village or township. One open draft per subtree: another is a 409 naming its holder. */
export async function createPlan(db: Db, user: AuthUser, regionCode: string, name: string) {
  const region = await planRegion(db, regionCode);
  if (!region) throw problem('region.not-found');
  if (region.level === 'county') throw problem('plan.whole-county');
  const open = await openDraftsOverlapping(db, region.prefix);
  if (open.length) {
    const o = open[0];
    throw problem('plan.area-taken', { planId: Number(o.id), scopeCode: o.scopeCode, lockedBy: o.lockedByName },
      { planId: Number(o.id), lockedBy: o.lockedByName, lockExpiresAt: new Date(o.lockExpiresAt).toISOString() });
  }
  const id = await insertPlan(db, region.code, region.prefix, name || `${region.name}网格调整`, user.id, await numericSetting(db, 'plans.lockMinutes', 120));
  await audit(db, user, 'plan.create', id, region.code, { name });
  return id;
}

/** The draft as the planner sees it: its grids with workload figures, and the live validation. */
export async function planView(db: Db, id: number) {
  const plan = await getPlanRow(db, id);
  if (!plan) throw problem('plan.not-found');
  const norms = {
    urban: await numericSetting(db, 'workload.targetHouseholds.urban', 300),
    rural: await numericSetting(db, 'workload.targetHouseholds.rural', 150),
    tolerance: await numericSetting(db, 'workload.tolerance', 0.4),
  };
  const grids = await planGrids(db, id, norms);
  const problems = await validateCoverage(db, plan.scopePrefix, await validationThresholds(db), id);
  const ops = await operationCounts(db, id);
  const count = (undone: boolean) => (undone ? ops.undone : ops.done);
  const kinds = (k: string) => problems.filter((p) => p.kind === k).length;
  return {
    id: Number(plan.id), scopeCode: plan.scopeCode, scopeName: plan.scopeName, name: plan.name, status: plan.status, norms,
    version: plan.version, lockedBy: { id: plan.lockedById, name: plan.lockedByName },
    lockExpiresAt: new Date(plan.lockExpiresAt).toISOString(), canUndo: count(false) > 0, canRedo: count(true) > 0,
    grids: { type: 'FeatureCollection' as const, features: grids.map(({ geometry, ...p }) => ({
      type: 'Feature' as const, id: Number(p.id), geometry,
      properties: { ...p, id: Number(p.id), sourceGridId: p.sourceGridId === null ? null : Number(p.sourceGridId) },
    })) },
    validation: {
      summary: { gaps: kinds('gap'), overlaps: kinds('overlap'), outside: kinds('outside'), multipart: kinds('multipart'),
        slivers: problems.filter((p) => p.sliver).length, publishable: kinds('gap') + kinds('overlap') + kinds('outside') === 0 },
      problems: { type: 'FeatureCollection' as const, features: problems.map(({ geometry, ...properties }, i) => ({
        type: 'Feature' as const, id: i + 1, geometry, properties })) },
    },
  };
}

/**
 * Checks that the caller may edit the draft now: it is open, the version they edited is current
 * (else 409), and they hold its lock or the lock has expired (then they take it over).
 */
async function editable(db: Db, user: AuthUser, id: number, version?: number) {
  const plan = await lockPlan(db, id);
  if (!plan) throw problem('plan.not-found');
  if (plan.status !== 'draft') throw problem('plan.not-draft', { planId: id, status: plan.status });
  if (version !== undefined && version !== plan.version) {
    throw problem('plan.stale-version', { planId: id, currentVersion: plan.version, version },
      { currentVersion: plan.version });
  }
  if (plan.lockedBy !== user.id && new Date(plan.lockExpiresAt) > new Date()) {
    const holder = { name: await userName(db, plan.lockedBy) };
    throw problem('plan.locked', { planId: id, lockedBy: holder.name, lockExpiresAt: new Date(plan.lockExpiresAt).toISOString() },
      { lockedBy: holder.name, lockExpiresAt: new Date(plan.lockExpiresAt).toISOString() });
  }
  return plan;
}

async function touch(db: Db, user: AuthUser, id: number) {
  const minutes = await numericSetting(db, 'plans.lockMinutes', 120);
  await touchPlan(db, id, user.id, minutes);
}

type Kind = 'draw' | 'reshape' | 'split' | 'merge' | 'delete' | 'rename' | 'import';

/** Runs one edit: computes its changeset, stores it with its inverse, applies it, clears redo. */
async function operate(db: Db, user: AuthUser, id: number, version: number | undefined, kind: Kind,
  compute: (plan: NonNullable<Awaited<ReturnType<typeof lockPlan>>>) => Promise<Changeset>) {
  const plan = await editable(db, user, id, version);
  const forward = await compute(plan);
  const existing = new Set((await snapshot(db, id, [...forward.del, ...forward.put.map((r) => r.id)])).map((r) => r.id));
  const inverse: Changeset = {
    put: await snapshot(db, id, [...existing]),
    del: forward.put.map((r) => r.id).filter((rid) => !existing.has(rid)),
  };
  await applyChangeset(db, id, forward);
  await recordOperation(db, id, { kind, actorId: user.id, forward, inverse });
  await touch(db, user, id);
  await audit(db, user, `plan.${kind}`, id, plan.scopeCode, { put: forward.put.map((r) => r.id), del: forward.del });
}

async function gridOf(db: Db, planId: number, gridId: number) {
  const [row] = await snapshot(db, planId, [gridId]);
  if (!row) throw problem('plan-grid.not-found');
  return row;
}

const snapTolerance = (db: Db) => numericSetting(db, 'plans.snapToleranceM', 2);

export async function drawGrid(db: Db, user: AuthUser, id: number, input: { geometry: GeoJsonGeometry; villageCode?: string; name?: string; version?: number }) {
  await operate(db, user, id, input.version, 'draw', async (plan) => {
    await assertValidPolygon(db, input.geometry);
    const village = input.villageCode ?? await villageOf(db, id, plan.scopePrefix, input.geometry);
    if (!village || !(village >= plan.scopePrefix && village < `${plan.scopePrefix}:`)) {
      throw problem('plan-grid.outside-villages');
    }
    const geometry = await drawnGeometry(db, id, village, input.geometry, await snapTolerance(db));
    if (!geometry) throw problem('grid.empty-after-clip');
    const [newId] = await newPlanGridIds(db, 1);
    const count = await countVillageGrids(db, id, village);
    return { put: [{ id: newId, sourceGridId: null, name: input.name ?? `新网格${count + 1}`, villageCode: village, geometry }], del: [] };
  });
}

export async function reshapeGrid(db: Db, user: AuthUser, id: number, gridId: number,
  input: { geometry?: GeoJsonGeometry; name?: string; follow?: boolean; version?: number }) {
  await operate(db, user, id, input.version, input.geometry ? 'reshape' : 'rename', async () => {
    const grid = await gridOf(db, id, gridId);
    const name = input.name ?? grid.name;
    if (!input.geometry) return { put: [{ ...grid, name }], del: [] };
    await assertValidPolygon(db, input.geometry);
    const tolerance = await snapTolerance(db);
    if (input.follow === false) {
      // "disconnect": only this grid changes; it cannot take area from its neighbours
      const geometry = await drawnGeometry(db, id, grid.villageCode, input.geometry, tolerance, gridId);
      if (!geometry) throw problem('grid.reshape-empty-after-clip');
      return { put: [{ ...grid, name, geometry }], del: [] };
    }
    const changes = await reshapedGeometries(db, id, gridId, grid.villageCode, input.geometry, tolerance);
    const rows = await snapshot(db, id, changes.map((c) => c.id));
    const byId = new Map(rows.map((r) => [r.id, r]));
    return {
      put: changes.filter((c) => c.geometry).map((c) => ({ ...byId.get(c.id)!, ...(c.id === gridId ? { name } : {}), geometry: c.geometry! })),
      del: changes.filter((c) => !c.geometry).map((c) => c.id),
    };
  });
}

export async function splitGrid(db: Db, user: AuthUser, id: number, input: { gridId: number; line: GeoJsonGeometry; version?: number }) {
  await operate(db, user, id, input.version, 'split', async () => {
    const grid = await gridOf(db, id, input.gridId);
    const parts = await splitParts(db, id, input.gridId, input.line, await snapTolerance(db));
    if (parts.length < 2) throw problem('grid.split-line-misses');
    const ids = await newPlanGridIds(db, parts.length - 1);
    // the largest part stays the grid; the others derive from the same published grid
    const put: PlanGridRow[] = parts.map((geometry, i) => ({
      ...grid, id: i === 0 ? grid.id : ids[i - 1], name: i === 0 ? grid.name : `${grid.name}-${i + 1}`,
      geometry: { type: 'MultiPolygon', coordinates: [(geometry.coordinates as unknown[])] },
    }));
    return { put, del: [] };
  });
}

export async function mergeGrids(db: Db, user: AuthUser, id: number, input: { gridIds: number[]; version?: number }) {
  await operate(db, user, id, input.version, 'merge', async () => {
    const grids = await snapshot(db, id, input.gridIds);
    if (grids.length !== new Set(input.gridIds).size) throw problem('plan-grid.not-found');
    const merged = await mergedGeometry(db, id, input.gridIds);
    if (merged.villages > 1) throw problem('grid.merge-across-villages');
    if (merged.parts > 1) throw problem('grid.merge-not-adjacent');
    // the largest grid survives (keeping its lineage); the others are removed
    const [largest] = await idsByAreaDesc(db, id, input.gridIds);
    const keep = grids.find((g) => g.id === largest)!;
    return { put: [{ ...keep, geometry: merged.geometry }], del: grids.filter((g) => g !== keep).map((g) => g.id) };
  });
}

export async function deleteGrid(db: Db, user: AuthUser, id: number, gridId: number, version?: number) {
  await operate(db, user, id, version, 'delete', async () => {
    await gridOf(db, id, gridId);
    return { put: [], del: [gridId] };
  });
}

/**
 * Imports a grid layer (e.g. exported from a legacy system) into the draft: each feature goes to the
 * village holding most of it; with `replace`, the draft's grids of those villages are removed first.
 * Any bad feature refuses the whole import with a row-by-row report; the import itself is one
 * undoable operation.
 */
export async function importGrids(db: Db, user: AuthUser, id: number,
  input: { features: Array<{ geometry: GeoJsonGeometry; properties?: Record<string, unknown> | null }>; replace?: boolean; version?: number }) {
  await operate(db, user, id, input.version, 'import', async (plan) => {
    const rows = await importedGeometries(db, id, plan.scopePrefix, input.features.map((f) => f.geometry));
    const errors = rows.filter((r) => r.error).map((r) => ({ feature: r.index, ...r.error! }));
    if (errors.length) {
      throw problem('plan.import-invalid-features', { invalid: errors.length, total: rows.length }, { errors });
    }
    const villages = [...new Set(rows.map((r) => r.villageCode!))];
    const del = input.replace === false ? [] : await gridIdsInVillages(db, id, villages);
    const ids = await newPlanGridIds(db, rows.length);
    const nameOf = (p: Record<string, unknown> | null | undefined, i: number) =>
      String(p?.name ?? p?.['名称'] ?? p?.NAME ?? `导入网格${i + 1}`).slice(0, 100);
    return {
      put: rows.map((r, i) => ({ id: ids[i], sourceGridId: null, name: nameOf(input.features[i].properties, i), villageCode: r.villageCode!, geometry: r.geometry! })),
      del,
    };
  });
}

/** Undo replays the inverse of the latest operation; redo replays the forward of the earliest undone one. */
export async function undoRedo(db: Db, user: AuthUser, id: number, direction: 'undo' | 'redo', version?: number) {
  const plan = await editable(db, user, id, version);
  const op = await nextOperation(db, id, direction);
  if (!op) throw problem(direction === 'undo' ? 'plan.nothing-to-undo' : 'plan.nothing-to-redo');
  const change = (direction === 'undo' ? op.inverse : op.forward) as Changeset;
  await applyChangeset(db, id, change);
  await setOperationUndone(db, op.id, direction === 'undo');
  await touch(db, user, id);
  await audit(db, user, `plan.${direction}`, id, plan.scopeCode, { operation: Number(op.id), kind: op.kind });
}

export async function discardPlan(db: Db, user: AuthUser, id: number) {
  const plan = await editable(db, user, id);
  await discardPlanRow(db, id);
  await audit(db, user, 'plan.discard', id, plan.scopeCode, null);
}
