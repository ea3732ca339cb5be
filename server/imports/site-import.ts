import { DOMParser } from '@xmldom/xmldom';
import { kml } from '@tmcw/togeojson';
import gcoord from 'gcoord';
import type { Kysely } from 'kysely';
import type { GeoJsonGeometry } from '../db/geo.ts';
import type { Database, ImportFailure } from '../db/schema.ts';
import { writeAudit } from '../audit/audit.repository.ts';
import type { AuthUser } from '../http/env.ts';
import { described, problem } from '../http/problem.ts';
import { SiteGeometry } from '../sites/sites.routes.ts';
import { type SiteCategories, categoryErrors, siteCategories } from '../sites/sites.service.ts';
import { CsvError, type CsvRecord, decodeText, iterateCsv } from './csv.ts';
import {
  claimUnfinishedJob, clearStaging, finishJob, insertJob, insertStagedSites, recordJobProgress, stageRows, stagedRows,
} from './import-jobs.repository.ts';
import { readZippedShapefile } from './shapefile.ts';

type Db = Kysely<Database>;
export type Crs = 'wgs84' | 'cgcs2000' | 'gcj02' | 'bd09';
export type Format = 'geojson' | 'csv' | 'shapefile' | 'kml';

interface Row { row: number; geometry: GeoJsonGeometry; properties: Record<string, unknown> }
/** A bad row: English `message`, with a `code` and `params` (or a field `rule`) clients translate. */
export interface RowError { row: number; field: string; message: string; code?: string; rule?: string; params?: Record<string, unknown> }
type Item = Row | RowError;

/** Rows per batch: one placement query and one progress update each. */
export const BATCH_ROWS = 2000;
/** Files with more rows run as background jobs (202 + polling); smaller ones answer at once. */
export const SYNC_MAX_ROWS = 5000;
/** Row errors kept in a job's report (the count is always exact). */
const MAX_STORED_ERRORS = 1000;
const PREVIEW_ROWS = 2000;

/** The format by the file's name (what users upload: .geojson/.json, .csv, .kml, a zipped Shapefile). */
export function formatOf(fileName: string): Format {
  if (/\.(geo)?json$/i.test(fileName)) return 'geojson';
  if (/\.csv$/i.test(fileName)) return 'csv';
  if (/\.zip$/i.test(fileName)) return 'shapefile';
  if (/\.kml$/i.test(fileName)) return 'kml';
  throw problem('import.unreadable-file-type', { fileName });
}

const pick = (p: Record<string, unknown>, keys: string[]) => {
  const key = Object.keys(p).find((k) => keys.includes(k.trim().toLowerCase()));
  return key === undefined ? undefined : { key, value: p[key] };
};
const LON = ['lon', 'lng', 'longitude', 'x', '经度'];
const LAT = ['lat', 'latitude', 'y', '纬度'];

/** CSV cells are text; numbers and booleans become what the attribute schema expects. */
function typed(text: string): unknown {
  if (/^-?\d+(\.\d+)?$/.test(text.trim())) return Number(text);
  if (/^(true|false|是|否)$/i.test(text.trim())) return /^(true|是)$/i.test(text.trim());
  return text;
}

/** A source of rows: how many there are, and the rows one by one (a CSV is never held as one array of records). */
interface Source { total: number; items(): Iterable<Item> }

