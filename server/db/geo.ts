import { type RawBuilder, sql } from 'kysely';

/** GeoJSON of a geometry column, coordinates rounded to 1e-7° (about 1 cm). */
export function asGeoJson(column: string): RawBuilder<GeoJsonGeometry | null> {
  return sql<GeoJsonGeometry | null>`ST_AsGeoJSON(${sql.ref(column)}, 7)::json`;
}

/** Index-friendly bbox test (`&&`) against a lon/lat box in degrees. */
export function intersectsBbox(column: string, [w, s, e, n]: readonly [number, number, number, number]) {
  return sql<boolean>`${sql.ref(column)} && ST_MakeEnvelope(${w}, ${s}, ${e}, ${n}, 4326)`;
}

/** Codes in a region's subtree: a range on the "C"-collated code, so it uses the btree index. */
export function inSubtree(column: string, prefix: string) {
  return sql<boolean>`(${sql.ref(column)} >= ${prefix} and ${sql.ref(column)} < ${prefix + ':'})`;
}

/*
 * County filters (docs/scaling.md). grids, household_points, people, sites and incidents carry
 * `county_code`, the first 6 digits of their region code (a generated column, migration 0016) and
 * the column Citus would distribute them by. A range on the 12-digit code does not tell Citus which
 * shard holds the rows; an equality on county_code does. So every query that knows its county (or
 * can look it up) says so, through these two helpers and nothing else. On one PostgreSQL they
 * change no result: they narrow rows that the spatial or code index already found.
 */

/**
 * The county of a region subtree: `county_code = left(prefix, 6)`, added next to inSubtree() on a
 * table that has the column. A prefix above the county (a prefecture scope, 4 digits) spans
 * several counties by design: then nothing is added (`true`).
 */
export function inCounty(column: string, prefix: string) {
  return prefix.length >= 6 ? sql<boolean>`${sql.ref(column)} = ${prefix.slice(0, 6)}` : sql<boolean>`true`;
}

/**
 * Rows of the counties a geometry (a tile's box, a point, a batch of points) falls in:
 * `county_code = any(counties)`, the counties looked up in regions (a reference table on Citus) by
 * app.counties_meeting (migration 0016; every county where no boundary meets the geometry). The
 * `array(select …)` form is evaluated once per statement (an InitPlan), never per candidate row,
 * and leaves the plan's spatial index probe as it was.
 */
export function inCountiesMeeting(column: string, geom: RawBuilder<unknown>) {
  return sql<boolean>`${sql.ref(column)} = any(array(select c from app.counties_meeting(${geom}) c))`;
}

/** The geometry kinds the database holds and the API answers with (PostGIS ST_AsGeoJSON of our columns). */
export type GeometryKind = 'Point' | 'MultiPoint' | 'LineString' | 'MultiLineString' | 'Polygon' | 'MultiPolygon';

export interface GeoJsonGeometry {
  type: GeometryKind;
  coordinates: unknown[];
}

export interface Feature<P> {
  type: 'Feature';
  id?: number | string;
  geometry: GeoJsonGeometry | null;
  properties: P;
}

export interface FeatureCollection<P> {
  type: 'FeatureCollection';
  features: Feature<P>[];
}

/** Rows with a `geometry` column become Features; `id` is copied to the feature id when present. */
export function toFeature<R extends { geometry: GeoJsonGeometry | null }>(row: R): Feature<Omit<R, 'geometry'>> {
  const { geometry, ...properties } = row;
  const id = (properties as { id?: number | string }).id;
  return { type: 'Feature', ...(id !== undefined ? { id } : {}), geometry, properties };
}

export function toFeatureCollection<R extends { geometry: GeoJsonGeometry | null }>(rows: R[]): FeatureCollection<Omit<R, 'geometry'>> {
  return { type: 'FeatureCollection', features: rows.map(toFeature) };
}
