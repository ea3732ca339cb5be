import { type Kysely, type RawBuilder, sql } from 'kysely';
import { INCIDENT_STATES as incidentStates, OPEN_INCIDENT_STATES as openStates } from '../domain/enums.ts';
import type { Database, IncidentState } from '../db/schema.ts';
import { inSubtree } from '../db/geo.ts';

type Db = Kysely<Database>;

export const groupings = ['county', 'township', 'village', 'grid', 'category', 'month'] as const;
export type GroupBy = (typeof groupings)[number];

export { INCIDENT_STATES as incidentStates, OPEN_INCIDENT_STATES as openStates } from '../domain/enums.ts';
/** Finished (化解): resolved by the unit, or resolved and closed (化解销号). */
export const finishedStates = ['resolved', 'closed'] as const;

export interface StatsFilter {
  /** the region's code prefix (4 digits for a prefecture, 6, 9 or 12): its subtree */
  prefix: string;
  /** local days, inclusive (YYYY-MM-DD) */
  from: string;
  to: string;
  timeZone: string;
  /** a category code: itself and its sub-categories */
  category?: string;
}

/** The raw counts of one group; rates are derived from them (see statsRow). */
export interface StatsCounts {
  total: number;
  states: Record<IncidentState, number>;
  onTime: number;
  timed: number;
  handlingHoursSum: number;
  overdueOpen: number;
}

export interface StatsGroup extends StatsCounts {
  key: string | null;
  name: string;
  nameEn: string | null;
  code: string | null;
}

const list = (values: readonly string[]) => sql.join(values.map((v) => sql.lit(v)));

/** Start of a local day (YYYY-MM-DD) as an instant, in SQL; index-friendly (a constant per query). */
export const dayStart = (day: string, timeZone: string) => sql`(${day}::date::timestamp at time zone ${timeZone})`;
/** Start of the day after a local day. */
export const dayEnd = (day: string, timeZone: string) => sql`((${day}::date + 1)::timestamp at time zone ${timeZone})`;

/** The WHERE of every statistic: subtree, period of creation (local days), optional category. */
function where(f: StatsFilter, alias = 'i'): RawBuilder<boolean> {
  const col = (c: string) => sql.ref(`${alias}.${c}`);
  const parts: RawBuilder<unknown>[] = [
    inSubtree(`${alias}.region_code`, f.prefix),
    sql`${col('created_at')} >= ${dayStart(f.from, f.timeZone)}`,
    sql`${col('created_at')} < ${dayEnd(f.to, f.timeZone)}`,
  ];
  if (f.category) parts.push(sql`(${col('category')} = ${f.category} or ${col('category')} like ${`${f.category}.%`})`);
  return sql<boolean>`${sql.join(parts, sql` and `)}`;
}

/**
 * One SELECT list computes every figure of a group in one pass (FILTER aggregates):
 * counts per state, on time (finished by due_at; no deadline counts as on time), the sum of
 * handling hours (created → resolved) over finished cases, and open cases past their deadline now.
 */
const aggregates = sql`
  count(*)::int as total,
  ${sql.join(incidentStates.map((s) => sql`count(*) filter (where i.state = ${sql.lit(s)})::int as ${sql.ref(`s_${s}`)}`))},
  count(*) filter (where i.state in (${list(finishedStates)}) and (i.due_at is null or i.resolved_at <= i.due_at))::int as on_time,
  count(*) filter (where i.state in (${list(finishedStates)}) and i.resolved_at is not null)::int as timed,
  coalesce(sum(extract(epoch from i.resolved_at - i.created_at) / 3600.0)
    filter (where i.state in (${list(finishedStates)}) and i.resolved_at is not null), 0)::float8 as handling_hours_sum,
  count(*) filter (where i.state in (${list(openStates)}) and i.due_at < now())::int as overdue_open`;

interface AggRow {
  key: string | null; name: string | null; nameEn: string | null; code: string | null;
  total: number | null; onTime: number | null; timed: number | null; handlingHoursSum: number | null; overdueOpen: number | null;
  [state: `s${string}`]: number | null;
}

