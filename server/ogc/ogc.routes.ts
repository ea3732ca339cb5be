import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Kysely } from 'kysely';
import type { GeoJsonGeometry } from '../db/geo.ts';
import type { Database } from '../db/schema.ts';
import type { AppEnv } from '../http/env.ts';
import { problem } from '../http/problem.ts';
import { listSiteCategories } from '../sites/sites.repository.ts';
import { type Link, esc, formatValue, geometrySvg, linkList, page, propertyLabels } from './ogc.html.ts';
import { ogcOpenApi } from './ogc.openapi.ts';
import { type Format, type ItemsQuery, checkNoParams, negotiateFormat, parseItemsQuery } from './ogc.params.ts';
import {
  gridById, gridExtent, pageGrids, pageRegions, pageSites, regionByCode, regionExtent, siteById, siteExtents,
} from './ogc.repository.ts';

/** Where app.ts mounts these routes; links are absolute, as OGC clients expect. */
const ROOT = '/ogc';
const CRS84 = 'http://www.opengis.net/def/crs/OGC/1.3/CRS84';
const GREGORIAN = 'http://www.opengis.net/def/uom/ISO-8601/0/Gregorian';

const conformsTo = [
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30',
];

const types = {
  json: 'application/json',
  geojson: 'application/geo+json',
  html: 'text/html',
  openapi: 'application/vnd.oai.openapi+json;version=3.0',
} as const;

type Kind = 'regions' | 'grids' | 'sites';

interface CollectionDef {
  id: string;
  kind: Kind;
  category?: string;
  title: string;
  description: string;
}

type Bounds = [number, number, number, number];

/** regions, grids, sites, then one collection per site category (categories are data). */
async function collectionDefs(db: Kysely<Database>): Promise<CollectionDef[]> {
  const categories = await listSiteCategories(db);
  return [
    { id: 'regions', kind: 'regions', title: '行政区划 Regions', description: '县、乡镇/街道、村/社区及其边界 County, townships and villages with their boundaries' },
    { id: 'grids', kind: 'grids', title: '网格 Grids', description: '全科网格与专属网格（当前版本；datetime 查询历史版本） Comprehensive and dedicated grids: current versions, or those valid at `datetime`' },
    { id: 'sites', kind: 'sites', title: '重点场所 Key sites', description: '全部类别的重点场所 Key sites of every category' },
    ...categories.map((sc): CollectionDef => ({
      id: `sites-${sc.code}`, kind: 'sites', category: sc.code,
      title: `${sc.name} ${sc.nameEn}`, description: `重点场所：${sc.name} Key sites: ${sc.nameEn}`,
    })),
  ];
}

async function resolveCollection(db: Kysely<Database>, id: string): Promise<CollectionDef> {
  const def = (await collectionDefs(db)).find((d) => d.id === id);
  if (!def) throw problem('collection.not-found', { collection: id });
  return def;
}

/** Spatial extents of the data in the caller's scope; an empty collection falls back to the scope's regions. */
async function extentsOf(db: Kysely<Database>, defs: CollectionDef[]) {
  const wanted = new Set(defs.map((d) => d.kind));
  const single = defs.length === 1 ? defs[0].category : undefined;
  const [regions, grids, sites] = await Promise.all([
    regionExtent(db),
    wanted.has('grids') ? gridExtent(db) : undefined,
    wanted.has('sites') ? siteExtents(db, single) : undefined,
  ]);
  const union = (boxes: (Bounds | null)[]): Bounds | null => {
    const real = boxes.filter((b): b is Bounds => b !== null);
    if (!real.length) return null;
    return [Math.min(...real.map((b) => b[0])), Math.min(...real.map((b) => b[1])),
      Math.max(...real.map((b) => b[2])), Math.max(...real.map((b) => b[3]))];
  };
  return (def: CollectionDef) => {
    let bbox: Bounds | null = regions;
    let first: Date | null = null;
    if (def.kind === 'grids') { bbox = grids!.bbox ?? regions; first = grids!.firstValidFrom; }
    if (def.kind === 'sites') {
      bbox = (def.category ? sites!.get(def.category) ?? null : union([...sites!.values()])) ?? regions;
    }
    return {
      ...(bbox ? { spatial: { bbox: [bbox.map((v) => Math.round(v * 1e7) / 1e7)], crs: CRS84 } } : {}),
      ...(def.kind === 'grids' && first ? { temporal: { interval: [[first.toISOString(), null]], trs: GREGORIAN } } : {}),
    };
  };
}

function origin(c: Context): string {
  return new URL(c.req.url).origin + ROOT;
}

