import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { writeAudit } from '../audit/audit.repository.ts';
import { validateCoverage, validationThresholds } from '../grids/validation.repository.ts';
import type { AuthUser } from '../http/env.ts';
import { problem } from '../http/problem.ts';
import {
  applyPublish, currentGridIds, currentMembersOf, markPublished, openIncidentsAfterPublish, planForPreview, previewOutcomes,
  sitesAfterPublish,
} from './plans.publish.repository.ts';
import { lockPlan } from './plans.repository.ts';

type Db = Kysely<Database>;

export async function previewPlan(db: Db, planId: number) {
  const plan = await planForPreview(db, planId);
  if (!plan) throw problem('plan.not-found');
  const grids = await previewOutcomes(db, planId);
  const removedIds = new Set(grids.rows.filter((g) => g.outcome === 'removed').map((g) => Number(g.gridId)));
  const touched = grids.rows.filter((g) => g.outcome === 'changed' || g.outcome === 'removed').map((g) => Number(g.gridId));
  // members of changed grids are carried to the new version; those of removed grids end
  const members = (await currentMembersOf(db, touched))
    .map((m) => ({ assignmentId: Number(m.assignmentId), personId: Number(m.personId), name: m.name, duty: m.duty, gridCode: m.gridCode,
      outcome: removedIds.has(Number(m.gridId)) ? 'ends' as const : 'carried' as const }));
  // sites and open incidents whose grid code would differ after publishing
  const sites = await sitesAfterPublish(db, planId);
  const incidents = await openIncidentsAfterPublish(db, planId);
  const moved = <T extends { fromCode: string; toCode: string | null }>(rows: T[]) => rows.filter((r) => r.fromCode !== r.toCode);
  const count = (o: string) => grids.rows.filter((g) => g.outcome === o).length;
  return {
    summary: { unchanged: count('unchanged'), changed: count('changed'), added: count('added'), removed: count('removed') },
    grids: grids.rows.filter((g) => g.outcome !== 'unchanged').map((g) => ({
      ...g, planGridId: g.planGridId === null ? null : Number(g.planGridId), gridId: g.gridId === null ? null : Number(g.gridId) })),
    members,
    sitesMoving: moved(sites.rows).map((s) => ({ ...s, id: Number(s.id) })),
    incidentsMoving: moved(incidents.rows).map((i) => ({ ...i, id: Number(i.id) })),
  };
}

/**
 * Publishes a draft atomically (the request's transaction): requires no gaps, overlaps or parts
 * outside villages, and that the published grids are still those the draft started from (else 409
 * naming what changed). Closes the old versions, inserts new ones with recounted households, re-homes
 * sites and open incidents (closed ones keep their historical grid), carries members of changed
 * grids (but those the planner unticked in the preview, `endAssignmentIds`), ends those of removed
 * grids, and records it all in the audit log.
 */
export async function publishPlan(db: Db, user: AuthUser, planId: number, options: { endAssignmentIds?: number[] } = {}) {
  const ended = options.endAssignmentIds ?? [];
  const plan = await lockPlan(db, planId);
  if (!plan) throw problem('plan.not-found');
  const problems = await validateCoverage(db, plan.scopePrefix, await validationThresholds(db), planId);
  const blocking = problems.filter((p) => p.kind === 'gap' || p.kind === 'overlap' || p.kind === 'outside');
  if (blocking.length) {
    throw problem('plan.blocking-problems', { count: blocking.length },
      { problems: blocking.map(({ geometry: _g, ...p }) => p) });
  }
  const current = await currentGridIds(db, plan.scopePrefix);
  const base = new Set(plan.baseGridIds.map(Number));
  const appeared = current.filter((id) => !base.has(id));
  const vanished = [...base].filter((id) => !current.includes(id));
  if (appeared.length || vanished.length) {
    throw problem('plan.base-changed', {},
      { appearedGridIds: appeared, vanishedGridIds: vanished });
  }

  const { closing, inserted, sitesRehomed, incidentsRehomed } = await applyPublish(db, planId, plan.scopePrefix, ended);
  await markPublished(db, planId, plan.version + 1);
  const summary = {
    closed: closing.length, inserted: inserted.length, sitesRehomed, incidentsRehomed,
  };
  await writeAudit(db, { actorId: user.id, action: 'plan.publish', entity: 'plan', entityId: planId,
    regionCode: plan.scopeCode, after: { ...summary, newGrids: inserted } });
  return summary;
}
