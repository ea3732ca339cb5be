import { type Kysely, type RawBuilder, sql } from 'kysely';
import { insertUser } from '../auth/auth.repository.ts';
import { hashPassword } from '../auth/secrets.ts';
import type { Database } from '../db/schema.ts';
import { writeAudit } from '../audit/audit.repository.ts';
import { DEMO_PASSWORD, isEmpty, loadDemoCounty } from '../demo/demo.seed.ts';
import { PREFECTURE_NAMES_SETTING } from '../regions/regions.repository.ts';

/**
 * A synthetic prefecture (about ten counties) for benchmarks and for trying the UI at scale, built
 * from the demo county (990101) entirely in SQL: every generated county is the demo's regions,
 * grids, household points, units, people, assignments, sites and incidents copied with a new
 * county code (990102…990110; the 12/15-digit code structure is kept, only the first six digits
 * change) and shifted east/south so that no two counties overlap. On top of the copy, each county
 * gets tens of thousands of extra point sites (rental housing, cameras, shops) and about two
 * hundred thousand incidents of the past year, both placed around the demo's household points.
 * The counties' incidents are not identical copies (countyVariety): each county moves their
 * timelines back by its own few weeks at most, keeps its own share of the extra ones, and draws
 * their states and handling times with its own bias, so their statistics differ; the demo county
 * itself is left as it is.
 *
 * The extra rows are laid out once, in the demo county's frame, with their grid found by a PostGIS
 * join ("templates"); each county then copies them with its offset, matching grids by code. A
 * shifted point lies in the shifted grid, so no spatial join is repeated per county.
 *
 * Each county is generated in its own transaction, and a county that already exists is skipped:
 * running the command twice adds nothing, and an interrupted run resumes where it stopped.
 */

export const DEMO_COUNTY = '990101';
/** County k (1…9) is placed in a 5 × 2 layout, the demo county at column 0 of row 0. */
const COLUMNS = 5;
/** Degrees between neighbouring counties: the demo county is 0.448° wide and 0.335° tall. */
const STEP_LON = 0.45;
const STEP_LAT = 0.34;
const NUMERALS = ['', '', '二', '三', '四', '五', '六', '七', '八', '九', '十'];

