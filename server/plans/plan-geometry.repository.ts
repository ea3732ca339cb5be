import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { GeoJsonGeometry } from '../db/geo.ts';
import { described, problem } from '../http/problem.ts';

/**
 * The geometry of each planning operation, computed by PostGIS. Input is rounded to 1e-7°, snapped
 * to the neighbours' and the village boundary's vertices and edges within a tolerance, clipped to
 * the village; results drop noise parts under 1 m². Coordinates in and out are GeoJSON lon/lat.
 */

const EMPTY = sql`ST_SetSRID('POLYGON EMPTY'::geometry, 4326)`;

/**
 * Polygonal parts of at least 1 m², on the 1e-7° grid, as a valid MultiPolygon (null when nothing is
 * left). Reducing precision here, in GEOS, keeps the result valid; rounding later (in GeoJSON) could not.
 */
function keepArea(geom: RawBuilder<unknown>) {
  return sql`(select ST_Multi(ST_ReducePrecision(ST_Collect(d.geom), 1e-7)) from ST_Dump(ST_CollectionExtract(ST_MakeValid(${geom}), 3)) d
    where ST_Area(d.geom::geography) >= 1)`;
}

function fromGeoJson(geometry: GeoJsonGeometry) {
  return sql`ST_ReducePrecision(ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(geometry)}), 4326), 1e-7)`;
}

/** Metres to degrees of latitude: snapping tolerances are small, so this is precise enough. */
export const metresToDegrees = (m: number) => m / 111_320;

/** Rejects input that is not a valid polygon, saying why and where (422, with the spot as GeoJSON). */
export async function assertValidPolygon(db: Kysely<Database>, geometry: GeoJsonGeometry) {
  let row: { valid: boolean; reason: string; location: GeoJsonGeometry | null } | undefined;
  try {
    ({ rows: [row] } = await sql<{ valid: boolean; reason: string; location: GeoJsonGeometry | null }>`
      select ST_IsValid(g) as valid, ST_IsValidReason(g) as reason, ST_AsGeoJSON((ST_IsValidDetail(g)).location)::json as location
      from (select ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(geometry)}), 4326) as g) x`.execute(db));
  } catch {
    throw problem('geometry.unreadable');
  }
  if (!row.valid) {
    throw problem('geometry.invalid', { reason: row.reason }, { location: row.location });
  }
}

/** The village (inside the plan's scope) that holds most of the drawn area. */
export async function villageOf(db: Kysely<Database>, planId: number, prefix: string, geometry: GeoJsonGeometry) {
  const { rows } = await sql<{ code: string }>`
    with input as (select ${fromGeoJson(geometry)} as g)
    select v.code from regions v, input
    where v.level = 'village' and v.code >= ${prefix} and v.code < ${prefix + ':'}
      and coalesce(v.boundary, (select ST_Union(geom) from plan_grids where plan_id = ${planId} and village_code = v.code)) && input.g
    order by ST_Area(ST_Intersection(input.g, coalesce(v.boundary,
      (select ST_Union(geom) from plan_grids where plan_id = ${planId} and village_code = v.code)))) desc nulls last
    limit 1`.execute(db);
  return rows[0]?.code;
}

/**
 * A drawn grid: snapped, clipped to its village, and with every other grid of the draft (and any
 * published grid outside the draft) cut away, so it cannot overlap them.
 */
