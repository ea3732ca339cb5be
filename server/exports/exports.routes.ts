import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { Kysely } from 'kysely';
import { requireCapability } from '../auth/authorize.ts';
import type { Database } from '../db/schema.ts';
import { siteCategoryRows } from '../sites/sites.repository.ts';
import type { AppEnv } from '../http/env.ts';
import { streamedResponse } from '../http/compression.ts';
import { problem } from '../http/problem.ts';
import { Id, RegionOrPrefectureCode, notFoundResponse, problemResponses, problems, validationHook } from '../http/schemas.ts';
import { asCaller } from '../imports/as-caller.ts';
import { regionForCaller } from '../regions/regions.repository.ts';
import { listRules, ruleSummary, runRule } from '../rules/rules.repository.ts';
import { type ExportFilter, type ExportRow, PAGE_ROWS, gridsPage, sitesPage } from './exports.repository.ts';
import { type Column, attrColumns, csvLine, shapefileZip } from './writers.ts';

const Categories = z.string().regex(/^[a-z_]+(,[a-z_]+)*$/, 'comma-separated category codes').transform((v) => v.split(','));

const contentTypes = { geojson: 'application/geo+json', csv: 'text/csv; charset=utf-8', shp: 'application/zip' } as const;
const extensions = { geojson: 'geojson', csv: 'csv', shp: 'zip' } as const;
/** Shapefile exports are built in memory (one file per geometry type in one zip): this many features at most. */
const SHP_MAX_FEATURES = 100_000;

export function exportRoutes(owner: Kysely<Database>) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })

  .openapi(createRoute({
    method: 'get', path: '/', tags: ['imports'],
    summary: 'Export sites, grids or a rule\'s violations in the caller\'s scope as GeoJSON, CSV (UTF-8 with BOM; lon/lat for points, WKT otherwise) or a zipped Shapefile (one per geometry type, with .prj and .cpg)',
    request: { query: z.object({
      kind: z.enum(['sites', 'grids', 'violations']),
      format: z.enum(['geojson', 'csv', 'shp']).default('geojson'),
      category: Categories.optional(),
      region: RegionOrPrefectureCode.optional().openapi({ description: 'default: the caller\'s scope; a 4-digit prefecture for accounts whose scope covers it' }),
      rule: Id.optional().openapi({ description: 'kind=violations: the rule to run' }),
    }) },
    responses: {
      200: { description: 'The file, as an attachment', content: { 'application/geo+json': { schema: z.any() }, 'text/csv': { schema: z.string() },
        'application/zip': { schema: z.any().openapi({ type: 'string', format: 'binary' }) } } },
      ...problemResponses, ...notFoundResponse,
      413: { ...problems[413], description: 'Too many features for a Shapefile' },
    },
  }), async (c) => {
    await requireCapability(c, 'export');
    const q = c.req.valid('query');
    const db = c.get('db');
    const user = c.get('user')!;
    const prefix = q.region ? (await regionForCaller(db, user.scopeCode, q.region))?.prefix : user.scopeCode;
    if (!prefix) throw problem('region.not-found');
    const name = `${q.kind}-${prefix}-${new Date().toISOString().slice(0, 10)}.${extensions[q.format]}`;
    const headers = { 'content-type': contentTypes[q.format], 'content-disposition': `attachment; filename="${name}"`, 'cache-control': 'no-store' };

    if (q.kind === 'violations') {
      if (!q.rule) throw problem('export.rule-required');
      const rule = (await listRules(db)).find((r) => r.id === q.rule);
      if (!rule) throw problem('rule.not-found');
      if (rule.method === 'walking') throw problem('rule.walking-unsupported');
      const violations = await runRule(db, rule, { prefix });
      const rows: ExportRow[] = violations.map((v, i) => ({
        id: i + 1, geometry: v.geometry, wkt: '',
        properties: { rule: rule.code, ruleName: rule.name, severity: rule.severity, subjectId: v.subjectId, subjectName: v.subjectName,
          subjectCategory: v.subjectCategory, targetId: v.targetId, targetName: v.targetName, targetCategory: v.targetCategory,
          distance_m: v.distanceM, missing: v.missing?.map((m) => m.name).join('、') ?? null, siteId: v.siteId, regionCode: v.regionCode,
          gridId: v.gridId, lon: v.point[0], lat: v.point[1] },
      }));
      if (q.format === 'shp') return new Response(await shapefileZip(rows, ['rule', 'subjectId', 'subjectName', 'targetId', 'targetName', 'distance_m', 'missing', 'siteId']), { headers });
      if (q.format === 'geojson') {
        return new Response(JSON.stringify({ type: 'FeatureCollection', rule: ruleSummary(rule),
          features: rows.map((r) => ({ type: 'Feature', id: r.id, geometry: r.geometry, properties: r.properties })) }), { headers });
      }
      const columns: Column[] = ['rule', 'ruleName', 'severity', 'subjectId', 'subjectName', 'subjectCategory', 'targetId', 'targetName',
        'targetCategory', 'distance_m', 'missing', 'siteId', 'regionCode', 'gridId', 'lon', 'lat'].map((k) => ({ header: k, value: (r) => r.properties[k] }));
      return new Response('\uFEFF' + [csvLine(columns.map((col) => col.header)), ...rows.map((r) => csvLine(columns.map((col) => col.value(r))))].join(''), { headers });
    }

    const filter: ExportFilter = { prefix, categories: q.category };
    const page: (db: Kysely<Database>, f: ExportFilter, afterId: number, forShapefile: boolean) => Promise<ExportRow[]> =
      q.kind === 'sites' ? sitesPage : gridsPage;
    const readPage = (afterId: number): Promise<ExportRow[]> =>
      asCaller(owner, user, (trx) => page(trx, filter, afterId, false), { readOnly: true });

    if (q.format === 'shp') {
      // built in memory: read in the request's own transaction (the embedded database has one connection)
      const rows: ExportRow[] = [];
      for (let after = 0; ;) {
        const batch = await page(db, filter, after, true);
        rows.push(...batch);
        if (rows.length > SHP_MAX_FEATURES) throw problem('export.too-many-features', { max: SHP_MAX_FEATURES });
        if (batch.length < PAGE_ROWS) break;
        after = batch[batch.length - 1].id;
      }
      const fields = q.kind === 'sites' ? ['id', 'category', 'name', 'regionCode', 'villageName', 'gridId', 'attrs']
        : ['id', 'code', 'name', 'villageCode', 'villageName', 'households', 'population', 'version'];
      return new Response(await shapefileZip(rows, fields), { headers });
    }

    const columns = q.format === 'csv' ? await csvColumns(db, q.kind, q.category) : [];
    return streamedResponse(new Response(streamPages(readPage, q.format, columns), { headers }));
  });
}

