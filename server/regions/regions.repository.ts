import { type Kysely, sql } from 'kysely';
import type { RegionLevel } from '../domain/enums.ts';
import type { Database } from '../db/schema.ts';
import { inCounty, inSubtree } from '../db/geo.ts';

/** The full 12-digit region code that a 6/9/12-digit scope prefix names. */
export function regionCodeOfScope(prefix: string): string {
  return prefix.padEnd(12, '0');
}

/**
 * A prefecture (地级市) is a 4-digit prefix of its counties' codes. It has no row in `regions`
 * (levels are county, township, village): a prefecture-wide account's root is the list of its
 * counties, and its detail is put together from them. Its name is the setting below, keyed by code.
 */
export const PREFECTURE_NAMES_SETTING = 'regions.prefectureNames';
export const isPrefectureCode = (code: string) => /^\d{4}$/.test(code);

/**
 * Whether a caller with this scope may see the prefecture as a region: only prefecture-wide (or
 * wider) accounts. A county's staff see their county's row, which lies inside the prefecture, but
 * never the prefecture itself: for them it is as unknown as a code that does not exist.
 */
export const scopeCoversPrefecture = (scopeCode: string, code: string) => isPrefectureCode(code) && code.startsWith(scopeCode);

/** The root region code of a scope: a prefecture's 4 digits as they are, else the 12-digit code. */
export const scopeRootCode = (scopeCode: string) => (isPrefectureCode(scopeCode) ? scopeCode : regionCodeOfScope(scopeCode));

/** A prefecture's name: the setting, or its code when the setting does not name it. */
const prefectureName = (code: string) =>
  sql<string>`coalesce((select s.value ->> ${code} from settings s where s.key = ${PREFECTURE_NAMES_SETTING}), ${code})`;

/**
 * A prefecture as a region-like row whose subtree is its 4-digit prefix (statistics work on
 * `prefix`). Undefined when the caller sees none of its counties; callers check the scope first
 * (scopeCoversPrefecture).
 */
export async function prefectureInfo(db: Kysely<Database>, code: string) {
  const { rows: [row] } = await sql<{ counties: number; name: string }>`
    select count(*)::int as counties, ${prefectureName(code)} as name
    from regions r where r.level = 'county' and ${inSubtree('r.code', code)}`.execute(db);
  if (!row || row.counties === 0) return undefined;
  return { code, name: row.name, level: 'prefecture' as const, prefix: code };
}

/** A region (or a prefecture) as the reports name it, with its subtree's code prefix. */
export interface RegionRef {
  code: string;
  name: string;
  level: RegionLevel;
  prefix: string;
}

/**
 * The region a report or list is asked for, as the caller may name it; default: the caller's scope
 * root (a prefecture for a 4-digit scope). A 12-digit code is looked up under row security (a region
 * outside the scope is not found); a 4-digit prefecture only for callers whose scope covers it.
 * Undefined for an unknown region and for one outside the scope alike: callers answer both with the
 * same 404.
 */
export async function regionForCaller(db: Kysely<Database>, scopeCode: string, code?: string): Promise<RegionRef | undefined> {
  const wanted = code ?? scopeRootCode(scopeCode);
  if (isPrefectureCode(wanted)) return scopeCoversPrefecture(scopeCode, wanted) ? prefectureInfo(db, wanted) : undefined;
  return db.selectFrom('regions').select(['code', 'name', 'level', 'prefix']).where('code', '=', wanted).executeTakeFirst();
}

/**
 * The region an account scope names, or undefined when it names none: a 4-digit prefecture with at
 * least one county, else the region whose own subtree prefix is exactly the scope (so `990101001000`
 * is refused for the township whose scope is `990101001`). Read without row security (set-up tools).
 */
export async function regionOfScope(db: Kysely<Database>, scope: string): Promise<RegionRef | undefined> {
  if (isPrefectureCode(scope)) return prefectureInfo(db, scope);
  if (!/^(\d{6}|\d{9}|\d{12})$/.test(scope)) return undefined;
  const region = await db.selectFrom('regions').select(['code', 'name', 'level', 'prefix'])
    .where('code', '=', regionCodeOfScope(scope)).executeTakeFirst();
  return region?.prefix === scope ? region : undefined;
}

/** A prefecture's name (the setting that names prefectures, else its code); null when it has no county. */
export async function prefectureNameOf(db: Kysely<Database>, code: string): Promise<string | null> {
  return (await prefectureInfo(db, code))?.name ?? null;
}

export interface RegionFilter {
  parent?: string;
  level?: 'county' | 'township' | 'village';
  within?: string;
  geometry: boolean;
}

/**
 * A region's boundary, or — for regions that have none (common in real counties) — the union
 * of the current comprehensive grids inside it.
 */
export const boundaryOrDerived = sql<unknown>`coalesce(r.boundary, (
  select ST_Multi(ST_Union(g.geom)) from grids g
  where g.village_code >= r.prefix and g.village_code < r.prefix || ':'
    and g.valid_to is null and g.layer_id = 1))`;

