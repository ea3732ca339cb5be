import gcoord from 'gcoord';
import { type Kysely, sql } from 'kysely';
import type { GeoJsonGeometry } from '../db/geo.ts';
import type { Database } from '../db/schema.ts';
import type { AuthUser } from '../http/env.ts';
import { ProblemError } from '../http/problem.ts';
import { SiteGeometry } from '../sites/sites.routes.ts';
import { categoryErrors, siteCategories } from '../sites/sites.service.ts';
import { CsvError, decodeText, parseCsv } from './csv.ts';
import { readZippedShapefile } from './shapefile.ts';

type Db = Kysely<Database>;
export type Crs = 'wgs84' | 'cgcs2000' | 'gcj02' | 'bd09';
export type Format = 'geojson' | 'csv' | 'shapefile';

interface Row { row: number; geometry: GeoJsonGeometry; properties: Record<string, unknown> }
interface RowError { row: number; field: string; message: string }

/** The format by the file's name (what users upload: .geojson/.json, .csv, a zipped Shapefile). */
export function formatOf(fileName: string): Format {
  if (/\.(geo)?json$/i.test(fileName)) return 'geojson';
  if (/\.csv$/i.test(fileName)) return 'csv';
  if (/\.zip$/i.test(fileName)) return 'shapefile';
  throw new ProblemError(415, 'unsupported-media-type', `cannot read "${fileName}": upload .geojson, .json, .csv or a zipped Shapefile (.zip)`);
}

const pick = (p: Record<string, unknown>, keys: string[]) => {
  const key = Object.keys(p).find((k) => keys.includes(k.trim().toLowerCase()));
  return key === undefined ? undefined : { key, value: p[key] };
};
const LON = ['lon', 'lng', 'longitude', 'x', '经度'];
const LAT = ['lat', 'latitude', 'y', '纬度'];

/** Rows of a CSV with longitude/latitude columns (English or Chinese headers); other columns are attributes. */
function csvRows(bytes: Uint8Array): { rows: Row[]; errors: RowError[] } {
  let records;
  try { records = parseCsv(decodeText(bytes)); } catch (error) {
    throw new ProblemError(422, 'validation', error instanceof CsvError ? error.message : String(error));
  }
  const [header, ...data] = records;
  if (!header) throw new ProblemError(422, 'validation', 'the CSV file is empty');
  const names = header.fields.map((f) => f.trim());
  const lonAt = names.findIndex((n) => LON.includes(n.toLowerCase()));
  const latAt = names.findIndex((n) => LAT.includes(n.toLowerCase()));
  if (lonAt < 0 || latAt < 0) throw new ProblemError(422, 'validation', 'the CSV needs longitude and latitude columns (lon/lat, lng, 经度/纬度)');
  const rows: Row[] = [];
  const errors: RowError[] = [];
  for (const record of data) {
    const lon = Number(record.fields[lonAt]);
    const lat = Number(record.fields[latAt]);
    if (!Number.isFinite(lon) || !Number.isFinite(lat) || record.fields[lonAt].trim() === '' || record.fields[latAt].trim() === '') {
      errors.push({ row: record.line, field: 'lon/lat', message: 'longitude and latitude must be numbers' });
      continue;
    }
    const properties: Record<string, unknown> = {};
    names.forEach((n, i) => { if (i !== lonAt && i !== latAt && record.fields[i] !== undefined && record.fields[i] !== '') properties[n] = typed(record.fields[i]); });
    rows.push({ row: record.line, geometry: { type: 'Point', coordinates: [lon, lat] }, properties });
  }
  return { rows, errors };
}

/** CSV cells are text; numbers and booleans become what the attribute schema expects. */
function typed(text: string): unknown {
  if (/^-?\d+(\.\d+)?$/.test(text.trim())) return Number(text);
  if (/^(true|false|是|否)$/i.test(text.trim())) return /^(true|是)$/i.test(text.trim());
  return text;
}

async function readRows(format: Format, bytes: Uint8Array): Promise<{ rows: Row[]; errors: RowError[] }> {
  if (format === 'csv') return csvRows(bytes);
  if (format === 'shapefile') {
    const features = await readZippedShapefile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer, { polygonsOnly: false });
    return { rows: features.map((f, i) => ({ row: i + 1, geometry: f.geometry, properties: f.properties ?? {} })), errors: [] };
  }
  let json: { type?: string; features?: Array<{ geometry?: unknown; properties?: Record<string, unknown> | null }> };
  try { json = JSON.parse(decodeText(bytes)); } catch (error) {
    throw new ProblemError(422, 'validation', `not valid JSON: ${(error as Error).message}`);
  }
  if (json.type !== 'FeatureCollection' || !Array.isArray(json.features)) throw new ProblemError(422, 'validation', 'a GeoJSON FeatureCollection is expected');
  return { rows: json.features.map((f, i) => ({ row: i + 1, geometry: f.geometry as GeoJsonGeometry, properties: f.properties ?? {} })), errors: [] };
}

const fromCrs = { gcj02: gcoord.GCJ02, bd09: gcoord.BD09 } as const;

/**
 * Reads, converts and checks an upload of key sites. Amap/Tencent (GCJ-02) and Baidu (BD-09)
 * coordinates are converted to WGS84 explicitly, never guessed; CGCS2000 is taken as WGS84. Every
 * row is checked against its category; PostGIS checks validity and finds each site's village and
 * grid in one query. A dry run only reports; a real run imports all rows or, if any is wrong, none.
 */
