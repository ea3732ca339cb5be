import { type Kysely, sql } from 'kysely';
import type { GeoJsonGeometry } from '../db/geo.ts';
import type { Database } from '../db/schema.ts';

export const PAGE_ROWS = 5000;

export interface ExportRow {
  id: number;
  properties: Record<string, unknown>;
  geometry: GeoJsonGeometry;
  /** WKT of the geometry, 7 decimals (CSV of lines and polygons) */
  wkt: string;
}

export interface ExportFilter { prefix: string; categories?: string[] }

/**
 * One page of sites (keyset on id, so a large export is read a page per short transaction).
 * Shapefile needs clockwise outer rings and one geometry type per family: polygons come as
 * MultiPolygon, lines as MultiLineString when `forShapefile`.
 */
export async function sitesPage(db: Kysely<Database>, filter: ExportFilter, afterId: number, forShapefile = false) {
  const geom = forShapefile ? sql`ST_ForcePolygonCW(case when GeometryType(s.geom) in ('POINT') then s.geom else ST_Multi(s.geom) end)` : sql`s.geom`;
  const { rows } = await sql<{ id: number; category: string; name: string; regionCode: string; gridId: number | null; attrs: Record<string, unknown>;
    villageName: string; geometry: GeoJsonGeometry; wkt: string }>`
    select s.id, s.category, s.name, s.region_code, s.grid_id, s.attrs, v.name as village_name,
      ST_AsGeoJSON(${geom}, 7)::json as geometry, ST_AsText(s.geom, 7) as wkt
    from sites s join regions v on v.code = s.region_code
    where s.region_code >= ${filter.prefix} and s.region_code < ${filter.prefix + ':'} and s.id > ${afterId}
      ${filter.categories?.length ? sql`and s.category = any(${filter.categories}::text[])` : sql``}
    order by s.id limit ${PAGE_ROWS}`.execute(db);
  return rows.map(({ geometry, wkt, id, ...p }) => ({ id: Number(id), geometry, wkt,
    properties: { id: Number(id), ...p, gridId: p.gridId === null ? null : Number(p.gridId) } }));
}

/** One page of current comprehensive-layer grids of the region (keyset on id). */
export async function gridsPage(db: Kysely<Database>, filter: ExportFilter, afterId: number, forShapefile = false) {
  const geom = forShapefile ? sql`ST_ForcePolygonCW(ST_Multi(g.geom))` : sql`g.geom`;
  const { rows } = await sql<{ id: number; code: string; name: string; villageCode: string; villageName: string; households: number;
    population: number; version: number; geometry: GeoJsonGeometry; wkt: string }>`
    select g.id, g.code, g.name, g.village_code, v.name as village_name, g.households, g.population, g.version,
      ST_AsGeoJSON(${geom}, 7)::json as geometry, ST_AsText(g.geom, 7) as wkt
    from grids g join regions v on v.code = g.village_code
    where g.valid_to is null and g.layer_id = 1 and g.village_code >= ${filter.prefix} and g.village_code < ${filter.prefix + ':'}
      and g.id > ${afterId}
    order by g.id limit ${PAGE_ROWS}`.execute(db);
  return rows.map(({ geometry, wkt, id, ...p }) => ({ id: Number(id), geometry, wkt, properties: { id: Number(id), ...p } }));
}
