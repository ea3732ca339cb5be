/**
 * HTML encoding of the OGC resources (conformance class "html"): plain server-rendered pages,
 * Chinese with English, no script and no request beyond this server. Every value that comes
 * from the database or the request goes through `esc`.
 */

export interface Link {
  href: string;
  rel: string;
  type?: string;
  title?: string;
}

export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

const style = `
body{font:14px/1.5 system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:0;color:#1f2933;background:#f7f8fa}
header{background:#1d4e89;color:#fff;padding:10px 20px;display:flex;gap:16px;align-items:baseline;flex-wrap:wrap}
header a{color:#fff}header .home{font-weight:600;font-size:16px;text-decoration:none}
main{padding:16px 20px;max-width:1200px}h1{font-size:20px;margin:4px 0 12px}h2{font-size:16px;margin:20px 0 8px}
table{border-collapse:collapse;background:#fff;width:100%}th,td{border:1px solid #d9dee5;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#eef1f5;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums}
.muted{color:#65758b}.pager{margin:12px 0;display:flex;gap:16px}.formats{margin-left:auto}
code{background:#eef1f5;padding:0 3px;border-radius:3px}svg{background:#fff;border:1px solid #d9dee5}
`;

/** The page frame: a header with breadcrumbs and the JSON alternate. */
export function page(title: string, crumbs: [string, string][], jsonHref: string | undefined, body: string): string {
  const nav = crumbs.map(([label, href]) => `<a href="${esc(href)}">${esc(label)}</a>`).join(' › ');
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)} · 平安网格 OGC API</title><style>${style}</style></head>
<body><header><a class="home" href="${esc(crumbs[0]?.[1] ?? '#')}">平安网格 OGC API – Features</a><nav>${nav}</nav>
${jsonHref ? `<a class="formats" href="${esc(jsonHref)}">JSON</a>` : ''}</header>
<main><h1>${esc(title)}</h1>
${body}
</main></body></html>`;
}

export function linkList(links: Link[]): string {
  return `<ul>${links.map((l) => `<li><a href="${esc(l.href)}">${esc(l.title ?? l.rel)}</a> <span class="muted">(${esc(l.rel)}${l.type ? `, ${esc(l.type)}` : ''})</span></li>`).join('')}</ul>`;
}

/** Bilingual column titles for feature properties. */
export const propertyLabels: Record<string, string> = {
  id: '标识 ID', code: '编码 Code', name: '名称 Name', layer: '图层 Layer', villageCode: '村/社区代码 Village code',
  villageName: '村/社区 Village', households: '户数 Households', population: '人口 Population', version: '版本 Version',
  validFrom: '生效 Valid from', validTo: '失效 Valid to', category: '类别 Category', regionCode: '区划代码 Region code',
  gridId: '网格 Grid', attrs: '属性 Attributes', entrances: '出入口 Entrances', level: '级别 Level',
  parentCode: '上级代码 Parent', urban: '城镇 Urban', childCount: '下级数量 Children', boundaryDerived: '边界由网格推导 Boundary from grids',
};

export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return '<span class="muted">—</span>';
  if (typeof value === 'boolean') return value ? '是 yes' : '否 no';
  if (typeof value === 'object') {
    const text = JSON.stringify(value);
    return `<code>${esc(text.length > 300 ? `${text.slice(0, 300)}…` : text)}</code>`;
  }
  return esc(value);
}

type Position = number[];

/** All positions of a GeoJSON geometry, for the preview's bounds. */
function positions(geometry: { type: string; coordinates: unknown }): Position[] {
  const out: Position[] = [];
  const walk = (c: unknown) => {
    if (Array.isArray(c) && typeof c[0] === 'number') out.push(c as Position);
    else if (Array.isArray(c)) c.forEach(walk);
  };
  walk(geometry.coordinates);
  return out;
}

/**
 * A small SVG preview of one geometry (north up, longitude scaled by cos(latitude)), so the
 * feature page shows a shape without any map tiles.
 */
export function geometrySvg(geometry: { type: string; coordinates: unknown } | null, size = 320): string {
  if (!geometry) return '<p class="muted">无几何 No geometry</p>';
  const pts = positions(geometry);
  if (!pts.length) return '';
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]);
  const [minX, maxX, minY, maxY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const kx = Math.cos(((minY + maxY) / 2) * Math.PI / 180);
  const span = Math.max((maxX - minX) * kx, maxY - minY) || 0.001;
  const scale = (size - 20) / span;
  const x = (p: Position) => (10 + (p[0] - minX) * kx * scale).toFixed(1);
  const y = (p: Position) => (10 + (maxY - p[1]) * scale).toFixed(1);
  const ring = (r: Position[]) => `M${r.map((p) => `${x(p)},${y(p)}`).join('L')}`;
  const c = geometry.coordinates as any;
  let shapes = '';
  switch (geometry.type) {
    case 'Point': shapes = `<circle cx="${x(c)}" cy="${y(c)}" r="5"/>`; break;
    case 'MultiPoint': shapes = c.map((p: Position) => `<circle cx="${x(p)}" cy="${y(p)}" r="4"/>`).join(''); break;
    case 'LineString': shapes = `<path d="${ring(c)}" fill="none"/>`; break;
    case 'MultiLineString': shapes = `<path d="${c.map(ring).join('')}" fill="none"/>`; break;
    case 'Polygon': shapes = `<path d="${c.map((r: Position[]) => `${ring(r)}Z`).join('')}" fill-rule="evenodd"/>`; break;
    case 'MultiPolygon': shapes = `<path d="${c.flatMap((poly: Position[][]) => poly.map((r) => `${ring(r)}Z`)).join('')}" fill-rule="evenodd"/>`; break;
    default: return `<p class="muted">${esc(geometry.type)}</p>`;
  }
  return `<svg width="${size}" height="${size}" viewBox="0 0 ${size} ${size}" role="img" aria-label="${esc(geometry.type)}">
<g fill="#1d4e8933" stroke="#1d4e89" stroke-width="1.5">${shapes}</g></svg>`;
}
