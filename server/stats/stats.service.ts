import type { Kysely } from 'kysely';
import { INCIDENT_STATES } from '../domain/enums.ts';
import type { Database, IncidentState } from '../db/schema.ts';
import type { AuthUser } from '../http/env.ts';
import { problem } from '../http/problem.ts';
import { timeZoneOf } from '../patrols/patrols.service.ts';
import { regionForCaller } from '../regions/regions.repository.ts';
import {
  type GroupBy, type StatsCounts, type StatsFilter, categoryExists, localToday, statsGroups, statsTotal,
} from './stats.repository.ts';

type Db = Kysely<Database>;

/**
 * The figures of a group of incidents, derived from raw counts. Definitions (also in the README and
 * the OpenAPI description):
 * - acceptedTotal (受理数): every incident except those still `reported` (not yet taken in) and those
 *   `rejected` (不予受理);
 * - resolvedTotal (化解数): incidents `resolved` or `closed`;
 * - resolutionRate (化解率) = resolvedTotal / acceptedTotal (null when nothing was accepted);
 * - onTimeRate (按期办结率) = finished by their deadline (resolved_at ≤ due_at; no deadline counts as
 *   on time) / resolvedTotal;
 * - meanHandlingHours = mean of (resolved_at − created_at) in hours over resolvedTotal;
 * - overdueOpen = incidents still open (reported, accepted, dispatched, in_progress, escalated,
 *   reopened) whose due_at has passed at the time of the request.
 */
export interface StatsFigures {
  total: number;
  states: Record<IncidentState, number>;
  acceptedTotal: number;
  resolvedTotal: number;
  onTime: number;
  overdueOpen: number;
  resolutionRate: number | null;
  onTimeRate: number | null;
  meanHandlingHours: number | null;
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

export function figures(c: StatsCounts): StatsFigures {
  const acceptedTotal = c.total - c.states.reported - c.states.rejected;
  const resolvedTotal = c.states.resolved + c.states.closed;
  return {
    total: c.total, states: c.states, acceptedTotal, resolvedTotal, onTime: c.onTime, overdueOpen: c.overdueOpen,
    resolutionRate: acceptedTotal ? round(resolvedTotal / acceptedTotal, 4) : null,
    onTimeRate: resolvedTotal ? round(c.onTime / resolvedTotal, 4) : null,
    meanHandlingHours: c.timed ? round(c.handlingHoursSum / c.timed, 1) : null,
  };
}

/** Sums raw counts (a report's totals from its groups, exactly as if counted at once). */
export function addCounts(rows: StatsCounts[]): StatsCounts {
  // every state, even when no group has a row (an empty region or period)
  const states = Object.fromEntries(INCIDENT_STATES.map((s) => [s, 0])) as Record<IncidentState, number>;
  const sum: StatsCounts = { total: 0, states, onTime: 0, timed: 0, handlingHoursSum: 0, overdueOpen: 0 };
  for (const r of rows) {
    sum.total += r.total; sum.onTime += r.onTime; sum.timed += r.timed; sum.handlingHoursSum += r.handlingHoursSum; sum.overdueOpen += r.overdueOpen;
    for (const [s, n] of Object.entries(r.states)) sum.states[s as IncidentState] = (sum.states[s as IncidentState] ?? 0) + n;
  }
  return sum;
}

// ---- calendar arithmetic on local days (YYYY-MM-DD), time-zone free ----

const dayMs = 86_400_000;
const toDate = (day: string) => new Date(`${day}T00:00:00Z`);
const fmt = (d: Date) => d.toISOString().slice(0, 10);
export const addDays = (day: string, n: number) => fmt(new Date(toDate(day).getTime() + n * dayMs));
export const daysBetween = (from: string, to: string) => Math.round((toDate(to).getTime() - toDate(from).getTime()) / dayMs);
export function monthStart(day: string, addMonths = 0): string {
  const d = toDate(day);
  return fmt(new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + addMonths, 1)));
}
export const monthEnd = (day: string) => addDays(monthStart(day, 1), -1);
/** The Monday of the ISO week a day lies in. */
export function weekStart(day: string): string {
  const weekday = (toDate(day).getUTCDay() + 6) % 7;
  return addDays(day, -weekday);
}

export const MAX_PERIOD_DAYS = 3700;

export interface Scope {
  region: { code: string; name: string; level: string; prefix: string };
  timeZone: string;
  today: string;
}

/**
 * The region asked for (default: the caller's scope), as the caller sees it, and the local calendar.
 * A 4-digit prefecture code is a region too (level `prefecture`, its subtree the 4-digit prefix), but
 * only for callers whose scope covers it: anyone else gets the 404 of an unknown region.
 */
export async function resolveScope(db: Db, user: AuthUser, region?: string): Promise<Scope> {
  const info = await regionForCaller(db, user.scopeCode, region);
  if (!info) throw problem('region.not-found');
  const timeZone = await timeZoneOf(db);
  return { region: info, timeZone, today: await localToday(db, timeZone) };
}

export interface StatsQuery {
  region?: string; groupBy: GroupBy; from?: string; to?: string; category?: string;
}

/** GET /api/stats/incidents */
export async function incidentStats(db: Db, user: AuthUser, q: StatsQuery) {
  const { region, timeZone, today } = await resolveScope(db, user, q.region);
  const to = q.to ?? today;
  const from = q.from ?? monthStart(to, -11);
  if (from > to) throw problem('period.reversed');
  if (daysBetween(from, to) > MAX_PERIOD_DAYS) throw problem('period.too-long', { maxDays: MAX_PERIOD_DAYS });
  if (q.category && !(await categoryExists(db, q.category))) throw problem('stats.unknown-category', { category: q.category });
  const filter: StatsFilter = { prefix: region.prefix, from, to, timeZone, category: q.category };
  const groups = await statsGroups(db, filter, q.groupBy);
  return {
    region: { code: region.code, name: region.name, level: region.level },
    groupBy: q.groupBy, from, to, timeZone, category: q.category ?? null,
    summary: figures(addCounts(groups)),
    rows: groups.map((g) => ({ key: g.key, code: g.code, name: g.name, nameEn: g.nameEn, ...figures(g) })),
  };
}

export { statsTotal };
