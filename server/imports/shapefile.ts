/// <reference path="./shpjs.d.ts" />
import shp from 'shpjs';
import type { GeoJsonGeometry } from '../db/geo.ts';
import { problem } from '../http/problem.ts';
import { PolygonInput } from '../http/schemas.ts';
import { readZip } from './zip.ts';

export interface ImportedFeature {
  geometry: GeoJsonGeometry;
  properties: Record<string, unknown> | null;
}

/**
 * Reads a zipped Shapefile (.shp, .dbf, and .prj/.cpg when present: shpjs reprojects through proj4,
 * so CGCS2000 / EPSG:4490 and projected CRSs arrive as lon/lat) into features. The zip is unpacked by
 * readZip (server/imports/zip.ts), which caps the unpacked size and the entry count (413); shpjs
 * parses the extracted files. For grid layers
 * (polygonsOnly, the default) each geometry gets the same structure and range checks as GeoJSON input; any failure is a 422 listing
 * the features concerned, by their position in the file.
 */
export async function readZippedShapefile(zip: ArrayBuffer | Uint8Array, options: { polygonsOnly?: boolean } = {}): Promise<ImportedFeature[]> {
  const polygonsOnly = options.polygonsOnly ?? true;
  const files = readZip(zip instanceof Uint8Array ? zip : new Uint8Array(zip), (name) => !name.includes('__MACOSX') && /\.(shp|dbf|prj|cpg)$/i.test(name));
  const layers = [...files.keys()].filter((name) => /\.shp$/i.test(name)).map((name) => name.slice(0, -4));
  if (layers.length === 0) throw problem('shapefile.no-layer');
  if (layers.length !== 1) throw problem('shapefile.several-layers', { layers: layers.length });
  const part = (extension: string) => [...files].find(([name]) => name.toLowerCase() === `${layers[0]}.${extension}`.toLowerCase())?.[1];
  const text = (bytes: Uint8Array | undefined) => (bytes ? new TextDecoder().decode(bytes) : undefined);
  let parsed: { features: Array<{ geometry: unknown; properties: Record<string, unknown> | null }> };
  try {
    parsed = await shp({ shp: part('shp')!, dbf: part('dbf'), prj: text(part('prj')), cpg: text(part('cpg')) }) as typeof parsed;
  } catch (error) {
    throw problem('shapefile.unreadable', { reason: (error as Error).message });
  }
  const errors: Array<{ feature: number; message: string }> = [];
  const features = parsed.features.map((f, i) => {
    const { bbox: _bbox, ...geometry } = (f.geometry ?? {}) as Record<string, unknown>;
    const checked = polygonsOnly ? PolygonInput.safeParse(geometry) : { success: true as const };
    if (!checked.success) errors.push({ feature: i, message: checked.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ') });
    return { geometry: geometry as unknown as GeoJsonGeometry, properties: f.properties };
  });
  if (!features.length) throw problem('shapefile.empty');
  if (errors.length) throw problem('shapefile.invalid-features', { invalid: errors.length }, { errors });
  return features;
}