export async function drawnGeometry(db: Kysely<Database>, planId: number, villageCode: string, geometry: GeoJsonGeometry,
  toleranceM: number, exceptId?: number): Promise<GeoJsonGeometry | null> {
  const tol = metresToDegrees(toleranceM);
  const { rows } = await sql<{ geometry: GeoJsonGeometry | null }>`
    with input as (select ${fromGeoJson(geometry)} as g),
    village as (select boundary as b from regions where code = ${villageCode}),
    others as (select coalesce(ST_Collect(pg.geom), ${EMPTY}) as c, coalesce(ST_Union(pg.geom), ${EMPTY}) as u
      from plan_grids pg, input where pg.plan_id = ${planId} and pg.id is distinct from ${exceptId ?? null}
        and pg.geom && ST_Expand(input.g, ${tol})),
    outside as (select coalesce(ST_Union(g.geom), ${EMPTY}) as u from grids g, input
      where g.valid_to is null and g.layer_id = 1 and g.geom && input.g
        and not g.id = any((select base_grid_ids from plans where id = ${planId})::bigint[])),
    snapped as (select ST_MakeValid(ST_Snap(input.g, ST_Collect(others.c, coalesce(ST_Boundary(village.b), ${EMPTY})), ${tol})) as s
      from input, others, village)
    select ST_AsGeoJSON(${keepArea(sql`ST_Difference(ST_Difference(
      case when village.b is null then snapped.s else ST_Intersection(snapped.s, village.b) end, others.u), outside.u)`)}, 7)::json as geometry
    from snapped, village, others, outside`.execute(db);
  return rows[0]?.geometry ?? null;
}

/**
 * Reshaping grid `id` to `geometry`, with its neighbours following: area the grid gains is taken
 * from them, and each piece it gives up goes to the neighbour sharing the longest border with that
 * piece (a piece bordering only the village edge becomes a gap). T-junctions need no special case: the
 * neighbours' new shapes are area operations, not vertex moves. Returns the new geometry of every
 * grid that changes; null means the grid is swallowed entirely.
 */
export async function reshapedGeometries(db: Kysely<Database>, planId: number, id: number, villageCode: string,
  geometry: GeoJsonGeometry, toleranceM: number): Promise<Array<{ id: number; geometry: GeoJsonGeometry | null }>> {
  const tol = metresToDegrees(toleranceM);
  const target = await sql<{ geometry: GeoJsonGeometry | null }>`
    with input as (select ${fromGeoJson(geometry)} as g),
    village as (select boundary as b from regions where code = ${villageCode}),
    refs as (select coalesce(ST_Collect(pg.geom), ${EMPTY}) as c from plan_grids pg, input
      where pg.plan_id = ${planId} and pg.id <> ${id} and pg.geom && ST_Expand(input.g, ${tol})),
    snapped as (select ST_MakeValid(ST_Snap(input.g, ST_Collect(refs.c, coalesce(ST_Boundary(village.b), ${EMPTY})), ${tol})) as s
      from input, refs, village)
    select ST_AsGeoJSON(${keepArea(sql`case when village.b is null then snapped.s else ST_Intersection(snapped.s, village.b) end`)}, 7)::json as geometry
    from snapped, village`.execute(db);
  const t = target.rows[0]?.geometry;
  if (!t) throw problem('grid.outside-village');

  const { rows } = await sql<{ id: number; geometry: GeoJsonGeometry | null }>`
    with t as (select ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(t)}), 4326) as g),
    a as (select geom from plan_grids where plan_id = ${planId} and id = ${id}),
    others as (select pg.id, pg.geom from plan_grids pg, a, t where pg.plan_id = ${planId} and pg.id <> ${id}
      and pg.geom && ST_Expand(ST_Collect(a.geom, t.g), ${tol})),
    lost as (select row_number() over () as part, d.geom from a, t, ST_Dump(ST_Difference(a.geom, t.g)) d
      where ST_Dimension(d.geom) = 2),
    -- the border a piece shares with a neighbour, within 1e-6° (0.1 m): after earlier edits two
    -- neighbours' edges can be collinear without sharing vertices, and an exact test would miss them
    shared as (select l.part, o.id, l.geom, ST_Length(ST_Intersection(ST_Boundary(l.geom), ST_Buffer(o.geom, 1e-6))) as length
      from lost l join others o on ST_DWithin(l.geom, o.geom, 1e-6)),
    assigned as (select distinct on (part) part, id, geom from shared where length > 0 order by part, length desc),
    changed as (select o.id, ${keepArea(sql`ST_Union(ST_Difference(o.geom, t.g),
        coalesce((select ST_Union(x.geom) from assigned x where x.id = o.id), ${EMPTY}))`)} as geom, o.geom as before
      from others o, t)
    select id, ST_AsGeoJSON(geom, 7)::json as geometry from changed
    -- vertex-exact comparison: a relate-based ST_Equals can throw on GEOS 3.11 for near-coincident edges
    where geom is null or not ST_OrderingEquals(geom, before)`.execute(db);
  return [{ id, geometry: t }, ...rows.map((r) => ({ id: Number(r.id), geometry: r.geometry }))];
}