function toGroup(r: AggRow): StatsGroup {
  const raw = r as unknown as Record<string, number | null>;
  const states = Object.fromEntries(incidentStates.map((s) => {
    // CamelCasePlugin turns s_in_progress into sInProgress
    const camel = `s${s.replace(/(^|_)([a-z])/g, (_m, _u, c: string) => c.toUpperCase())}`;
    return [s, Number(raw[camel] ?? 0)];
  })) as Record<IncidentState, number>;
  return {
    key: r.key, name: r.name ?? '', nameEn: r.nameEn, code: r.code,
    total: Number(r.total ?? 0), states, onTime: Number(r.onTime ?? 0), timed: Number(r.timed ?? 0),
    handlingHoursSum: Number(r.handlingHoursSum ?? 0), overdueOpen: Number(r.overdueOpen ?? 0),
  };
}

const aggColumns = sql`a.total, ${sql.join(incidentStates.map((s) => sql.ref(`a.s_${s}`)))},
  a.on_time, a.timed, a.handling_hours_sum, a.overdue_open`;

/**
 * Figures per group of a region's incidents created in a period. Counties, townships, villages,
 * categories and months come with zero rows for groups without incidents (a choropleth and a month axis need them);
 * grids only where incidents are (a null key: incidents outside any grid).
 */
export async function statsGroups(db: Db, f: StatsFilter, groupBy: GroupBy): Promise<StatsGroup[]> {
  const byLeafCategory = !!f.category && !f.category.includes('.');
  // Group by raw columns (cheap per row), then roll the few groups up to counties, townships or top-level
  // categories: no string is computed per incident.
  const months = sql`generate_series(date_trunc('month', ${f.from}::date::timestamp), date_trunc('month', ${f.to}::date::timestamp), interval '1 month')`;
  const key = {
    county: sql`i.region_code`,
    township: sql`i.region_code`,
    village: sql`i.region_code`,
    grid: sql`i.grid_id`,
    category: sql`i.category`,
    // the month's ordinal in the period: a binary search over the months' starting instants, about
    // twice as fast as converting every timestamp to local time and truncating it
    month: sql`width_bucket(i.created_at, array(select (m::timestamp at time zone ${f.timeZone}) from ${months} m))`,
  }[groupBy];
  const base = sql`base as (select ${key} as key, ${aggregates} from incidents i where ${where(f)} group by 1)`;
  const rollup = (expr: RawBuilder<unknown>) => sql`agg as (select ${expr} as key, sum(b.total)::int as total,
    ${sql.join(incidentStates.map((s) => sql`sum(${sql.ref(`b.s_${s}`)})::int as ${sql.ref(`s_${s}`)}`))},
    sum(b.on_time)::int as on_time, sum(b.timed)::int as timed, sum(b.handling_hours_sum)::float8 as handling_hours_sum,
    sum(b.overdue_open)::int as overdue_open from base b group by 1)`;
  const agg = groupBy === 'county' ? rollup(sql`left(b.key, 6) || '000000'`)
    : groupBy === 'township' ? rollup(sql`left(b.key, 9) || '000'`)
    : groupBy === 'category' && !byLeafCategory ? rollup(sql`split_part(b.key, '.', 1)`)
      : sql`agg as (select * from base)`;

  let query: RawBuilder<AggRow>;
  if (groupBy === 'county' || groupBy === 'township' || groupBy === 'village') {
    query = sql<AggRow>`with ${base}, ${agg}
      select r.code as key, r.name, null::text as name_en, r.code, ${aggColumns}
      from regions r left join agg a on a.key = r.code
      where r.level = ${groupBy} and (${inSubtree('r.code', f.prefix)} or r.code in (select key from agg))
      order by r.code`;
  } else if (groupBy === 'grid') {
    query = sql<AggRow>`with ${base}, ${agg}
      select a.key::text as key, coalesce(g.name, '') as name, null::text as name_en, g.code, ${aggColumns}
      from agg a left join grids g on g.id = a.key
      order by g.code nulls last`;
  } else if (groupBy === 'category') {
    const scope = byLeafCategory ? sql`(c.code = ${f.category} or c.parent_code = ${f.category})` : sql`c.parent_code is null`;
    query = sql<AggRow>`with ${base}, ${agg}
      select c.code as key, c.name, c.name_en, c.code, ${aggColumns}
      from incident_categories c left join agg a on a.key = c.code
      where ${scope}
      order by c.sort, c.code`;
  } else {
    query = sql<AggRow>`with ${base}, ${agg}
      select to_char(m.d, 'YYYY-MM') as key, to_char(m.d, 'YYYY-MM') as name, null::text as name_en, null::text as code, ${aggColumns}
      from ${months} with ordinality m(d, n)
      left join agg a on a.key = m.n
      order by m.n`;
  }
  const { rows } = await query.execute(db);
  return rows.map(toGroup);
}