export async function importSites(db: Db, user: AuthUser, input: {
  fileName: string; bytes: Uint8Array; crs: Crs; category?: string; dryRun: boolean;
}) {
  const format = formatOf(input.fileName);
  const { rows, errors } = await readRows(format, input.bytes);
  const categories = await siteCategories(db);
  const checked: Array<Row & { category: string; name: string; attrs: Record<string, unknown> }> = [];
  for (const r of rows) {
    const shape = SiteGeometry.safeParse(r.geometry);
    const p = { ...r.properties };
    const cat = pick(p, ['category', '类别']);
    const name = pick(p, ['name', '名称', 'mc']);
    for (const f of [cat, name, pick(p, ['id', 'fid'])]) if (f) delete p[f.key];
    const category = String(cat?.value ?? input.category ?? '');
    const rowErrors: RowError[] = [];
    if (!shape.success) rowErrors.push({ row: r.row, field: 'geometry', message: shape.error.issues[0]?.message ?? 'not a GeoJSON geometry' });
    if (!name?.value) rowErrors.push({ row: r.row, field: 'name', message: 'every site needs a name (column name or 名称)' });
    if (shape.success) {
      const geometry = input.crs in fromCrs ? gcoord.transform(r.geometry as never, fromCrs[input.crs as 'gcj02' | 'bd09'], gcoord.WGS84) as GeoJsonGeometry : r.geometry;
      rowErrors.push(...categoryErrors(categories, category, geometry, null, p).map((e) => ({ row: r.row, field: e.path, message: e.message })));
      if (!rowErrors.length) checked.push({ ...r, geometry, category, name: String(name!.value).slice(0, 200), attrs: p });
    }
    errors.push(...rowErrors);
  }

  // validity and placement of all rows in one pass
  await sql`create temp table import_rows (row int, category text, name text, attrs jsonb, geom geometry) on commit drop`.execute(db);
  await sql`insert into import_rows select (r->>'row')::int, r->>'category', r->>'name', r->'attrs',
      ST_ReducePrecision(ST_SetSRID(ST_GeomFromGeoJSON(r->>'geometry'), 4326), 1e-7)
    from jsonb_array_elements(${JSON.stringify(checked.map((c) => ({ row: c.row, category: c.category, name: c.name, attrs: c.attrs, geometry: c.geometry })))}::jsonb) r`.execute(db);
  const { rows: placed } = await sql<{ row: number; valid: boolean; reason: string; villageCode: string | null; gridId: number | null }>`
    select i.row, ST_IsValid(i.geom) as valid, ST_IsValidReason(i.geom) as reason, g.village_code, g.id as grid_id
    from import_rows i left join lateral (select gr.id, gr.village_code from grids gr
      where gr.valid_to is null and gr.layer_id = 1 and ST_Intersects(gr.geom, ST_PointOnSurface(i.geom)) order by gr.code limit 1) g
      on ST_IsValid(i.geom)`.execute(db);
  for (const p of placed) {
    if (!p.valid) errors.push({ row: p.row, field: 'geometry', message: `not valid: ${p.reason}` });
    else if (!p.villageCode) errors.push({ row: p.row, field: 'geometry', message: 'lies in no grid of your area' });
  }
  errors.sort((a, b) => a.row - b.row);
  const preview = { type: 'FeatureCollection', features: checked.slice(0, 2000).map((c) => ({
    type: 'Feature', geometry: c.geometry, properties: { row: c.row, name: c.name, category: c.category,
      villageCode: placed.find((p) => p.row === c.row)?.villageCode ?? null } })) };
  const total = rows.length + errors.filter((e) => e.field === 'lon/lat').length;
  const valid = total - new Set(errors.map((e) => e.row)).size;
  if (!input.dryRun && errors.length) {
    throw new ProblemError(422, 'validation', `${new Set(errors.map((e) => e.row)).size} of ${total} rows cannot be imported; nothing was imported`, { errors });
  }
  let imported = 0;
  if (!input.dryRun) {
    const result = await sql`insert into sites (category, name, geom, attrs, region_code, grid_id)
      select i.category, i.name, i.geom, i.attrs, g.village_code, g.id from import_rows i
      cross join lateral (select gr.id, gr.village_code from grids gr where gr.valid_to is null and gr.layer_id = 1
        and ST_Intersects(gr.geom, ST_PointOnSurface(i.geom)) order by gr.code limit 1) g`.execute(db);
    imported = Number(result.numAffectedRows ?? 0);
    await db.insertInto('auditLog').values({ actorId: user.id, action: 'site.import', entity: 'site', regionCode: user.scopeCode.padEnd(12, '0'),
      after: JSON.stringify({ fileName: input.fileName, crs: input.crs, imported }) }).execute();
  }
  const { rows: [job] } = await sql<{ id: number }>`insert into import_jobs (kind, format, crs, dry_run, file_name, status, total, valid,
      imported, errors, preview, scope_code, created_by)
    values ('sites', ${format}, ${input.crs}, ${input.dryRun}, ${input.fileName}, ${input.dryRun ? 'checked' : 'imported'}, ${total}, ${valid},
      ${imported}, ${JSON.stringify(errors)}::jsonb, ${JSON.stringify(preview)}::jsonb, ${user.scopeCode}, ${user.id}) returning id`.execute(db);
  return { id: Number(job.id), format, crs: input.crs, dryRun: input.dryRun, total, valid, imported, errors, preview };
}
