import shp from 'shpjs';
import type { GeoJsonGeometry } from '../db/geo.ts';
import { ProblemError } from '../http/problem.ts';
import { PolygonInput } from '../http/schemas.ts';

export interface ImportedFeature {
  geometry: GeoJsonGeometry;
  properties: Record<string, unknown> | null;
}

/**
 * Reads a zipped Shapefile (.shp, .shx, .dbf, and .prj when present: shpjs reprojects through proj4,
 * so CGCS2000 / EPSG:4490 and projected CRSs arrive as lon/lat) into features. For grid layers
 * (polygonsOnly, the default) each geometry gets the same structure and range checks as GeoJSON input; any failure is a 422 listing
 * the features concerned, by their position in the file.
 */
export async function readZippedShapefile(zip: ArrayBuffer, options: { polygonsOnly?: boolean } = {}): Promise<ImportedFeature[]> {
  const polygonsOnly = options.polygonsOnly ?? true;
  let parsed: unknown;
  try {
    parsed = await shp(zip);
  } catch (error) {
    throw new ProblemError(422, 'invalid-geometry', `not a readable zipped Shapefile: ${(error as Error).message}`);
  }
  const layers = (Array.isArray(parsed) ? parsed : [parsed]) as Array<{ features: Array<{ geometry: unknown; properties: Record<string, unknown> | null }> }>;
  if (layers.length !== 1) throw new ProblemError(422, 'validation', `the zip holds ${layers.length} layers; import one grid layer at a time`);
  const errors: Array<{ feature: number; message: string }> = [];
  const features = layers[0].features.map((f, i) => {
    const { bbox: _bbox, ...geometry } = (f.geometry ?? {}) as Record<string, unknown>;
    const checked = polygonsOnly ? PolygonInput.safeParse(geometry) : { success: true as const };
    if (!checked.success) errors.push({ feature: i, message: checked.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ') });
    return { geometry: geometry as unknown as GeoJsonGeometry, properties: f.properties };
  });
  if (!features.length) throw new ProblemError(422, 'validation', 'the Shapefile has no features');
  if (errors.length) throw new ProblemError(422, 'invalid-geometry', `${errors.length} features are not polygons with lon/lat coordinates; nothing was imported`, { errors });
  return features;
}
