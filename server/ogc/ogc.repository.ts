import { type Expression, type Kysely, type SelectQueryBuilder, type SqlBool, sql } from 'kysely';
import { asGeoJson, intersectsBbox } from '../db/geo.ts';
import { gridQuery } from '../grids/grids.repository.ts';
import { boundaryOrDerived } from '../regions/regions.repository.ts';
import type { Database } from '../db/schema.ts';
import type { Bbox, Period } from './ogc.params.ts';

/**
 * Paged reads for the OGC collections. The /api repositories return whole layers; OGC clients
 * page, so these add a stable order (by id; regions by code) and keyset paging: a page starts
 * after (or ends before) a key, so the database walks the primary key from there and a deep page
 * costs what the first one does (an offset would read and drop every row before it). Each page
 * reads one row more than asked, to know whether another page follows. Select lists mirror /api's
 * so that a feature has the same properties on both. Every query runs on the request's scoped
 * transaction: row-level security decides what is in a collection.
 */

export interface Page {
  limit: number;
  /** Rows to skip (kept for old links; new links carry a key). */
  offset: number;
  /** Keyset cursors: the page holds the rows whose key is above `after`, or below `before`. */
  after?: string;
  before?: string;
  bbox?: Bbox;
  /** Count every matching row (numberMatched): on first pages only, since it reads the whole set. */
  count: boolean;
}

/** A page of rows in key order; `more` tells whether further rows follow in the paging direction. */
export interface Paged<R> {
  rows: R[];
  more: boolean;
  matched?: number;
}

/** Orders by the key, applies the cursor and the limit (plus one row, to see whether more follow). */
function keyset<QB extends SelectQueryBuilder<any, any, any>>(query: QB, key: string, page: Page, numeric: boolean): QB {
  const value = (v: string) => (numeric ? sql`${Number(v)}::bigint` : sql`${v}`);
  let q: SelectQueryBuilder<any, any, any> = query;
  if (page.after !== undefined) q = q.where(sql<SqlBool>`${sql.ref(key)} > ${value(page.after)}`);
  if (page.before !== undefined) q = q.where(sql<SqlBool>`${sql.ref(key)} < ${value(page.before)}`);
  q = q.orderBy(sql.ref(key), page.before !== undefined ? 'desc' : 'asc').limit(page.limit + 1);
  if (page.offset) q = q.offset(page.offset);
  return q as QB;
}

async function paged<R>(rowsQuery: Promise<R[]>, countQuery: Promise<{ n: number | string | bigint }> | undefined, page: Page): Promise<Paged<R>> {
  const [rows, count] = await Promise.all([rowsQuery, countQuery]);
  const more = rows.length > page.limit;
  const kept = rows.slice(0, page.limit);
  // a page before a key is read backwards; serve it in key order
  if (page.before !== undefined) kept.reverse();
  return { rows: kept, more, ...(count ? { matched: Number(count.n) } : {}) };
}

type Extent = [number, number, number, number];

/** bbox test on a geometry column; a box with west > east crosses the antimeridian and becomes two. */
function inBbox(column: string, [w, s, e, n]: Bbox): Expression<SqlBool> {
  if (w <= e) return intersectsBbox(column, [w, s, e, n]);
  return sql<SqlBool>`(${intersectsBbox(column, [w, s, 180, n])} or ${intersectsBbox(column, [-180, s, e, n])})`;
}

function toExtent(row: { xmin: number | null; ymin: number | null; xmax: number | null; ymax: number | null } | undefined): Extent | null {
  if (!row || row.xmin == null || row.ymin == null || row.xmax == null || row.ymax == null) return null;
  return [row.xmin, row.ymin, row.xmax, row.ymax].map(Number) as Extent;
}

const extentColumns = (box: ReturnType<typeof sql>) => sql`ST_XMin(${box})::float8 as xmin, ST_YMin(${box})::float8 as ymin,
  ST_XMax(${box})::float8 as xmax, ST_YMax(${box})::float8 as ymax`;

// ---------------------------------------------------------------- grids

function gridBase(db: Kysely<Database>, page: Pick<Page, 'bbox'>, period: Period | undefined) {
  // no joins here: the count needs none (layer and village are required foreign keys)
  let query = db.selectFrom('grids as g');
  if (page.bbox) query = query.where(inBbox('g.geom', page.bbox));
  if (!period) return query.where('g.validTo', 'is', null);
  // a version is valid on [validFrom, validTo); it matches when that meets the closed period
  const { start, end } = period;
  if (end) query = query.where('g.validFrom', '<=', end);
  if (start) query = query.where((eb) => eb.or([eb('g.validTo', 'is', null), eb('g.validTo', '>', start)]));
  return query;
}

function gridSelect(query: ReturnType<typeof gridBase>) {
  return query
    .innerJoin('gridLayers as l', 'l.id', 'g.layerId')
    .innerJoin('regions as v', 'v.code', 'g.villageCode')
    .select([
    'g.id', 'g.code', 'g.name', 'l.kind as layer', 'g.villageCode', 'v.name as villageName',
    'g.households', 'g.population', 'g.version', 'g.validFrom', 'g.validTo',
    asGeoJson('g.geom').as('geometry'),
  ]);
}