/** Query strings with readable commas, slashes and colons (bbox, datetime). */
function query(params: Record<string, string | number | undefined>): string {
  const parts = Object.entries(params).filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${k}=${encodeURIComponent(String(v)).replace(/%2C/gi, ',').replace(/%2F/gi, '/').replace(/%3A/gi, ':')}`);
  return parts.length ? `?${parts.join('&')}` : '';
}

function send(c: Context, format: Format, json: unknown, jsonType: string, html: () => string): Response {
  const headers = { vary: 'Accept' };
  if (format === 'html') return c.body(html(), 200, { ...headers, 'content-type': 'text/html; charset=utf-8' });
  return c.body(JSON.stringify(json), 200, { ...headers, 'content-type': jsonType });
}

/** Self (in the format served) and alternate (the other one) for a resource at `path`. */
function selfLinks(base: string, path: string, format: Format, jsonType: string, params: Record<string, string | number | undefined> = {}): Link[] {
  const json = { href: `${base}${path}${query({ ...params, f: 'json' })}`, type: jsonType };
  const html = { href: `${base}${path}${query({ ...params, f: 'html' })}`, type: types.html };
  return format === 'json'
    ? [{ ...json, rel: 'self', title: '本页 This document (JSON)' }, { ...html, rel: 'alternate', title: '本页 This document (HTML)' }]
    : [{ ...html, rel: 'self', title: '本页 This document (HTML)' }, { ...json, rel: 'alternate', title: '本页 This document (JSON)' }];
}

function jsonHrefOf(links: Link[]): string | undefined {
  return links.find((l) => l.type !== types.html && (l.rel === 'alternate' || l.rel === 'self'))?.href;
}

function crumbs(base: string, ...more: [string, string][]): [string, string][] {
  return [['首页 Home', `${base}?f=html`], ...more];
}

function collectionJson(base: string, def: CollectionDef, extent: object, format: Format) {
  const items = `${base}/collections/${def.id}/items`;
  return {
    id: def.id,
    title: def.title,
    description: def.description,
    links: [
      ...selfLinks(base, `/collections/${def.id}`, format, types.json),
      { href: `${items}?f=json`, rel: 'items', type: types.geojson, title: `${def.title} (GeoJSON)` },
      { href: `${items}?f=html`, rel: 'items', type: types.html, title: `${def.title} (HTML)` },
    ],
    extent,
    itemType: 'feature',
    crs: [CRS84],
    storageCrs: CRS84,
  };
}

/** Rows of each kind as GeoJSON features with the same properties as /api's. */
type FeatureOut = { type: 'Feature'; id: string | number; geometry: GeoJsonGeometry | null; properties: Record<string, unknown> };

function gridFeature(row: NonNullable<Awaited<ReturnType<typeof gridById>>>): FeatureOut {
  const { geometry, ...p } = row;
  return { type: 'Feature', id: p.id, geometry, properties: { ...p, validFrom: p.validFrom.toISOString(), validTo: p.validTo?.toISOString() ?? null } };
}

function siteFeature(row: NonNullable<Awaited<ReturnType<typeof siteById>>>): FeatureOut {
  const { geometry, ...p } = row;
  return { type: 'Feature', id: p.id, geometry, properties: p };
}

function regionFeature(row: NonNullable<Awaited<ReturnType<typeof regionByCode>>>): FeatureOut {
  const { geometry, ...p } = row;
  return { type: 'Feature', id: p.code, geometry: geometry as GeoJsonGeometry | null, properties: p };
}

async function fetchPage(db: Kysely<Database>, def: CollectionDef, q: ItemsQuery) {
  // numberMatched reads the whole (filtered) collection: first pages only, deep pages stay cheap
  const pageReq = { limit: q.limit, offset: q.offset, after: q.after, before: q.before, bbox: q.bbox,
    count: q.after === undefined && q.before === undefined };
  if (def.kind === 'grids') {
    const { rows, ...rest } = await pageGrids(db, pageReq, q.datetime);
    return { features: rows.map(gridFeature), ...rest };
  }
  if (def.kind === 'sites') {
    const { rows, ...rest } = await pageSites(db, pageReq, def.category);
    return { features: rows.map(siteFeature), ...rest };
  }
  const { rows, ...rest } = await pageRegions(db, pageReq);
  return { features: rows.map(regionFeature), ...rest };
}

async function fetchOne(db: Kysely<Database>, def: CollectionDef, featureId: string): Promise<FeatureOut | undefined> {
  if (def.kind === 'regions') {
    if (!/^\d{12}$/.test(featureId)) return undefined;
    const row = await regionByCode(db, featureId);
    return row && regionFeature(row);
  }
  if (!/^\d{1,15}$/.test(featureId)) return undefined;
  const id = Number(featureId);
  if (def.kind === 'grids') {
    const row = await gridById(db, id);
    return row && gridFeature(row);
  }
  const row = await siteById(db, id, def.category);
  return row && siteFeature(row);
}

/** The columns the HTML table shows per kind; the feature page shows every property. */
const tableColumns: Record<Kind, string[]> = {
  regions: ['name', 'level', 'parentCode', 'childCount'],
  grids: ['code', 'name', 'layer', 'villageName', 'households', 'population', 'version', 'validFrom', 'validTo'],
  sites: ['name', 'category', 'regionCode', 'gridId'],
};

function cell(value: unknown): string {
  return `<td${typeof value === 'number' ? ' class="num"' : ''}>${formatValue(value)}</td>`;
}

/** OGC API – Features, Part 1 (core, GeoJSON, HTML, OpenAPI 3.0) over the caller's scoped transaction. */
export function ogcRoutes() {
  return new OpenAPIHono<AppEnv>()

  .get('/', (c) => {
    checkNoParams(c);
    const format = negotiateFormat(c);
    const base = origin(c);
    const links: Link[] = [
      ...selfLinks(base, '', format, types.json),
      { href: `${base}/api`, rel: 'service-desc', type: types.openapi, title: 'API 定义 API definition (OpenAPI 3.0)' },
      { href: `${base}/api?f=html`, rel: 'service-doc', type: types.html, title: 'API 文档 API documentation' },
      { href: `${base}/conformance?f=json`, rel: 'conformance', type: types.json, title: '符合性声明 Conformance' },
      { href: `${base}/conformance?f=html`, rel: 'conformance', type: types.html, title: '符合性声明 Conformance (HTML)' },
      { href: `${base}/collections?f=json`, rel: 'data', type: types.json, title: '数据集合 Collections' },
      { href: `${base}/collections?f=html`, rel: 'data', type: types.html, title: '数据集合 Collections (HTML)' },
    ];
    const body = {
      title: '平安网格 OGC API – Features',
      description: '网格化服务管理的行政区划、网格与重点场所（按当前用户权限范围）。 Regions, grids and key sites of grid management, within the caller\'s scope.',
      links,
    };
    return send(c, format, body, types.json, () => page(body.title, crumbs(base), jsonHrefOf(links),
      `<p>${esc(body.description)}</p>
<h2>数据 Data</h2><p><a href="${esc(`${base}/collections?f=html`)}">数据集合 Collections</a></p>
<h2>接口 API</h2>${linkList(links.filter((l) => l.rel !== 'self' && l.rel !== 'alternate'))}
<h2>在 GIS 软件中使用 Use in GIS software</h2>
<p>QGIS / ArcGIS / GDAL: 添加 OGC API – Features 连接，地址 Add an OGC API – Features connection with the URL <code>${esc(base)}</code>,
并发送请求头 sending the header <code>Authorization: Bearer &lt;token&gt;</code>
（令牌用 <code>npm run cli -- tokens create</code> 生成 tokens come from the CLI）。</p>
<p><code>GDAL_HTTP_HEADERS="Authorization: Bearer …" ogrinfo "OAPIF:${esc(base)}"</code></p>`));
  })

  .get('/conformance', (c) => {
    checkNoParams(c);
    const format = negotiateFormat(c);
    const base = origin(c);
    const body = { conformsTo, links: selfLinks(base, '/conformance', format, types.json) };
    return send(c, format, body, types.json, () => page('符合性声明 Conformance', crumbs(base, ['符合性声明 Conformance', `${base}/conformance?f=html`]),
      jsonHrefOf(body.links), `<ul>${conformsTo.map((u) => `<li><code>${esc(u)}</code></li>`).join('')}</ul>`));
  })

  .get('/api', async (c) => {
    checkNoParams(c);
    const format = negotiateFormat(c);
    const base = origin(c);
    const ids = (await collectionDefs(c.get('db'))).map((d) => d.id);
    const doc = ogcOpenApi(base, ids);
    return send(c, format, doc, types.openapi, () => {
      const rows = Object.entries(doc.paths).map(([path, item]) => {
        const op = item.get as { summary: string; description?: string; parameters: { $ref: string }[] };
        const params = op.parameters.map((p) => p.$ref.split('/').pop()!);
        return `<tr><td><code>GET ${esc(ROOT + (path === '/' ? '' : path))}</code></td><td>${esc(op.summary)}${op.description ? `<br><span class="muted">${esc(op.description)}</span>` : ''}</td>
<td>${params.map((p) => `<code>${esc(p)}</code>`).join(' ')}</td></tr>`;
      }).join('');
      const params = Object.values(doc.components.parameters)
        .map((p) => `<tr><td><code>${esc(p.name)}</code></td><td>${esc(('description' in p ? p.description : '') ?? '')}</td></tr>`).join('');
      return page('API 文档 API documentation', crumbs(base, ['API', `${base}/api?f=html`]), `${base}/api`,
        `<p>${esc(doc.info.description)}</p>
<p>OpenAPI 3.0: <a href="${esc(`${base}/api?f=json`)}">${esc(`${base}/api`)}</a></p>
<h2>操作 Operations</h2><table><tr><th>路径 Path</th><th>说明 Summary</th><th>参数 Parameters</th></tr>${rows}</table>
<h2>参数 Parameters</h2><table><tr><th>名称 Name</th><th>说明 Description</th></tr>${params}</table>
<h2>数据集合 Collections</h2><p>${ids.map((id) => `<a href="${esc(`${base}/collections/${id}?f=html`)}"><code>${esc(id)}</code></a>`).join(' ')}</p>`);
    });
  })

  .get('/collections', async (c) => {
    checkNoParams(c);
    const format = negotiateFormat(c);
    const base = origin(c);
    const db = c.get('db');
    const defs = await collectionDefs(db);
    const extentOf = await extentsOf(db, defs);
    const collections = defs.map((d) => collectionJson(base, d, extentOf(d), 'json'));
    const body = { links: selfLinks(base, '/collections', format, types.json), collections };
    return send(c, format, body, types.json, () => page('数据集合 Collections', crumbs(base, ['数据集合 Collections', `${base}/collections?f=html`]),
      jsonHrefOf(body.links), `<table><tr><th>标识 Id</th><th>名称 Title</th><th>说明 Description</th><th>要素 Features</th></tr>
${collections.map((col) => `<tr><td><a href="${esc(`${base}/collections/${col.id}?f=html`)}"><code>${esc(col.id)}</code></a></td>
<td>${esc(col.title)}</td><td>${esc(col.description)}</td>
<td><a href="${esc(`${base}/collections/${col.id}/items?f=html`)}">浏览 Browse</a> · <a href="${esc(`${base}/collections/${col.id}/items?f=json`)}">GeoJSON</a></td></tr>`).join('\n')}
</table>`));
  })

  .get('/collections/:collectionId', async (c) => {
    checkNoParams(c);
    const format = negotiateFormat(c);
    const base = origin(c);
    const db = c.get('db');
    const def = await resolveCollection(db, c.req.param('collectionId'));
    const extent = (await extentsOf(db, [def]))(def);
    const body = collectionJson(base, def, extent, format);
    return send(c, format, body, types.json, () => {
      const bbox = (extent as { spatial?: { bbox: number[][] } }).spatial?.bbox[0];
      const temporal = (extent as { temporal?: { interval: (string | null)[][] } }).temporal?.interval[0];
      return page(def.title, crumbs(base, ['数据集合 Collections', `${base}/collections?f=html`], [def.title, `${base}/collections/${def.id}?f=html`]),
        jsonHrefOf(body.links), `<p>${esc(def.description)}</p>
<table><tr><th>标识 Id</th><td><code>${esc(def.id)}</code></td></tr>
<tr><th>空间范围 Spatial extent (CRS84)</th><td>${bbox ? esc(bbox.join(', ')) : '<span class="muted">—</span>'}</td></tr>
${temporal ? `<tr><th>时间范围 Temporal extent</th><td>${esc(temporal[0])} – ${esc(temporal[1] ?? '..')}</td></tr>` : ''}
<tr><th>要素类型 Item type</th><td>feature</td></tr></table>
<h2>要素 Features</h2>${linkList(body.links.filter((l) => l.rel === 'items'))}`);
    });
  })

  .get('/collections/:collectionId/items', async (c) => {
    const db = c.get('db');
    const def = await resolveCollection(db, c.req.param('collectionId'));
    const q = parseItemsQuery(c);
    const format = negotiateFormat(c);
    const base = origin(c);
    const { features, matched, more } = await fetchPage(db, def, q);
    const path = `/collections/${def.id}/items`;
    const params = { limit: q.limit, bbox: q.raw.bbox, datetime: q.raw.datetime };
    const at = (cursor: { after?: string; before?: string; offset?: number }, f: Format) => `${base}${path}${query({ ...params, ...cursor, f })}`;
    const type = format === 'json' ? types.geojson : types.html;
    // keyset links: next starts after this page's last feature, prev ends before its first
    const [first, last] = [features[0], features.at(-1)].map((ft) => (ft ? String(ft.id) : undefined));
    const backwards = q.before !== undefined;
    const hasNext = last !== undefined && (backwards || more);
    const hasPrev = first !== undefined && (backwards ? more : q.after !== undefined || q.offset > 0);
    const cursor = { after: q.after, before: q.before, offset: q.offset || undefined };
    const links: Link[] = [
      ...selfLinks(base, path, format, types.geojson, { ...params, ...cursor }),
      ...(hasNext ? [{ href: at({ after: last }, format), rel: 'next', type, title: '下一页 Next page' }] : []),
      ...(hasPrev ? [{ href: at({ before: first }, format), rel: 'prev', type, title: '上一页 Previous page' }] : []),
      { href: `${base}/collections/${def.id}?f=json`, rel: 'collection', type: types.json, title: def.title },
    ];
    const body = {
      type: 'FeatureCollection', features, links,
      timeStamp: new Date().toISOString(), ...(matched !== undefined ? { numberMatched: matched } : {}), numberReturned: features.length,
    };
    return send(c, format, body, types.geojson, () => {
      const columns = tableColumns[def.kind];
      const rows = features.map((ft) => `<tr><td><a href="${esc(`${base}${path}/${ft.id}?f=html`)}">${esc(ft.id)}</a></td>${columns.map((k) => cell(ft.properties[k])).join('')}</tr>`).join('\n');
      const pager = links.filter((l) => l.rel === 'prev' || l.rel === 'next')
        .map((l) => `<a href="${esc(l.href)}">${esc(l.title)}</a>`).join('');
      return page(`${def.title} · 要素 Features`, crumbs(base, ['数据集合 Collections', `${base}/collections?f=html`],
        [def.title, `${base}/collections/${def.id}?f=html`], ['要素 Features', at(cursor, 'html')]), jsonHrefOf(links),
      `<p>${matched !== undefined ? `共 ${matched} 个要素，` : ''}本页 ${features.length} 个${first ? `（${esc(first)} – ${esc(last!)}）` : ''}。
${matched !== undefined ? `${matched} features matched, ` : ''}${features.length} on this page${first ? ` (${esc(first)} – ${esc(last!)})` : ''}.
${q.raw.bbox ? `<br>范围 bbox: <code>${esc(q.raw.bbox)}</code>` : ''}${q.raw.datetime ? `<br>时间 datetime: <code>${esc(q.raw.datetime)}</code>` : ''}</p>
<div class="pager">${pager}</div>
<table><tr><th>${esc(propertyLabels.id)}</th>${columns.map((k) => `<th>${esc(propertyLabels[k] ?? k)}</th>`).join('')}</tr>
${rows}</table>
<div class="pager">${pager}</div>`);
    });
  })

  .get('/collections/:collectionId/items/:featureId', async (c) => {
    checkNoParams(c);
    const db = c.get('db');
    const def = await resolveCollection(db, c.req.param('collectionId'));
    const format = negotiateFormat(c);
    const base = origin(c);
    const featureId = c.req.param('featureId');
    const found = await fetchOne(db, def, featureId);
    if (!found) throw problem('feature.not-found', { featureId, collection: def.id });
    const path = `/collections/${def.id}/items/${encodeURIComponent(String(found.id))}`;
    const links: Link[] = [
      ...selfLinks(base, path, format, types.geojson),
      { href: `${base}/collections/${def.id}?f=json`, rel: 'collection', type: types.json, title: def.title },
    ];
    const body = { ...found, links };
    return send(c, format, body, types.geojson, () => {
      const name = String(found.properties.name ?? found.id);
      return page(`${name} · ${def.title}`, crumbs(base, ['数据集合 Collections', `${base}/collections?f=html`],
        [def.title, `${base}/collections/${def.id}?f=html`], ['要素 Features', `${base}/collections/${def.id}/items?f=html`], [name, `${base}${path}?f=html`]),
      jsonHrefOf(links), `<table>${Object.entries(found.properties)
        .map(([k, v]) => `<tr><th>${esc(propertyLabels[k] ?? k)}</th>${cell(v)}</tr>`).join('\n')}</table>
<h2>几何 Geometry: ${esc(found.geometry?.type ?? '—')}</h2>${geometrySvg(found.geometry)}`);
    });
  });
}
