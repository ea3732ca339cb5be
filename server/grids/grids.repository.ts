import { type Kysely, sql } from 'kysely';
import { DUTIES } from '../domain/enums.ts';
import type { Database } from '../db/schema.ts';
import { asGeoJson, inCountiesMeeting, inCounty, inSubtree, intersectsBbox } from '../db/geo.ts';

export interface GridFilter {
  /** Region subtree prefix (already resolved from a region code). */
  prefix?: string;
  bbox?: readonly [number, number, number, number];
  layer?: 'comprehensive' | 'dedicated';
  /** Grids as they were at this instant; current grids when absent. */
  at?: Date;
}

/** Grids with the columns every grid feature carries (the /api and /ogc representations agree). */
export function gridQuery(db: Kysely<Database>) {
  return db.selectFrom('grids as g')
    .innerJoin('gridLayers as l', 'l.id', 'g.layerId')
    .innerJoin('regions as v', 'v.code', 'g.villageCode')
    .select([
      'g.id', 'g.code', 'g.name', 'l.kind as layer', 'g.villageCode', 'v.name as villageName',
      'g.households', 'g.population', 'g.version', 'g.validFrom', 'g.validTo',
      asGeoJson('g.geom').as('geometry'),
    ]);
}

/** The query of listGrids, unexecuted (test/api/county-code.test.ts explains it). */
export function listGridsQuery(db: Kysely<Database>, filter: GridFilter) {
  let query = gridQuery(db).orderBy('g.code');
  if (filter.prefix) query = query.where(inSubtree('g.villageCode', filter.prefix)).where(inCounty('g.countyCode', filter.prefix));
  if (filter.bbox) query = query.where(intersectsBbox('g.geom', filter.bbox));
  if (filter.layer) query = query.where('l.kind', '=', filter.layer);
  query = filter.at
    ? query.where('g.validFrom', '<=', filter.at).where((eb) => eb.or([eb('g.validTo', 'is', null), eb('g.validTo', '>', filter.at!)]))
    : query.where('g.validTo', 'is', null);
  return query;
}

export async function listGrids(db: Kysely<Database>, filter: GridFilter) {
  return listGridsQuery(db, filter).execute();
}

/** The query of gridsAt, unexecuted: the county (or counties, on a border) first, then its grids. */
export function gridsAtQuery(db: Kysely<Database>, lon: number, lat: number) {
  const point = sql`ST_SetSRID(ST_MakePoint(${lon}::float8, ${lat}::float8), 4326)`;
  return gridQuery(db)
    .where('g.validTo', 'is', null)
    .where(inCountiesMeeting('g.countyCode', point))
    .where(sql<boolean>`ST_Intersects(g.geom, ${point})`)
    .orderBy('g.layerId').orderBy('g.code');
}

/** Current grids (every layer) that contain the point, comprehensive first. */
export async function gridsAt(db: Kysely<Database>, lon: number, lat: number) {
  return gridsAtQuery(db, lon, lat).execute();
}

export async function getGrid(db: Kysely<Database>, id: number) {
  const grid = await gridQuery(db)
    .innerJoin('regions as t', 't.code', 'v.parentCode')
    .select(['t.code as townshipCode', 't.name as townshipName',
      sql<number>`round((ST_Area(g.geom::geography) / 1e6)::numeric, 4)::float8`.as('areaKm2')])
    .where('g.id', '=', id)
    .executeTakeFirst();
  if (!grid) return undefined;
  const members = await db.selectFrom('gridAssignments as a')
    .innerJoin('people as p', 'p.id', 'a.personId')
    .select(['p.id as personId', 'p.name', 'a.duty', 'p.phone', 'a.validFrom'])
    .where('a.gridId', '=', id).where('a.validTo', 'is', null)
    .orderBy(sql`array_position(${sql.val([...DUTIES])}::text[], a.duty)`)
    .orderBy('p.name')
    .execute();
  // sites touching the grid (a river crossing several grids counts in each)
  const sitesByCategory = await db.selectFrom('sites as s')
    .innerJoin('siteCategories as sc', 'sc.code', 's.category')
    .innerJoin('grids as g', (join) => join.on(sql<boolean>`ST_Intersects(s.geom, g.geom)`))
    .select(['sc.code as category', 'sc.name', 'sc.nameEn', (eb) => eb.fn.countAll<number>().as('count')])
    .where('g.id', '=', id)
    .groupBy(['sc.code', 'sc.name', 'sc.nameEn', 'sc.sort']).orderBy('sc.sort')
    .execute();
  const { townshipCode, townshipName, ...rest } = grid;
  return {
    ...rest,
    township: { code: townshipCode, name: townshipName },
    members: members.map((m) => ({ ...m, validFrom: m.validFrom.toISOString() })),
    sitesByCategory: sitesByCategory.map((s) => ({ ...s, count: Number(s.count) })),
  };
}

/** Every version of the grid's code, newest first. */
export async function gridHistory(db: Kysely<Database>, id: number) {
  const grid = await db.selectFrom('grids').select('code').where('id', '=', id).executeTakeFirst();
  if (!grid) return undefined;
  return gridQuery(db).where('g.code', '=', grid.code).orderBy('g.version', 'desc').execute();
}
