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

export interface GeoJsonGeometry {
  type: string;
  coordinates: unknown;
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