/** Totals over the whole filter (one group). */
export async function statsTotal(db: Db, f: StatsFilter): Promise<StatsCounts> {
  const { rows: [row] } = await sql<AggRow>`select null as key, null as name, null as name_en, null as code, ${aggregates}
    from incidents i where ${where(f)}`.execute(db);
  return toGroup(row);
}

/** Incidents of the region whose resolution was recorded in the period (whenever they were reported). */
export async function resolvedInPeriod(db: Db, f: Omit<StatsFilter, 'category'>): Promise<number> {
  const { rows: [row] } = await sql<{ n: number }>`select count(*)::int as n from incidents i
    where ${inSubtree('i.region_code', f.prefix)} and i.state in (${list(finishedStates)})
      and i.resolved_at >= ${dayStart(f.from, f.timeZone)} and i.resolved_at < ${dayEnd(f.to, f.timeZone)}`.execute(db);
  return Number(row.n);
}

export interface IncidentLine {
  code: string; createdAt: string; category: string; categoryName: string; categoryNameEn: string; title: string;
  villageCode: string; villageName: string; gridCode: string | null; gridName: string | null; state: IncidentState;
  dueAt: string | null; resolvedAt: string | null; overdueHours: number | null;
}

const lineColumns = sql`i.code, i.created_at, i.category, c.name as category_name, c.name_en as category_name_en, i.title,
  i.region_code as village_code, v.name as village_name, g.code as grid_code, g.name as grid_name, i.state, i.due_at, i.resolved_at,
  case when i.state in (${list(openStates)}) and i.due_at < now()
    then round((extract(epoch from now() - i.due_at) / 3600.0)::numeric, 1)::float8 end as overdue_hours`;

function toLine(r: Record<string, unknown>): IncidentLine {
  const iso = (v: unknown) => (v == null ? null : new Date(v as string).toISOString());
  return { ...(r as unknown as IncidentLine), createdAt: iso(r.createdAt)!, dueAt: iso(r.dueAt), resolvedAt: iso(r.resolvedAt),
    overdueHours: r.overdueHours == null ? null : Number(r.overdueHours) };
}

/** The incidents reported in a period, oldest first (the daily screening's list). */
export async function incidentsReported(db: Db, f: StatsFilter, limit: number): Promise<IncidentLine[]> {
  const { rows } = await sql<Record<string, unknown>>`select ${lineColumns}
    from incidents i join incident_categories c on c.code = i.category
    join regions v on v.code = i.region_code left join grids g on g.id = i.grid_id
    where ${where(f)} order by i.created_at, i.code limit ${limit}`.execute(db);
  return rows.map(toLine);
}

/** Open incidents of the region past their deadline now, longest overdue first (supervision, 督办). */
export async function incidentsOverdue(db: Db, prefix: string, limit: number): Promise<IncidentLine[]> {
  const { rows } = await sql<Record<string, unknown>>`select ${lineColumns}
    from incidents i join incident_categories c on c.code = i.category
    join regions v on v.code = i.region_code left join grids g on g.id = i.grid_id
    where ${inSubtree('i.region_code', prefix)} and i.state in (${list(openStates)}) and i.due_at < now()
    order by i.due_at, i.code limit ${limit}`.execute(db);
  return rows.map(toLine);
}

/** How many open incidents of the region are past their deadline now. */
export async function countOverdue(db: Db, prefix: string): Promise<number> {
  const { rows: [row] } = await sql<{ n: number }>`select count(*)::int as n from incidents i
    where ${inSubtree('i.region_code', prefix)} and i.state in (${list(openStates)}) and i.due_at < now()`.execute(db);
  return Number(row.n);
}

export async function localToday(db: Db, timeZone: string): Promise<string> {
  const { rows: [row] } = await sql<{ day: string }>`select to_char((now() at time zone ${timeZone})::date, 'YYYY-MM-DD') as day`.execute(db);
  return row.day;
}

export async function categoryExists(db: Db, code: string): Promise<boolean> {
  return !!(await db.selectFrom('incidentCategories').select('code').where('code', '=', code).executeTakeFirst());
}
