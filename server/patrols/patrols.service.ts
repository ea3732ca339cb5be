import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { writeAudit } from '../audit/audit.repository.ts';
import { assertCapability, missingCapability } from '../auth/authorize.ts';
import { ROLE_CAPABILITIES } from '../auth/capabilities.ts';
import type { AuthUser } from '../http/env.ts';
import { problem } from '../http/problem.ts';
import { settingValue } from '../settings/settings.repository.ts';
import { staffingThresholds } from '../people/staffing.service.ts';
import { regionForCaller } from '../regions/regions.repository.ts';
import {
  complianceByGrid, complianceByMember, countiesUnder, insertPatrol, listRules, localDay, ruleFor, siteWithDistance, updatePatrolRule,
} from './patrols.repository.ts';

type Db = Kysely<Database>;

/** Who sees the compliance report (the capability viewCompliance). */
export const supervisorRoles = ROLE_CAPABILITIES.viewCompliance;

export const timeZoneOf = (db: Db) => settingValue(db, 'patrols.timeZone', 'Asia/Shanghai');

/**
 * A check-in is proof of presence: the server, not the phone, measures the geodesic distance from
 * the reported position to the site and refuses one farther than the rule allows (422 with both
 * figures). Only sites in the caller's own current grids can be checked in at; any other site is
 * a 404 whether or not the caller could otherwise see it.
 */
export async function checkIn(db: Db, user: AuthUser, input: { siteId: number; lon: number; lat: number; at?: Date; accuracyM?: number }) {
  await assertCapability(db, user, 'checkIn');
  if (user.personId === null) throw missingCapability('checkIn');
  const now = new Date();
  const at = input.at ?? now;
  if (at.getTime() > now.getTime() + 5 * 60_000) throw problem('checkin.in-future');
  const backdateHours = Number(await settingValue(db, 'patrols.maxBackdateHours', 72));
  if (at.getTime() < now.getTime() - backdateHours * 3_600_000) {
    throw problem('checkin.too-late', { hours: backdateHours });
  }
  const site = await siteWithDistance(db, input.siteId, input.lon, input.lat);
  if (!site || !site.mine || site.gridId === null) throw problem('checkin.site-not-found');
  const rule = await ruleFor(db, site.category, at, await timeZoneOf(db));
  const maxDistanceM = rule.maxDistanceM ?? Number(await settingValue(db, 'patrols.defaultMaxDistanceM', 100));
  const distanceM = Math.round(site.distanceM * 10) / 10;
  if (site.distanceM > maxDistanceM) {
    throw problem('checkin.too-far', { distance: Math.round(site.distanceM), siteName: site.name, maxDistanceM, distanceM },
      { distanceM, maxDistanceM, siteId: site.id });
  }
  const { id, recordedAt } = await insertPatrol(db, {
    personId: user.personId, siteId: site.id, ruleId: rule.ruleId, gridId: site.gridId, regionCode: site.regionCode,
    at, lon: input.lon, lat: input.lat, accuracyM: input.accuracyM ?? null, distanceM,
  });
  return {
    id, siteId: site.id, siteName: site.name, gridId: site.gridId, ruleId: rule.ruleId, window: rule.window,
    at: at.toISOString(), recordedAt: new Date(recordedAt).toISOString(), distanceM, maxDistanceM, accepted: true,
  };
}

/**
 * Done / due / missed / pending patrol slots per grid, per member and per county, for a region and a
 * period of local days. The region may be a prefecture (4 digits) for callers whose scope covers it;
 * anything else outside the scope is a 404 like an unknown region.
 */
export async function compliance(db: Db, user: AuthUser, query: { region?: string; from?: string; to?: string }) {
  await assertCapability(db, user, 'viewCompliance');
  const where = await regionForCaller(db, user.scopeCode, query.region);
  if (!where) throw problem('region.not-found');
  const timeZone = await timeZoneOf(db);
  const to = query.to ?? await localDay(db, timeZone);
  const from = query.from ?? (query.to ? to : await localDay(db, timeZone, -6));
  const days = (Date.parse(to) - Date.parse(from)) / 86_400_000 + 1;
  if (days < 1) throw problem('period.reversed');
  const maxDays = Number(await settingValue(db, 'patrols.maxReportDays', 92));
  if (days > maxDays) throw problem('period.too-long', { maxDays });
  const { memberDuties } = await staffingThresholds(db);
  const period = { prefix: where.prefix, from, to, timeZone, memberDuties };
  const grids = await complianceByGrid(db, period);
  const members = await complianceByMember(db, period);
  const sum = (list: typeof grids, key: 'due' | 'done' | 'missed' | 'pending') => list.reduce((n, g) => n + g[key], 0);
  const counts = (list: typeof grids) => ({ grids: list.length, due: sum(list, 'due'), done: sum(list, 'done'), missed: sum(list, 'missed'), pending: sum(list, 'pending') });
  // the counties of the region (every one, zero rows included: a prefecture's rows; a county's own one)
  const counties = await countiesUnder(db, where.prefix);
  return {
    region: where.code, name: where.name, level: where.level, from, to, timeZone,
    summary: counts(grids),
    counties: counties.map((c) => ({ ...c, ...counts(grids.filter((g) => g.villageCode.startsWith(c.code.slice(0, 6)))) })),
    grids, members,
  };
}

export interface PatrolRuleChange {
  months?: number[] | null; weekdays?: number[] | null; windows?: string[]; maxDistanceM?: number; enabled?: boolean;
}

/**
 * Changes a patrol rule (administrators; row security enforces it too): when, how often and how near.
 * Audited with the rule before and after. Check-ins already made keep the rule they were made under.
 */
export async function updateRule(db: Db, user: AuthUser, id: number, change: PatrolRuleChange) {
  await assertCapability(db, user, 'editPatrolRules');
  const before = (await listRules(db)).find((r) => r.id === id);
  if (!before) throw problem('patrol-rule.not-found');
  for (const w of change.windows ?? []) {
    const [from, to] = w.split('-');
    if (from >= to) throw problem('patrol-rule.window-reversed', { window: w }, { field: 'windows' });
  }
  const set = {
    ...(change.months !== undefined ? { months: change.months } : {}),
    ...(change.weekdays !== undefined ? { weekdays: change.weekdays } : {}),
    ...(change.windows !== undefined ? { windows: change.windows } : {}),
    ...(change.maxDistanceM !== undefined ? { maxDistanceM: change.maxDistanceM } : {}),
    ...(change.enabled !== undefined ? { enabled: change.enabled } : {}),
  };
  // an empty patch changes nothing: the rule as it is, and nothing to audit (as PATCH /api/sites/{id} answers 200)
  if (Object.keys(set).length === 0) return before;
  const updated = await updatePatrolRule(db, id, set);
  if (!updated) throw missingCapability('editPatrolRules');
  const after = (await listRules(db)).find((r) => r.id === id)!;
  await writeAudit(db, { actorId: user.id, action: 'update', entity: 'patrol_rule', entityId: id, regionCode: null, before, after });
  return after;
}
