import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.ts';
import { type GeoJsonGeometry, asGeoJson, inCountiesMeeting, inCounty, inSubtree, intersectsBbox } from '../db/geo.ts';

type Db = Kysely<Database>;

export interface SiteFilter {
  categories?: string[];
  prefix?: string;
  gridId?: number;
  bbox?: readonly [number, number, number, number];
  limit: number;
}

const entrances = sql<[number, number][] | null>`ST_AsGeoJSON(s.entrances, 7)::json -> 'coordinates'`;

function siteQuery(db: Kysely<Database>) {
  return db.selectFrom('sites as s').select([
    's.id', 's.category', 's.name', 's.regionCode', 's.gridId', 's.attrs', entrances.as('entrances'),
    asGeoJson('s.geom').as('geometry'),
  ]);
}

export async function listSites(db: Kysely<Database>, filter: SiteFilter) {
  let query = siteQuery(db).orderBy('s.id').limit(filter.limit);
  if (filter.categories?.length) query = query.where('s.category', 'in', filter.categories);
  if (filter.prefix) query = query.where(inSubtree('s.regionCode', filter.prefix)).where(inCounty('s.countyCode', filter.prefix));
  if (filter.bbox) query = query.where(intersectsBbox('s.geom', filter.bbox));
  if (filter.gridId !== undefined) {
    const gridId = filter.gridId;
    query = query.where((eb) => eb.exists(eb.selectFrom('grids as g').select(sql`1`.as('one'))
      .where('g.id', '=', gridId).where(sql<boolean>`ST_Intersects(g.geom, s.geom)`)));
  }
  return query.execute();
}

export async function getSite(db: Kysely<Database>, id: number) {
  return siteQuery(db)
    .innerJoin('siteCategories as sc', 'sc.code', 's.category')
    .innerJoin('regions as v', 'v.code', 's.regionCode')
    .leftJoin('grids as g', 'g.id', 's.gridId')
    .select(['sc.name as categoryName', 'sc.nameEn as categoryNameEn', 'v.name as villageName',
      'g.code as gridCode', 'g.name as gridName', 's.updatedAt', 's.version'])
    .where('s.id', '=', id)
    .executeTakeFirst();
}

export async function listSiteCategories(db: Kysely<Database>) {
  return db.selectFrom('siteCategories')
    .select(['code', 'name', 'nameEn', 'geometryKind', 'hasEntrances', 'color', 'icon', 'attrSchema'])
    .orderBy('sort').execute();
}

export async function siteCategoryRows(db: Db) {
  return db.selectFrom('siteCategories').select(['code', 'geometryKind', 'hasEntrances', 'attrSchema']).execute();
}

/**
 * Whether PostGIS finds a geometry valid (and why not), and where it lies: the village and current
 * comprehensive grid (lowest code) of a point on its surface, among the grids the caller sees.
 */
export async function placeOfGeometry(db: Db, geometry: GeoJsonGeometry) {
  const { rows: [row] } = await sql<{ valid: boolean; reason: string; villageCode: string | null; gridId: number | null }>`
    with g as (select ST_ReducePrecision(ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(geometry)}), 4326), 1e-7) as geom),
    -- the placing point as a column: under row-level security only LEAKPROOF conditions use the grids' index
    p as materialized (select g.geom, case when ST_IsValid(g.geom) then ST_PointOnSurface(g.geom) end as at from g)
    select ST_IsValid(p.geom) as valid, ST_IsValidReason(p.geom) as reason, c.village_code, c.id as grid_id
    from p left join lateral (select gr.id, gr.village_code from grids gr
      where gr.valid_to is null and gr.layer_id = 1 and ${inCountiesMeeting('gr.county_code', sql`p.at`)}
        and ST_Intersects(gr.geom, p.at) order by gr.code limit 1) c on true`
    .execute(db);
  return row;
}

const geomSql = (geometry: GeoJsonGeometry) =>
  sql`ST_ReducePrecision(ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(geometry)}), 4326), 1e-7)`;
const entrancesSql = (entrances: [number, number][] | null) => entrances?.length
  ? sql`ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify({ type: 'MultiPoint', coordinates: entrances })}), 4326)`
  : sql`null`;

/** A site as the audit log records it (GeoJSON to 1e-7°). */
export async function siteSnapshot(db: Db, id: number) {
  return db.selectFrom('sites').select(['id', 'category', 'name', 'attrs', 'regionCode', 'gridId', 'version',
    sql<GeoJsonGeometry>`ST_AsGeoJSON(geom, 7)::json`.as('geometry'),
    sql<[number, number][] | null>`ST_AsGeoJSON(entrances, 7)::json -> 'coordinates'`.as('entrances')])
    .where('id', '=', id).executeTakeFirst();
}

export interface SiteRow {
  category: string;
  name: string;
  geometry: GeoJsonGeometry;
  entrances: [number, number][] | null;
  attrs: Record<string, unknown>;
  villageCode: string;
  gridId: number | null;
}

export async function insertSite(db: Db, site: SiteRow) {
  const { rows: [{ id }] } = await sql<{ id: number }>`insert into sites (category, name, geom, entrances, attrs, region_code, grid_id)
    values (${site.category}, ${site.name}, ${geomSql(site.geometry)}, ${entrancesSql(site.entrances)}, ${JSON.stringify(site.attrs)}::jsonb,
      ${site.villageCode}, ${site.gridId}) returning id`.execute(db);
  return Number(id);
}

export async function siteVersion(db: Db, id: number) {
  return db.selectFrom('sites').select('version').where('id', '=', id).executeTakeFirst();
}

/** Rewrites the site if it is still at `version` (and moves it to the next); false if no row matched. */
export async function updateSiteAt(db: Db, id: number, version: number, site: SiteRow) {
  const result = await sql`update sites set category = ${site.category}, name = ${site.name}, geom = ${geomSql(site.geometry)},
      entrances = ${entrancesSql(site.entrances)}, attrs = ${JSON.stringify(site.attrs)}::jsonb, region_code = ${site.villageCode},
      grid_id = ${site.gridId}, version = version + 1, updated_at = now()
    where id = ${id} and version = ${version}`.execute(db);
  return Number(result.numAffectedRows ?? 0) > 0;
}

/** Deletes the site if it is still at `version`; false if no row matched. */
export async function deleteSiteAt(db: Db, id: number, version: number) {
  const result = await db.deleteFrom('sites').where('id', '=', id).where('version', '=', version).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