/** A CSV with longitude/latitude columns (English or Chinese headers); other columns are attributes. */
function csvSource(bytes: Uint8Array): Source {
  const text = decodeText(bytes);
  const records = (): Generator<CsvRecord> => iterateCsv(text);
  let header: CsvRecord | undefined;
  let total = 0;
  try {
    for (const record of records()) { if (header) total++; else header = record; }
  } catch (error) {
    throw problem('import.csv-unreadable', { reason: error instanceof CsvError ? error.message : String(error) });
  }
  if (!header) throw problem('import.csv-empty');
  const names = header.fields.map((f) => f.trim());
  const lonAt = names.findIndex((n) => LON.includes(n.toLowerCase()));
  const latAt = names.findIndex((n) => LAT.includes(n.toLowerCase()));
  if (lonAt < 0 || latAt < 0) throw problem('import.csv-no-coordinates');
  return {
    total,
    *items() {
      let first = true;
      for (const record of records()) {
        if (first) { first = false; continue; }
        const lonText = record.fields[lonAt] ?? '';
        const latText = record.fields[latAt] ?? '';
        const lon = Number(lonText);
        const lat = Number(latText);
        if (!Number.isFinite(lon) || !Number.isFinite(lat) || lonText.trim() === '' || latText.trim() === '') {
          yield { row: record.line, field: 'lon/lat', ...described('row.coordinates-not-numbers') };
          continue;
        }
        const properties: Record<string, unknown> = {};
        names.forEach((n, i) => { if (i !== lonAt && i !== latAt && record.fields[i] !== undefined && record.fields[i] !== '') properties[n] = typed(record.fields[i]); });
        yield { row: record.line, geometry: { type: 'Point', coordinates: [lon, lat] }, properties };
      }
    },
  };
}

/** KML style and display properties that togeojson reports but that are no site attributes. */
const KML_DISPLAY = /^(styleUrl|styleHash|styleMap|stroke|stroke-opacity|stroke-width|fill|fill-opacity|icon|icon-.*|label-.*|visibility|timestamp)$/;

/** Drops heights (KML and shapefiles carry them) and turns a homogeneous GeometryCollection into its Multi* form. */
function flatGeometry(g: any): GeoJsonGeometry | null {
  if (!g || typeof g !== 'object') return null;
  const strip = (c: any): any => (typeof c?.[0] === 'number' ? c.slice(0, 2) : Array.isArray(c) ? c.map(strip) : c);
  if (g.type === 'GeometryCollection') {
    const parts = (g.geometries ?? []).map(flatGeometry).filter(Boolean) as GeoJsonGeometry[];
    const types = new Set(parts.map((p) => p.type.replace(/^Multi/, '')));
    if (parts.length === 0 || types.size !== 1) return g;
    const type = [...types][0];
    if (type === 'Point') return parts.length === 1 ? parts[0] : { type: 'MultiPoint', coordinates: parts.flatMap((p) => (p.type === 'Point' ? [p.coordinates] : p.coordinates as unknown[])) };
    return { type: `Multi${type}` as 'MultiLineString' | 'MultiPolygon', coordinates: parts.flatMap((p) => (p.type === type ? [p.coordinates] : p.coordinates as unknown[])) };
  }
  return { type: g.type, coordinates: strip(g.coordinates) };
}

function kmlSource(bytes: Uint8Array): Source {
  const errors: string[] = [];
  let doc;
  try {
    doc = new DOMParser({ onError: (level, message) => { if (level !== 'warning') errors.push(message); } })
      .parseFromString(decodeText(bytes), 'text/xml');
  } catch (error) {
    errors.push((error as Error).message);
  }
  if (!doc || errors.length || !doc.documentElement || doc.getElementsByTagName('kml').length + doc.getElementsByTagName('Document').length === 0) {
    throw problem('import.kml-unreadable', { reason: errors.length ? errors[0].split('\n')[0] : 'no kml or Document element' });
  }
  const features = kml(doc as never).features;
  if (!features.length) throw problem('import.kml-empty');
  return {
    total: features.length,
    items: () => features.map((f, i) => {
      // ExtendedData values are text, as in a CSV
      const properties = Object.fromEntries(Object.entries(f.properties ?? {}).filter(([k]) => !KML_DISPLAY.test(k))
        .map(([k, v]) => [k, typeof v === 'string' && k !== 'name' ? typed(v) : v]));
      return { row: i + 1, geometry: flatGeometry(f.geometry) as GeoJsonGeometry, properties };
    }),
  };
}