/** The parts of grid `id` cut by a line (snapped to the grid's vertices), largest first. */
export async function splitParts(db: Kysely<Database>, planId: number, id: number, line: GeoJsonGeometry, toleranceM: number) {
  const { rows } = await sql<{ geometry: GeoJsonGeometry }>`
    select ST_AsGeoJSON(ST_ReducePrecision(d.geom, 1e-7), 7)::json as geometry
    from plan_grids pg,
      ST_Dump(ST_CollectionExtract(ST_Split(pg.geom,
        ST_Snap(ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(line)}), 4326), pg.geom, ${metresToDegrees(toleranceM)})), 3)) d
    where pg.plan_id = ${planId} and pg.id = ${id}
    order by ST_Area(d.geom) desc`.execute(db);
  return rows.map((r) => r.geometry);
}

/** The union of grids if they form one connected polygon, else null. */
export async function mergedGeometry(db: Kysely<Database>, planId: number, ids: number[]) {
  const { rows } = await sql<{ geometry: GeoJsonGeometry; parts: number; villages: number }>`
    select ST_AsGeoJSON(ST_Multi(ST_ReducePrecision(ST_Union(geom), 1e-7)), 7)::json as geometry, ST_NumGeometries(ST_Union(geom)) as parts,
      count(distinct village_code)::int as villages
    from plan_grids where plan_id = ${planId} and id = any(${ids}::bigint[])`.execute(db);
  return rows[0];
}

export interface ImportRow {
  index: number;
  villageCode: string | null;
  geometry: GeoJsonGeometry | null;
  /** Why the feature cannot be imported: English message, code and params. */
  error: ReturnType<typeof described> | null;
}

/**
 * Features of an imported grid layer, each checked (valid polygon), placed in the village of the
 * plan that holds most of it, clipped to that village and put on the 1e-7° grid. Overlaps and gaps
 * between imported grids are kept: the draft's validation reports them.
 */
export async function importedGeometries(db: Kysely<Database>, planId: number, prefix: string, geometries: GeoJsonGeometry[]): Promise<ImportRow[]> {
  const { rows } = await sql<{ index: number; valid: boolean; reason: string; villageCode: string | null; geometry: GeoJsonGeometry | null }>`
    with input as (
      select (f.ordinality - 1)::int as index, ST_SetSRID(ST_GeomFromGeoJSON(f.value::text), 4326) as g
      from json_array_elements(${JSON.stringify(geometries)}::json) with ordinality f),
    placed as (
      select i.index, ST_IsValid(i.g) as valid, ST_IsValidReason(i.g) as reason, v.code, v.b, i.g
      from input i
      left join lateral (
        select r.code, coalesce(r.boundary, (select ST_Union(geom) from plan_grids where plan_id = ${planId} and village_code = r.code)) as b
        from regions r where r.level = 'village' and r.code >= ${prefix} and r.code < ${prefix + ':'} and ST_IsValid(i.g)
          and coalesce(r.boundary, (select ST_Union(geom) from plan_grids where plan_id = ${planId} and village_code = r.code)) && i.g
        order by ST_Area(ST_Intersection(i.g, coalesce(r.boundary,
          (select ST_Union(geom) from plan_grids where plan_id = ${planId} and village_code = r.code)))) desc nulls last
        limit 1) v on true)
    select index, valid, reason, code as village_code,
      case when valid and code is not null then
        ST_AsGeoJSON(${keepArea(sql`case when b is null then g else ST_Intersection(g, b) end`)}, 7)::json end as geometry
    from placed order by index`.execute(db);
  return rows.map((r) => ({
    index: r.index,
    villageCode: r.villageCode,
    geometry: r.geometry,
    error: !r.valid ? described('row.feature-invalid-polygon', { reason: r.reason }) : !r.villageCode ? described('row.feature-outside-plan')
      : !r.geometry ? described('row.feature-empty-after-clip') : null,
  }));
}