export interface GenerateOptions {
  /** Generated counties besides the demo: 1…9 (default 9, ten counties in all). */
  counties?: number;
  /** Extra point sites per county on top of the demo's ~5,300 (default 50,000). */
  extraSites?: number;
  /** Extra incidents laid out for each county on top of the demo's 3,000 (default 219,000); a county keeps 85–100 % of them. */
  extraIncidents?: number;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

export const PREFECTURE_DEFAULTS = { counties: 9, extraSites: 50_000, extraIncidents: 219_000 } as const;

/** The demo prefecture's name, under the setting that names prefectures (they have no region row). */
export const PREFECTURE_NAME = '平安示范市';

/** Accounts that see the whole prefecture (scope = the 4-digit prefecture prefix). */
export const prefectureAccounts = { prefecture: 'inspector', 'prefecture-admin': 'admin' } as const;

export interface CountyResult {
  code: string;
  skipped: boolean;
  counts: Record<string, number>;
  seconds: number;
}

export function countyCode(k: number): string {
  return `${DEMO_COUNTY.slice(0, 4)}${String(k + 1).padStart(2, '0')}`;
}

export function countyOffset(k: number): [number, number] {
  return [(k % COLUMNS) * STEP_LON, -Math.floor(k / COLUMNS) * STEP_LAT];
}

/** A uniform number in [0, 1) from a row number and a salt: deterministic, unlike random(). */
function frac(expr: string, salt: number): RawBuilder<number> {
  return sql<number>`(('x' || substr(md5((${sql.raw(expr)})::text || ':' || ${String(salt)}::text), 1, 8))::bit(32)::bigint::float8 / 4294967296.0)`;
}

/** The demo county's rows (codes are "C"-collated, so a prefix is a range). */
const inDemo = (column: string) => sql`(${sql.raw(column)} >= ${DEMO_COUNTY} and ${sql.raw(column)} < ${`${DEMO_COUNTY}:`})`;

/**
 * Generates the prefecture: counties 990102… next to the demo county, which must be loaded.
 * Returns one result per county (skipped when it already existed).
 */
export async function generatePrefecture(owner: Kysely<Database>, options: GenerateOptions = {}): Promise<CountyResult[]> {
  const counties = options.counties ?? PREFECTURE_DEFAULTS.counties;
  const extraSites = options.extraSites ?? PREFECTURE_DEFAULTS.extraSites;
  const extraIncidents = options.extraIncidents ?? PREFECTURE_DEFAULTS.extraIncidents;
  const log = options.log ?? (() => {});
  if (!Number.isInteger(counties) || counties < 1 || counties > 9) throw new Error('counties must be from 1 to 9 (codes 990102…990110)');
  for (const [name, n] of [['extraSites', extraSites], ['extraIncidents', extraIncidents]] as const) {
    if (!Number.isInteger(n) || n < 0 || n > 2_000_000) throw new Error(`${name} must be an integer from 0 to 2,000,000`);
  }
  const demo = await owner.selectFrom('regions').select('code').where('code', '=', `${DEMO_COUNTY}000000`).executeTakeFirst();
  if (!demo) throw new Error(`the demo county ${DEMO_COUNTY} is not loaded: run "npm run cli -- generate --scale county" (or "seed demo") first`);

  const existing = new Set((await owner.selectFrom('regions').select('code').where('level', '=', 'county').execute()).map((r) => r.code.slice(0, 6)));
  const todo = Array.from({ length: counties }, (_, i) => i + 1).filter((k) => !existing.has(countyCode(k)));
  const results: CountyResult[] = Array.from({ length: counties }, (_, i) => i + 1).filter((k) => existing.has(countyCode(k)))
    .map((k) => ({ code: countyCode(k), skipped: true, counts: {}, seconds: 0 }));
  if (todo.length === 0) return results;

  // temporary tables live on one connection: pin it for the whole run
  await owner.connection().execute(async (conn) => {
    const t0 = performance.now();
    await buildTemplates(conn, extraSites, extraIncidents);
    log(`templates: ${extraSites} extra sites and ${extraIncidents} extra incidents laid out in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    try {
      for (const k of todo) {
        const start = performance.now();
        const counts = await conn.transaction().execute((trx) => copyCounty(trx, k));
        const seconds = (performance.now() - start) / 1000;
        results.push({ code: countyCode(k), skipped: false, counts, seconds });
        log(`county ${countyCode(k)}: ${Object.entries(counts).map(([n, c]) => `${n} ${c}`).join(', ')} (${seconds.toFixed(1)} s)`);
      }
    } finally {
      await sql`drop table if exists gen_sites, gen_incidents`.execute(conn);
    }
    await ensurePrefectureAccounts(conn);
    // fresh statistics for the planner: the tables grew tenfold
    await sql`analyze`.execute(conn);
  });
  return results.sort((a, b) => a.code.localeCompare(b.code));
}

/** The extra sites and incidents, laid out around the demo county's household points. */
async function buildTemplates(db: Kysely<Database>, extraSites: number, extraIncidents: number) {
  await sql`drop table if exists gen_sites, gen_incidents`.execute(db);
  // household points, numbered; extra rows take them round-robin and scatter up to ±40 m around them
  const { rows: [{ total }] } = await sql<{ total: number }>`select count(*)::int as total from household_points h
    where ${inDemo('h.village_code')}`.execute(db);
  if (total === 0) throw new Error(`the demo county ${DEMO_COUNTY} has no household points to place sites and incidents around`);
  const points = sql`(select h.geom, h.village_code, row_number() over (order by h.id) - 1 as n
      from household_points h where ${inDemo('h.village_code')})`;
  const gridAt = (point: string) => sql`(select g.code, g.village_code from grids g
      where g.layer_id = 1 and g.valid_to is null and ${inDemo('g.code')} and ST_Intersects(g.geom, ${sql.raw(point)})
      order by g.code limit 1)`;

  await sql`create temp table gen_sites as
    select x.i, x.category, v.name || c.name || lpad(x.i::text, 5, '0') as name, x.attrs, x.geom, g.code as grid_code
    from (
      select s.i, p.geom as geom, f.c as f,
        case when f.c < 0.6 then 'rental_housing' when f.c < 0.85 then 'camera' when f.c < 0.91 then 'tobacco'
          when f.c < 0.94 then 'lottery' else 'patrol_point' end as category,
        case when f.c < 0.6 then jsonb_build_object('units', 1 + floor(f.a * 8)::int, 'tenants', 1 + floor(f.b * 20)::int, 'registered', f.a > 0.15)
          when f.c < 0.85 then jsonb_build_object('type', (array['dome', 'bullet', 'ptz', 'face', 'plate'])[1 + floor(f.a * 5)::int], 'online', f.b > 0.05)
          else '{}'::jsonb end as attrs
      from generate_series(1, ${extraSites}::int) s(i)
      join ${points} h on h.n = s.i % ${total}::int
      cross join lateral (select ${frac('s.i', 1)} as a, ${frac('s.i', 2)} as b, ${frac('s.i', 3)} as c,
        ${frac('s.i', 4)} as dx, ${frac('s.i', 5)} as dy) f
      cross join lateral (select ST_SetSRID(ST_MakePoint(ST_X(h.geom) + (f.dx - 0.5) * 0.00086, ST_Y(h.geom) + (f.dy - 0.5) * 0.00072), 4326) as geom) p
    ) x
    join site_categories c on c.code = x.category
    join lateral ${gridAt('x.geom')} g on true
    join regions v on v.code = g.village_code`.execute(db);

  // the workflow state is drawn per county (countyVariety): the template keeps the draws it comes from
  await sql`create temp table gen_incidents as
    select x.i, x.category, c.name || '：' || v.name as title, x.geom, g.code as grid_code, x.hours_ago,
      c.deadline_hours, c.default_unit_code, x.priority, x.s, x.f_close, x.f_keep, x.f_shift
    from (
      select s.i, p.geom, cats.codes[1 + floor(f.a * cardinality(cats.codes))::int] as category,
        f.t * 365 * 24 as hours_ago, f.s, f.close as f_close, f.keep as f_keep, f.shift as f_shift,
        case when f.p < 0.05 then 'urgent' when f.p < 0.2 then 'high' when f.p < 0.9 then 'normal' else 'low' end as priority
      from generate_series(1, ${extraIncidents}::int) s(i)
      join ${points} h on h.n = s.i % ${total}::int
      cross join (select array_agg(code order by sort) as codes from incident_categories where parent_code is not null) cats
      cross join lateral (select ${frac('s.i', 11)} as a, ${frac('s.i', 12)} as t, ${frac('s.i', 13)} as s, ${frac('s.i', 14)} as p,
        ${frac('s.i', 15)} as close, ${frac('s.i', 16)} as dx, ${frac('s.i', 17)} as dy, ${frac('s.i', 18)} as keep,
        ${frac('s.i', 19)} as shift) f
      cross join lateral (select ST_SetSRID(ST_MakePoint(ST_X(h.geom) + (f.dx - 0.5) * 0.00086, ST_Y(h.geom) + (f.dy - 0.5) * 0.00072), 4326) as geom) p
    ) x
    join incident_categories c on c.code = x.category
    join lateral ${gridAt('x.geom')} g on true
    join regions v on v.code = g.village_code`.execute(db);
}

/**
 * How generated county k (1…9) differs from the demo county and from the others, so that a
 * by-county comparison shows something: fixed numbers per county, so the prefecture is the same on
 * every run. Every incident stays where it is (its grid, its village); only how many there are,
 * when they happened and how far their handling got change.
 */
export function countyVariety(k: number) {
  const pick = (values: number[]) => values[(k - 1) % values.length];
  return {
    /** the share of the extra incidents the county keeps (0.85…1) */
    volume: 1 - (0.15 * ((k * 4) % 9)) / 8,
    /** every incident's timeline (created, deadline, events, closing) moves back by 0…shiftDays whole days */
    shiftDays: pick([21, 45, 9, 60, 30, 14, 52, 38, 5]),
    /** the extra incidents' workflow draw is raised to this power: above 1 more of them are finished, below 1 more are open */
    closeBias: pick([0.55, 1.6, 0.8, 1.3, 0.65, 1.9, 1, 0.7, 1.45]),
    /** the extra incidents' handling time is multiplied by this: above 1 fewer are finished in time */
    pace: pick([1.5, 0.7, 1.2, 0.9, 1.8, 0.8, 1.35, 1.05, 0.6]),
  };
}

/** Copies the demo county into county k with its offset; returns the rows written per table. */
async function copyCounty(db: Kysely<Database>, k: number): Promise<Record<string, number>> {
  const cc = countyCode(k);
  const [dx, dy] = countyOffset(k);
  const counts: Record<string, number> = {};
  const run = async (name: string, query: RawBuilder<unknown>) => {
    const result = await query.execute(db);
    counts[name] = (counts[name] ?? 0) + Number(result.numAffectedRows ?? 0n);
  };
  /** The same region, grid or unit code in the new county. */
  const map = (column: string) => sql`(${cc} || substr(${sql.raw(column)}, 7))`;
  const unitCode = (column: string) => sql`(case when ${sql.raw(column)} like ${`%${DEMO_COUNTY}%`}
    then replace(${sql.raw(column)}, ${DEMO_COUNTY}, ${cc}) else ${sql.raw(column)} || '-' || ${cc} end)`;
  const shift = (column: string) => sql`ST_Translate(${sql.raw(column)}, ${dx}::float8, ${dy}::float8)`;
  const suffix = `-${cc}`;

  await run('regions', sql`insert into regions (code, name, level, parent_code, urban, boundary)
    select ${map('r.code')}, case when r.level = 'county' then ${`平安示范${NUMERALS[k + 1]}县`} else r.name end, r.level,
      case when r.parent_code is null then null else ${map('r.parent_code')} end, r.urban, ${shift('r.boundary')}
    from regions r where ${inDemo('r.code')}`);

  await run('grids', sql`insert into grids (code, name, layer_id, village_code, geom, households, population, valid_from)
    select ${map('g.code')}, g.name, g.layer_id, ${map('g.village_code')}, ${shift('g.geom')}, g.households, g.population, g.valid_from
    from grids g where ${inDemo('g.code')} and g.valid_to is null`);

  await run('householdPoints', sql`insert into household_points (village_code, households, population, geom)
    select ${map('h.village_code')}, h.households, h.population, ${shift('h.geom')}
    from household_points h where ${inDemo('h.village_code')}`);

  await run('units', sql`insert into units (code, name, name_en, kind, region_code)
    select ${unitCode('u.code')}, u.name, u.name_en, u.kind, ${map('u.region_code')}
    from units u where ${inDemo('u.region_code')}`);

  await run('people', sql`insert into people (ref, name, gender, phone, unit_id, village_code, region_code)
    select p.ref || ${suffix}, p.name, p.gender,
      case when p.phone ~ '^1990000[0-9]{4}$' then '19900' || ${cc.slice(4)} || right(p.phone, 4) else p.phone end,
      nu.id, case when p.village_code is null then null else ${map('p.village_code')} end, ${map('p.region_code')}
    from people p
    left join units u on u.id = p.unit_id
    left join units nu on nu.code = ${unitCode('u.code')}
    where ${inDemo('p.region_code')} and p.ref is not null`);

  await run('assignments', sql`insert into grid_assignments (grid_id, person_id, duty, valid_from)
    select ng.id, np.id, a.duty, a.valid_from
    from grid_assignments a
    join grids g on g.id = a.grid_id and ${inDemo('g.code')}
    join people p on p.id = a.person_id
    join grids ng on ng.code = ${map('g.code')} and ng.valid_to is null
    join people np on np.ref = p.ref || ${suffix}
    where a.valid_to is null`);

  await run('sites', sql`insert into sites (ref, category, name, geom, entrances, attrs, region_code, grid_id)
    select s.ref || ${suffix}, s.category, s.name, ${shift('s.geom')},
      case when s.entrances is null then null else ${shift('s.entrances')} end, s.attrs, ${map('s.region_code')}, ng.id
    from sites s
    left join grids g on g.id = s.grid_id
    left join grids ng on ng.code = ${map('g.code')} and ng.valid_to is null
    where ${inDemo('s.region_code')}`);

  await run('sites', sql`insert into sites (ref, category, name, geom, attrs, region_code, grid_id)
    select 'G' || ${cc} || '-' || t.i, t.category, t.name, ${shift('t.geom')}, t.attrs, ng.village_code, ng.id
    from gen_sites t join grids ng on ng.code = ${map('t.grid_code')} and ng.valid_to is null`);

  // incidents: the demo's (with their timelines) and the extra ones, numbered per day in this county, varied
  // per county (countyVariety): timelines moved back by whole days, fewer extra ones, their states and
  // handling times drawn with the county's bias
  const variety = countyVariety(k);
  await sql`drop table if exists gen_county_incidents`.execute(db);
  await sql`create temp table gen_county_incidents on commit drop as
    select x.*, 'SJ' || to_char(x.created_at at time zone 'Asia/Shanghai', 'YYYYMMDD') || '-' || ${cc.slice(4)} ||
      lpad((row_number() over (partition by (x.created_at at time zone 'Asia/Shanghai')::date order by x.created_at, x.src, x.src_id))::text, 5, '0') as code
    from (
      select 'demo' as src, i.id as src_id, i.category, i.title, i.description, ${shift('i.location')} as location,
        ${map('g.code')} as grid_code, i.state, i.level, i.priority, p.ref || ${suffix} as reporter_ref,
        ${unitCode('u.code')} as unit_code, i.due_at - m.back as due_at, i.created_at - m.back as created_at,
        i.closed_at - m.back as closed_at, null::timestamptz as resolved_at, m.back
      from incidents i
      cross join lateral (select make_interval(days => floor(${frac('i.id', 100 + k)} * ${variety.shiftDays + 1}::int)::int) as back) m
      left join grids g on g.id = i.grid_id
      left join people p on p.id = i.reporter_id
      left join units u on u.id = i.unit_id
      where ${inDemo('i.region_code')}
      union all
      select 'extra', t.i, t.category, t.title, '', ${shift('t.geom')}, ${map('t.grid_code')}, st.state,
        case when st.state = 'escalated' then 'township' else 'village' end, t.priority, null,
        case when st.state in ('dispatched', 'in_progress', 'resolved', 'closed') then t.default_unit_code || '-' || ${cc} end,
        c.created_at + make_interval(hours => t.deadline_hours), c.created_at,
        case when st.state in ('closed', 'rejected') then c.created_at + make_interval(secs => h.done_hours * 3600) end,
        case when st.state in ('resolved', 'closed') then c.created_at + make_interval(secs => h.done_hours * 3600) end,
        make_interval()
      from gen_incidents t
      cross join lateral (select t.hours_ago + 24 * floor(t.f_shift * ${variety.shiftDays + 1}::int) as hours_ago,
        power(t.s, ${variety.closeBias}::float8) as s) v
      -- older incidents are mostly closed; the last month's are spread over the workflow
      cross join lateral (select case
        when v.hours_ago > 720 then case when v.s < 0.9 then 'closed' when v.s < 0.94 then 'rejected' when v.s < 0.97 then 'resolved' else 'in_progress' end
        else case when v.s < 0.4 then 'closed' when v.s < 0.5 then 'resolved' when v.s < 0.65 then 'in_progress' when v.s < 0.75 then 'dispatched'
          when v.s < 0.85 then 'accepted' when v.s < 0.95 then 'reported' else 'escalated' end end as state) st
      cross join lateral (select least(v.hours_ago, 1 + t.f_close * t.deadline_hours * ${variety.pace}::float8) as done_hours) h
      cross join lateral (select date_trunc('second', now() - make_interval(secs => v.hours_ago * 3600)) as created_at) c
      where t.f_keep < ${variety.volume}::float8
    ) x`.execute(db);

  // (the demo's resolved_at follows from their events, below; the extra ones have none)
  await run('incidents', sql`insert into incidents (code, category, title, description, location, grid_id, region_code, state, level,
      priority, reporter_id, unit_id, due_at, created_at, closed_at, resolved_at)
    select d.code, d.category, d.title, d.description, d.location, ng.id, ng.village_code, d.state, d.level, d.priority,
      np.id, nu.id, d.due_at, d.created_at, d.closed_at, d.resolved_at
    from gen_county_incidents d
    join grids ng on ng.code = d.grid_code and ng.valid_to is null
    left join people np on np.ref = d.reporter_ref
    left join units nu on nu.code = d.unit_code
    order by d.created_at`);

  await run('incidentEvents', sql`insert into incident_events (incident_id, at, actor_id, action, from_state, to_state, note, data)
    select ni.id, e.at - d.back, np.id, e.action, e.from_state, e.to_state, e.note, e.data
    from gen_county_incidents d
    join incident_events e on e.incident_id = d.src_id
    join incidents ni on ni.code = d.code
    left join people p on p.id = e.actor_id
    left join people np on np.ref = p.ref || ${suffix}
    where d.src = 'demo'
    order by ni.id, e.at`);

  await writeAudit(db, { action: 'generate', entity: 'county', entityId: cc, regionCode: `${cc}000000`, after: counts });
  return counts;
}

/** Prefecture-wide accounts (scope 9901) beside the demo accounts, with the demo password. */
async function ensurePrefectureAccounts(db: Kysely<Database>) {
  // the prefecture has no region row (regions are county, township, village): its name is a setting
  await sql`insert into settings (key, value, description)
    values (${PREFECTURE_NAMES_SETTING}, ${JSON.stringify({ [DEMO_COUNTY.slice(0, 4)]: PREFECTURE_NAME })}::jsonb,
      'Names of prefectures (4-digit scope codes), shown as the root of a prefecture-wide account')
    on conflict (key) do nothing`.execute(db);
  const demoAdmin = await db.selectFrom('users').select('id').where('username', '=', 'admin').executeTakeFirst();
  if (!demoAdmin) return;
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  for (const [username, role] of Object.entries(prefectureAccounts)) {
    const exists = await db.selectFrom('users').select('id').where('username', '=', username).executeTakeFirst();
    if (exists) continue;
    await insertUser(db, { username, displayName: username === 'prefecture' ? '市级检查人员' : '市级管理员', passwordHash, role,
      scopeCode: DEMO_COUNTY.slice(0, 4), personId: null });
  }
}

/** Row counts of the big tables, for the command's summary. */
export async function tableCounts(db: Kysely<Database>): Promise<Record<string, number>> {
  const { rows } = await sql<{ name: string; n: number }>`
    select 'counties' as name, (select count(*) from regions where level = 'county')::int as n
    union all select 'villages', (select count(*) from regions where level = 'village')::int
    union all select 'grids', (select count(*) from grids where valid_to is null)::int
    union all select 'householdPoints', (select count(*) from household_points)::int
    union all select 'people', (select count(*) from people)::int
    union all select 'assignments', (select count(*) from grid_assignments where valid_to is null)::int
    union all select 'sites', (select count(*) from sites)::int
    union all select 'incidents', (select count(*) from incidents)::int
    union all select 'incidentEvents', (select count(*) from incident_events)::int`.execute(db);
  return Object.fromEntries(rows.map((r) => [r.name, Number(r.n)]));
}

/** `--scale county`: the demo county itself (loaded only into an empty database). */
export async function generateCounty(db: Kysely<Database>): Promise<{ loaded: boolean }> {
  if (!(await isEmpty(db))) {
    const demo = await db.selectFrom('regions').select('code').where('code', '=', `${DEMO_COUNTY}000000`).executeTakeFirst();
    if (!demo) throw new Error('the database holds regions but not the demo county; the demo loads only into an empty database');
    return { loaded: false };
  }
  await loadDemoCounty(db);
  return { loaded: true };
}