async function readSource(format: Format, bytes: Uint8Array): Promise<Source> {
  if (format === 'csv') return csvSource(bytes);
  if (format === 'kml') return kmlSource(bytes);
  if (format === 'shapefile') {
    const features = await readZippedShapefile(bytes, { polygonsOnly: false });
    return { total: features.length, items: () => features.map((f, i) => ({ row: i + 1, geometry: flatGeometry(f.geometry)!, properties: f.properties ?? {} })) };
  }
  let json: { type?: string; features?: Array<{ geometry?: unknown; properties?: Record<string, unknown> | null }> };
  try { json = JSON.parse(decodeText(bytes)); } catch (error) {
    throw problem('import.json-unreadable', { reason: (error as Error).message });
  }
  if (json.type !== 'FeatureCollection' || !Array.isArray(json.features)) throw problem('import.not-feature-collection');
  const features = json.features;
  return { total: features.length, items: () => features.map((f, i) => ({ row: i + 1, geometry: f.geometry as GeoJsonGeometry, properties: f.properties ?? {} })) };
}

const fromCrs = { gcj02: gcoord.GCJ02, bd09: gcoord.BD09 } as const;

export interface ImportInput { fileName: string; bytes: Uint8Array; crs: Crs; category?: string; dryRun: boolean }

/** An upload read and counted, ready to be processed now or as a background job. */
export interface PreparedImport { input: ImportInput; format: Format; source: Source }

/** Reads an upload far enough to know its format and its number of rows; unreadable files are a 4xx here. */
export async function prepareImport(input: ImportInput): Promise<PreparedImport> {
  const format = formatOf(input.fileName);
  return { input, format, source: await readSource(format, input.bytes) };
}

/** Inserts the job row of an import (status `running` for one processed now, `queued` for a background job). */
export async function createJob(db: Db, user: AuthUser, job: PreparedImport, status: 'running' | 'queued', ownerInstance: number | null = null) {
  return insertJob(db, {
    format: job.format, crs: job.input.crs, dryRun: job.input.dryRun, fileName: job.input.fileName, status, total: job.source.total,
    scopeCode: user.scopeCode, createdBy: user.id, ownerInstance,
  });
}

/** A job that was declared interrupted (its owner seemed gone) while this process still worked on it: the work stops, the job stays failed. */
export class JobInterrupted extends Error {
  constructor(jobId: number) { super(`import job ${jobId} is no longer queued or running`); }
}

/** Runs work in a transaction; the caller chooses how (the request's own transaction, or one per batch in a job). */
export type InTransaction = <T>(work: (db: Db) => Promise<T>) => Promise<T>;

/**
 * Reads, converts and checks an upload of key sites in batches. Amap/Tencent (GCJ-02) and Baidu
 * (BD-09) coordinates are converted to WGS84 explicitly, never guessed; CGCS2000 is taken as WGS84.
 * Every row is checked against its category; PostGIS checks validity and finds each site's village
 * and grid, a batch per query, and the rows wait in import_staging. A dry run only reports; a real
 * run inserts all rows in one final transaction or, if any row is wrong, none.
 */
export async function processImport(inTransaction: InTransaction, user: AuthUser, jobId: number, job: PreparedImport,
  options: { throwOnErrors: boolean }) {
  const { input, source } = job;
  const categories = await inTransaction((db) => siteCategories(db));
  const errorRows = new Set<number>();
  const stored: RowError[] = [];
  let errorCount = 0;
  let processed = 0;
  let batch: Item[] = [];
  const flush = async () => {
    const items = batch;
    batch = [];
    const errors = await inTransaction(async (db) => {
      const found = await stageBatch(db, categories, jobId, items, input);
      processed += items.length;
      for (const e of found) errorRows.add(e.row);
      errorCount += found.length;
      const keep = found.slice(0, Math.max(0, MAX_STORED_ERRORS - stored.length));
      stored.push(...keep);
      // only a job still queued/running goes on: one a sweep declared interrupted stays failed (this batch rolls back)
      const updated = await recordJobProgress(db, jobId, { processed, errorCount, valid: processed - errorRows.size, errors: keep });
      if (!updated) throw new JobInterrupted(jobId);
      return found;
    });
    return errors;
  };
  for (const item of source.items()) {
    batch.push(item);
    if (batch.length >= BATCH_ROWS) await flush();
  }
  if (batch.length || processed === 0) await flush();

  return inTransaction(async (db) => {
    if (!(await claimUnfinishedJob(db, jobId))) throw new JobInterrupted(jobId);
    const preview = await previewOf(db, jobId);
    const total = processed;
    const valid = total - errorRows.size;
    const errors = stored.sort((a, b) => a.row - b.row);
    let imported = 0;
    let status: 'checked' | 'imported' | 'failed' = 'checked';
    let message: string | null = null;
    let reason: ImportFailure | null = null;
    if (!input.dryRun && errorCount) {
      message = `${errorRows.size} of ${total} rows cannot be imported; nothing was imported`;
      if (options.throwOnErrors) throw problem('import.row-errors', { invalid: errorRows.size, total }, { errors });
      status = 'failed';
      reason = 'row-errors';
    } else if (!input.dryRun) {
      imported = await insertStagedSites(db, jobId);
      status = 'imported';
      await writeAudit(db, { actorId: user.id, action: 'site.import', entity: 'site', regionCode: user.scopeCode.padEnd(12, '0'),
        after: { fileName: input.fileName, crs: input.crs, imported, job: jobId } });
    }
    await clearStaging(db, jobId);
    await finishJob(db, jobId, { status, total, valid, imported, preview, message, reason });
    return { id: jobId, format: job.format, crs: input.crs, dryRun: input.dryRun, status, total, processed, valid, imported,
      errorCount, errors, message, reason, preview };
  });
}