/** Grids of both layers: the current versions, or (with a period) every version valid during it. */
export async function pageGrids(db: Kysely<Database>, page: Page, period?: Period) {
  return paged(keyset(gridSelect(gridBase(db, page, period)), 'g.id', page, true).execute(),
    page.count ? gridBase(db, page, period).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow() : undefined, page);
}

/** One grid version by id, current or not (ids are unique across versions). */
export async function gridById(db: Kysely<Database>, id: number) {
  return gridQuery(db).where('g.id', '=', id).executeTakeFirst();
}

export async function gridExtent(db: Kysely<Database>) {
  const { rows } = await sql<{ xmin: number | null; ymin: number | null; xmax: number | null; ymax: number | null; first: Date | null }>`
    select ${extentColumns(sql`e`)}, first from (
      select ST_Extent(geom) filter (where valid_to is null) as e, min(valid_from) as first from grids) x`.execute(db);
  return { bbox: toExtent(rows[0]), firstValidFrom: rows[0]?.first ?? null };
}

// ---------------------------------------------------------------- sites

function siteBase(db: Kysely<Database>, page: Pick<Page, 'bbox'>, category: string | undefined) {
  let query = db.selectFrom('sites as s');
  if (category) query = query.where('s.category', '=', category);
  if (page.bbox) query = query.where(inBbox('s.geom', page.bbox));
  return query;
}

const siteColumns = [
  's.id', 's.category', 's.name', 's.regionCode', 's.gridId', 's.attrs',
  sql<[number, number][] | null>`ST_AsGeoJSON(s.entrances, 7)::json -> 'coordinates'`.as('entrances'),
  asGeoJson('s.geom').as('geometry'),
] as const;

/** Sites, of one category or all. */
export async function pageSites(db: Kysely<Database>, page: Page, category?: string) {
  return paged(keyset(siteBase(db, page, category).select(siteColumns), 's.id', page, true).execute(),
    page.count ? siteBase(db, page, category).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow() : undefined, page);
}

export async function siteById(db: Kysely<Database>, id: number, category?: string) {
  return siteBase(db, {}, category).select(siteColumns).where('s.id', '=', id).executeTakeFirst();
}

/** Extent of the visible sites per category; the `sites` collection's is their union. */
export async function siteExtents(db: Kysely<Database>, category?: string) {
  const { rows } = await sql<{ category: string; xmin: number | null; ymin: number | null; xmax: number | null; ymax: number | null }>`
    select category, ${extentColumns(sql`e`)} from (
      select category, ST_Extent(geom) as e from sites
      ${category ? sql`where category = ${category}` : sql``}
      group by category) x`.execute(db);
  return new Map(rows.map((r) => [r.category, toExtent(r)]));
}

// ---------------------------------------------------------------- regions
// (boundaries as the regions API serves them: a region's own, else the union of its grids)

function regionBase(db: Kysely<Database>, page: Pick<Page, 'bbox'>) {
  let query = db.selectFrom('regions as r');
  if (page.bbox) {
    const bbox = page.bbox;
    // the stored boundary uses its index; boundary-less regions are tested through their grids
    query = query.where((eb) => eb.or([
      inBbox('r.boundary', bbox),
      eb.and([eb('r.boundary', 'is', null), eb.exists(eb.selectFrom('grids as g').select(sql`1`.as('one'))
        .where('g.validTo', 'is', null).where('g.layerId', '=', 1)
        .where(sql<SqlBool>`g.village_code >= r.prefix and g.village_code < r.prefix || ':'`)
        .where(inBbox('g.geom', bbox)))]),
    ]));
  }
  return query;
}

function regionSelect(query: ReturnType<typeof regionBase>) {
  return query.select([
    'r.code', 'r.name', 'r.level', 'r.parentCode', 'r.urban',
    (eb) => eb.selectFrom('regions as c').select(eb.fn.countAll<number>().as('n'))
      .whereRef('c.parentCode', '=', 'r.code').as('childCount'),
    sql<boolean>`r.boundary is null`.as('boundaryDerived'),
    sql<{ type: string; coordinates: unknown } | null>`ST_AsGeoJSON(${boundaryOrDerived}, 7)::json`.as('geometry'),
  ]);
}

/** The regions the caller can see (their scope and its ancestors), ordered by code, their id. */
export async function pageRegions(db: Kysely<Database>, page: Page) {
  const result = await paged(keyset(regionSelect(regionBase(db, page)), 'r.code', page, false).execute(),
    page.count ? regionBase(db, page).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow() : undefined, page);
  return { ...result, rows: result.rows.map((r) => ({ ...r, childCount: Number(r.childCount) })) };
}

export async function regionByCode(db: Kysely<Database>, code: string) {
  const row = await regionSelect(regionBase(db, {})).where('r.code', '=', code).executeTakeFirst();
  return row && { ...row, childCount: Number(row.childCount) };
}

/** Boundaries where stored; where not, the grids stand in (they tile their villages). */
export async function regionExtent(db: Kysely<Database>) {
  const { rows } = await sql<{ xmin: number | null; ymin: number | null; xmax: number | null; ymax: number | null }>`
    select ${extentColumns(sql`e`)} from (select coalesce(
      (select ST_Extent(boundary) from regions),
      (select ST_Extent(geom) from grids where valid_to is null and layer_id = 1)) as e) x`.execute(db);
  return toExtent(rows[0]);
}