/**
 * The file as a stream, a page of rows per short read-only transaction as the caller (a slow
 * download never holds a database connection, and the embedded database keeps serving).
 */
function streamPages(readPage: (afterId: number) => Promise<ExportRow[]>, format: 'geojson' | 'csv', columns: Column[]) {
  const encoder = new TextEncoder();
  let after = 0;
  let first = true;
  let done = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (done) return;
      const rows = await readPage(after);
      let text = '';
      if (first) text += format === 'csv' ? '\uFEFF' + csvLine(columns.map((c) => c.header)) : '{"type":"FeatureCollection","features":[\n';
      for (const [i, r] of rows.entries()) {
        text += format === 'csv' ? csvLine(columns.map((c) => c.value(r)))
          : `${first && i === 0 ? '' : ',\n'}${JSON.stringify({ type: 'Feature', id: r.id, geometry: r.geometry, properties: r.properties })}`;
      }
      first = false;
      if (rows.length) after = rows[rows.length - 1].id;
      if (rows.length < PAGE_ROWS) {
        done = true;
        if (format === 'geojson') text += '\n]}\n';
        controller.enqueue(encoder.encode(text));
        controller.close();
        return;
      }
      controller.enqueue(encoder.encode(text));
    },
  });
}

const point = (r: ExportRow) => (r.geometry.type === 'Point' ? r.geometry.coordinates as number[] : null);

async function csvColumns(db: Kysely<Database>, kind: 'sites' | 'grids', categories?: string[]): Promise<Column[]> {
  if (kind === 'grids') {
    return [...['id', 'code', 'name', 'villageCode', 'villageName', 'households', 'population', 'version']
      .map((k): Column => ({ header: k, value: (r) => r.properties[k] })), { header: 'wkt', value: (r) => r.wkt }];
  }
  const cats = await siteCategoryRows(db);
  const chosen = categories?.length ? cats.filter((c) => categories.includes(c.code)) : cats;
  const pointsOnly = chosen.length > 0 && chosen.every((c) => c.geometryKind === 'point');
  return [
    ...['id', 'category', 'name', 'regionCode', 'villageName', 'gridId'].map((k): Column => ({ header: k, value: (r) => r.properties[k] })),
    { header: 'lon', value: (r) => point(r)?.[0] ?? null },
    { header: 'lat', value: (r) => point(r)?.[1] ?? null },
    ...(pointsOnly ? [] : [{ header: 'wkt', value: (r: ExportRow) => (point(r) ? null : r.wkt) }]),
    ...attrColumns(chosen.map((c) => c.attrSchema)),
  ];
}

