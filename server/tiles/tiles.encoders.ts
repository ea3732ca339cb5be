import { geoJSONToTile, type GeoJSONVTFeature } from '@maplibre/geojson-vt';
import { fromGeojsonVt } from '@maplibre/vt-pbf';
import type { Feature, Geometry } from 'geojson';
import { type Kysely, sql } from 'kysely';
import type { DbKind } from '../db/connection.ts';
import type { Database } from '../db/schema.ts';
import { BUFFER, EXTENT, type TileAddress, layerProperties, tileSource } from './tiles.layers.ts';

/**
 * One tile interface, two encoders over the same SQL source (tiles.layers.ts):
 * - `postgis`: ST_AsMVT / ST_AsMVTGeom, the production path on PostgreSQL;
 * - `js`: GeoJSON out of PostGIS, encoded with geojson-vt + vt-pbf, because PGlite's PostGIS is
 *   built without protobuf and has no ST_AsMVT. It runs on PostgreSQL too, so tests compare both.
 * Both return the tile's bytes; an empty array means the tile holds no feature.
 */
export interface TileEncoder {
  readonly name: 'postgis' | 'js';
  encode(db: Kysely<Database>, tile: TileAddress): Promise<Uint8Array>;
}

const empty = new Uint8Array(0);

export const postgisEncoder: TileEncoder = {
  name: 'postgis',
  async encode(db, tile) {
    const source = tileSource(tile);
    if (!source) return empty;
    const { layer, z, x, y } = tile;
    const columns = sql.raw(layerProperties(layer, z).map((p) => `src."${p}"`).join(', '));
    // fid is named as the feature id, so ST_AsMVT keeps it out of the properties. `offset 0` keeps
    // the null test from being pushed down, which made PostgreSQL compute ST_AsMVTGeom twice.
    const { rows } = await sql<{ mvt: Uint8Array | null }>`
      select ST_AsMVT(t, ${layer}::text, ${EXTENT}::int, 'geom', 'fid') as mvt from (
        select src.fid, ${columns},
          ST_AsMVTGeom(src.g, ST_TileEnvelope(${z}::int, ${x}::int, ${y}::int)::box2d, ${EXTENT}::int, ${BUFFER}::int, true) as geom
        from (${source}) src
        offset 0
      ) t
      where t.geom is not null`.execute(db);
    const mvt = rows[0]?.mvt;
    return mvt && mvt.length > 0 ? new Uint8Array(mvt.buffer, mvt.byteOffset, mvt.byteLength) : empty;
  },
};

interface GeoJsonRow {
  fid: number | string;
  geometry: Geometry;
  [property: string]: unknown;
}

export const jsEncoder: TileEncoder = {
  name: 'js',
  async encode(db, tile) {
    const source = tileSource(tile);
    if (!source) return empty;
    const { layer, z, x, y } = tile;
    const properties = layerProperties(layer, z);
    const columns = sql.raw(properties.map((p) => `src."${p}"`).join(', '));
    // enough decimals for a tenth of a tile unit at this zoom (6 at z8, 9 at z22)
    const digits = Math.max(6, Math.ceil(Math.log10((2 ** z * EXTENT * 10) / 360)));
    const { rows } = await sql<GeoJsonRow>`
      select src.fid, ${columns}, ST_AsGeoJSON(ST_Transform(src.g, 4326), ${digits}::int)::json as geometry
      from (${source}) src`.execute(db);
    if (rows.length === 0) return empty;

    const features: Feature[] = rows.map((row) => ({
      type: 'Feature',
      id: Number(row.fid),
      geometry: row.geometry,
      properties: Object.fromEntries(properties.map((p) => [p, row[p]])),
    }));
    // maxZoom = z turns geojson-vt's own simplification off: SQL already simplified for this zoom
    const vt = geoJSONToTile({ type: 'FeatureCollection', features }, z, x, y,
      { extent: EXTENT, buffer: BUFFER, maxZoom: z, clip: true });
    const kept = vt.features.filter(keepLikePostgis);
    if (kept.length === 0) return empty;
    return fromGeojsonVt({ [layer]: { ...vt, features: kept } as typeof vt }, { version: 2, extent: EXTENT });
  },
};

/**
 * ST_AsMVTGeom drops lines and rings that collapse when snapped to the integer tile grid;
 * geojson-vt keeps them. Doing the same here keeps the two encoders' feature sets equal.
 */
function keepLikePostgis(feature: GeoJSONVTFeature): boolean {
  if (feature.type === 1) return feature.geometry.length > 0;
  if (feature.type === 2) {
    feature.geometry = feature.geometry.filter((line) => line.some(([px, py]) => px !== line[0][0] || py !== line[0][1]));
    return feature.geometry.length > 0;
  }
  // polygons: drop zero-area rings, and the holes of a dropped outer ring. geojson-vt writes each
  // polygon outer ring first and winds outer rings and holes oppositely, so the first ring's sign
  // tells outer rings from holes.
  const areas = feature.geometry.map(ringArea);
  const outerSign = Math.sign(areas.find((a) => a !== 0) ?? 0);
  let keepHoles = false;
  feature.geometry = feature.geometry.filter((_, i) => {
    const area = areas[i];
    // a collapsed ring is most likely an outer ring: drop the holes after it too
    if (area === 0) { keepHoles = false; return false; }
    if (Math.sign(area) !== outerSign) return keepHoles;
    keepHoles = true;
    return true;
  });
  return feature.geometry.length > 0;
}

function ringArea(ring: [number, number][]): number {
  let sum = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) sum += (ring[j][0] - ring[i][0]) * (ring[i][1] + ring[j][1]);
  return sum / 2;
}

export const encoders = { postgis: postgisEncoder, js: jsEncoder } as const;

/** The default encoder per engine: PGlite has no ST_AsMVT. */
export function defaultEncoder(kind: DbKind): TileEncoder {
  return kind === 'postgres' ? postgisEncoder : jsEncoder;
}