/** Checks one batch in JavaScript (shape, name, category schema), then places and stages its rows in one query; returns its row errors. */
async function stageBatch(db: Db, categories: SiteCategories, jobId: number, items: Item[], input: ImportInput): Promise<RowError[]> {
  const errors: RowError[] = [];
  const checked: Array<{ row: number; category: string; name: string; attrs: Record<string, unknown>; geometry: GeoJsonGeometry }> = [];
  for (const r of items) {
    if (!('geometry' in r)) { errors.push(r); continue; }
    const shape = SiteGeometry.safeParse(r.geometry);
    const p = { ...r.properties };
    const cat = pick(p, ['category', '类别']);
    const name = pick(p, ['name', '名称', 'mc']);
    for (const f of [cat, name, pick(p, ['id', 'fid'])]) if (f) delete p[f.key];
    const category = String(cat?.value ?? input.category ?? '');
    const rowErrors: RowError[] = [];
    if (!shape.success) rowErrors.push({ row: r.row, field: 'geometry', ...described('row.not-a-geometry', { reason: shape.error.issues[0]?.message ?? 'unreadable' }) });
    if (!name?.value) rowErrors.push({ row: r.row, field: 'name', ...described('row.site-name-required') });
    if (shape.success) {
      const geometry = input.crs in fromCrs ? gcoord.transform(r.geometry as never, fromCrs[input.crs as 'gcj02' | 'bd09'], gcoord.WGS84) as GeoJsonGeometry : r.geometry;
      rowErrors.push(...categoryErrors(categories, category, geometry, null, p).map((e) => ({ row: r.row, field: e.path, message: e.message, rule: e.rule, params: e.params })));
      if (!rowErrors.length) checked.push({ row: r.row, category, name: String(name!.value).slice(0, 200), attrs: p, geometry });
    }
    errors.push(...rowErrors);
  }
  if (checked.length) {
    const misplaced = await stageRows(db, jobId, checked);
    for (const p of misplaced) {
      errors.push({ row: p.row, field: 'geometry', ...(p.valid ? described('row.site-outside-area') : described('row.site-invalid-geometry', { reason: p.reason })) });
    }
  }
  return errors.sort((a, b) => a.row - b.row);
}

/** The first staged rows, converted, with the village each falls in (null: none of the caller's): what the map previews. */
async function previewOf(db: Db, jobId: number) {
  const rows = await stagedRows(db, jobId, PREVIEW_ROWS);
  return { type: 'FeatureCollection', features: rows.map(({ geometry, ...p }) => ({ type: 'Feature', geometry, properties: p })) };
}

/** A small import, processed inside the request's own transaction (the existing synchronous answer). */
export async function importSites(db: Db, user: AuthUser, input: ImportInput) {
  const job = await prepareImport(input);
  const id = await createJob(db, user, job, 'running');
  return processImport((work) => work(db), user, id, job, { throwOnErrors: true });
}