function baseQuery(db: Kysely<Database>) {
  return db.selectFrom('regions as r').select([
    'r.code', 'r.name', 'r.level', 'r.parentCode', 'r.urban',
    sql<boolean>`r.boundary is null`.as('boundaryDerived'),
    (eb) => eb.selectFrom('regions as c').select(eb.fn.countAll<number>().as('n'))
      .whereRef('c.parentCode', '=', 'r.code').as('childCount'),
  ]);
}

export async function listRegions(db: Kysely<Database>, filter: RegionFilter, scopeCode: string) {
  let query = baseQuery(db)
    .select(filter.geometry ? sql<any>`ST_AsGeoJSON(${boundaryOrDerived}, 7)::json`.as('geometry') : sql<null>`null`.as('geometry'))
    .orderBy('r.code');
  if (filter.parent && isPrefectureCode(filter.parent)) {
    // a prefecture's children: its counties
    query = query.where('r.level', '=', 'county').where(inSubtree('r.code', filter.parent));
  } else if (filter.parent) query = query.where('r.parentCode', '=', filter.parent);
  if (filter.level) query = query.where('r.level', '=', filter.level);
  if (filter.within) {
    const prefix = await regionPrefix(db, filter.within);
    if (prefix === undefined) return undefined;
    query = query.where(inSubtree('r.code', prefix));
  }
  if (!filter.parent && !filter.level && !filter.within) {
    // the caller's scope root: one region, or a prefecture's counties
    query = isPrefectureCode(scopeCode)
      ? query.where('r.level', '=', 'county').where(inSubtree('r.code', scopeCode))
      : query.where('r.code', '=', regionCodeOfScope(scopeCode));
  }
  return query.execute();
}

export async function regionPrefix(db: Kysely<Database>, code: string): Promise<string | undefined> {
  const row = await db.selectFrom('regions').select('prefix').where('code', '=', code).executeTakeFirst();
  return row?.prefix;
}

export async function getRegion(db: Kysely<Database>, code: string) {
  const region = await baseQuery(db)
    .select([
      'r.prefix',
      sql<any>`ST_AsGeoJSON(${boundaryOrDerived}, 7)::json`.as('geometry'),
      sql<number[] | null>`(select array[ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b)] from (select ${boundaryOrDerived} as b) x where b is not null)`.as('bbox'),
    ])
    .where('r.code', '=', code)
    .executeTakeFirst();
  if (!region) return undefined;
  const ancestors = await db.selectFrom('regions').select(['code', 'name', 'level'])
    .where('code', 'in', [regionCodeOfScope(code.slice(0, 6)), regionCodeOfScope(code.slice(0, 9))])
    .where('code', '<>', code)
    .orderBy('code').execute();
  const stats = await regionStats(db, region.prefix);
  const { prefix: _prefix, ...rest } = region;
  return { ...rest, ancestors, stats };
}

/**
 * A prefecture as a region: its counties' extent, no boundary (the counties draw it), no ancestors,
 * totals over its subtree. Undefined when the caller sees none of its counties.
 */
export async function getPrefecture(db: Kysely<Database>, code: string) {
  const { rows: [row] } = await sql<{ childCount: number; bbox: number[] | null; name: string }>`
    select count(*)::int as "childCount",
      case when count(*) > 0 then array[ST_XMin(ST_Extent(r.boundary)), ST_YMin(ST_Extent(r.boundary)),
        ST_XMax(ST_Extent(r.boundary)), ST_YMax(ST_Extent(r.boundary))] end as bbox,
      ${prefectureName(code)} as name
    from regions r
    where r.level = 'county' and ${inSubtree('r.code', code)}`.execute(db);
  if (!row || row.childCount === 0) return undefined;
  const stats = await regionStats(db, code);
  return {
    code, name: row.name, level: 'prefecture' as const, parentCode: null, urban: false,
    boundaryDerived: false, childCount: row.childCount, bbox: row.bbox?.every((v) => v != null) ? row.bbox.map(Number) : null,
    geometry: null, ancestors: [] as { code: string; name: string; level: 'county' | 'township' | 'village' }[], stats,
  };
}

async function regionStats(db: Kysely<Database>, prefix: string) {
  const currentGrids = sql`${inSubtree('village_code', prefix)} and ${inCounty('county_code', prefix)}`;
  const { rows } = await sql<{
    townships: number; villages: number; grids: number; households: number; population: number; sites: number;
  }>`select
      (select count(*) from regions where level = 'township' and ${inSubtree('code', prefix)})::int as townships,
      (select count(*) from regions where level = 'village' and ${inSubtree('code', prefix)})::int as villages,
      (select count(*) from grids where valid_to is null and layer_id = 1 and ${currentGrids})::int as grids,
      (select coalesce(sum(households), 0) from grids where valid_to is null and layer_id = 1 and ${currentGrids})::int as households,
      (select coalesce(sum(population), 0) from grids where valid_to is null and layer_id = 1 and ${currentGrids})::int as population,
      (select count(*) from sites where ${inSubtree('region_code', prefix)} and ${inCounty('county_code', prefix)})::int as sites`.execute(db);
  return rows[0];
}

/** A region's name, or null when there is no such region (or the caller cannot see it). */
export async function regionName(db: Kysely<Database>, code: string): Promise<string | null> {
  return (await db.selectFrom('regions').select('name').where('code', '=', code).executeTakeFirst())?.name ?? null;
}
