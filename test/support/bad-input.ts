/**
 * A generator of bad requests for write endpoints. Each endpoint is described once (a valid body,
 * its required fields, where its geometries are, its ids); the generator derives the cases:
 * malformed JSON, wrong content types, each field with a wrong type, each required field
 * missing, each geometry broken in the ways GeoJSON gets broken (self-intersecting and unclosed
 * rings, NaN and Infinity, out-of-range and 3-D coordinates, a million vertices), bodies past the
 * limit, unknown ids, and SQL/script injection strings where they cannot be stored. Every case
 * must be refused with a 4xx problem and change nothing (test/api/bad-input.test.ts).
 */

export interface BadCase {
  name: string;
  method: string;
  path: string;
  /** A raw body (sent as is) with its content type. */
  body?: string | Uint8Array;
  contentType?: string;
}

export interface WriteEndpoint {
  method: 'POST' | 'PATCH' | 'DELETE';
  /** The path with real ids. */
  path: string;
  /** The same path with an unknown id, when it has one. */
  unknownPath?: string;
  /** A body that would be accepted (its fields are mutated one at a time), or none. */
  valid?: Record<string, unknown>;
  required?: string[];
  /** Top-level fields holding a GeoJSON geometry (or a LineString for a split). */
  geometries?: string[];
  /** Top-level string fields whose content is constrained (codes, enums): injection strings go there. */
  codes?: string[];
  /** Top-level fields holding a GeoJSON Point. */
  points?: string[];
  /** Top-level fields holding an array of [lon, lat] positions (bulk routing). */
  positions?: string[];
}

const injections = [
  "'; drop table sites; --",
  "1 or 1=1",
  "990101' union select password_hash from users --",
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  '${7*7}{{7*7}}',
  '../../../../etc/passwd',
  '\u0000null-byte',
];

const wrongTypesFor = (value: unknown): unknown[] => {
  if (typeof value === 'string') return [12345, true, [], { a: 1 }];
  if (typeof value === 'number') return ['seven', true, [], { n: 1 }, '1e400'];
  if (typeof value === 'boolean') return ['yes', 2, []];
  if (Array.isArray(value)) return ['list', 3, { 0: 1 }];
  if (value && typeof value === 'object') return ['geojson', 5, [], true];
  return ['x', 1];
};

const ring = (x: number, y: number, d: number) => [[x - d, y - d], [x + d, y - d], [x + d, y + d], [x - d, y + d], [x - d, y - d]];

/** Broken geometries, as JSON text (some breakages, like NaN, cannot be written as JSON values). */
function brokenGeometries(x: number, y: number): Array<[string, string]> {
  const poly = (coords: unknown) => JSON.stringify({ type: 'Polygon', coordinates: coords });
  const okRing = ring(x, y, 0.001);
  const millionVertices = () => {
    const n = 1_000_000;
    const pts = Array.from({ length: n }, (_, i) => {
      const a = (2 * Math.PI * i) / n;
      return [+(x + 0.001 * Math.cos(a)).toFixed(7), +(y + 0.001 * Math.sin(a)).toFixed(7)];
    });
    pts.push(pts[0]);
    return poly([pts]);
  };
  const manyVertices = (n: number) => {
    const pts = Array.from({ length: n }, (_, i) => [x + 0.001 * Math.cos((2 * Math.PI * i) / n), y + 0.001 * Math.sin((2 * Math.PI * i) / n)]);
    pts.push(pts[0]);
    return poly([pts]);
  };
  return [
    ['self-intersecting ring (bow tie)', poly([[[x, y], [x + 0.001, y + 0.001], [x + 0.001, y], [x, y + 0.001], [x, y]]])],
    ['unclosed ring', poly([okRing.slice(0, 4)])],
    ['ring of three positions', poly([[[x, y], [x + 0.001, y], [x, y]]])],
    ['empty coordinates', poly([])],
    ['no coordinates member', JSON.stringify({ type: 'Polygon' })],
    ['unknown geometry type', JSON.stringify({ type: 'Circle', coordinates: [x, y], radius: 100 })],
    ['GeometryCollection', JSON.stringify({ type: 'GeometryCollection', geometries: [] })],
    ['Feature instead of geometry', JSON.stringify({ type: 'Feature', geometry: { type: 'Polygon', coordinates: [okRing] }, properties: {} })],
    ['coordinates as strings', poly([okRing.map(([a, b]) => [String(a), String(b)])])],
    ['NaN as a string', poly([[['NaN', y], ...okRing.slice(1, 4), ['NaN', y]]])],
    ['NaN as a bare token', poly([okRing]).replace(String(okRing[0][0]), 'NaN')],
    ['Infinity as a string', poly([[['Infinity', y], ...okRing.slice(1, 4), ['Infinity', y]]])],
    ['1e400 (parses to Infinity)', poly([okRing]).replaceAll(String(okRing[0][0]), '1e400')],
    ['-1e400', poly([okRing]).replaceAll(String(okRing[0][1]), '-1e400')],
    ['longitude 181', poly([ring(180.9995, y, 0.001)])],
    ['latitude 91', poly([ring(x, 90.9995, 0.001)])],
    ['longitude -200', poly([ring(-200, y, 0.001)])],
    ['3-D coordinates with a bow tie', poly([[[x, y, 10], [x + 0.001, y + 0.001, 10], [x + 0.001, y, 10], [x, y + 0.001, 10], [x, y, 10]]])],
    ['4-D coordinates', poly([okRing.map(([a, b]) => [a, b, 1, 2])])],
    ['1-D positions', poly([okRing.map(([a]) => [a])])],
    ['nested too deep', poly([[okRing]])],
    ['a point where a polygon belongs', JSON.stringify({ type: 'Point', coordinates: [x, y, 0, 0] })],
    ['collapsed ring (all one point)', poly([[[x, y], [x, y], [x, y], [x, y]]])],
    ['spike (zero-area ring)', poly([[[x, y], [x + 0.001, y], [x + 0.002, y], [x, y]]])],
    ['25,000 vertices (over the 20,000 limit)', manyVertices(25_000)],
    ['a million vertices', millionVertices()],
  ];
}

/** Broken GeoJSON points, as JSON text. */
function brokenPoints(x: number, y: number): Array<[string, string]> {
  const point = (coords: string) => `{"type":"Point","coordinates":${coords}}`;
  return [
    ['NaN as a bare token', point(`[NaN, ${y}]`)],
    ['NaN as a string', point(`["NaN", ${y}]`)],
    ['Infinity as a string', point(`["Infinity", ${y}]`)],
    ['1e400 (parses to Infinity)', point(`[1e400, ${y}]`)],
    ['latitude -1e400', point(`[${x}, -1e400]`)],
    ['longitude 181', point(`[181, ${y}]`)],
    ['latitude -91', point(`[${x}, -91]`)],
    ['3-D coordinates', point(`[${x}, ${y}, 10]`)],
    ['1-D coordinates', point(`[${x}]`)],
    ['empty coordinates', point('[]')],
    ['null coordinates', point('null')],
    ['coordinates as strings', point(`["${x}", "${y}"]`)],
    ['coordinates as an object', `{"type":"Point","coordinates":{"lon":${x},"lat":${y}}}`],
    ['nested one level too deep', point(`[[${x}, ${y}]]`)],
    ['lower-case type', `{"type":"point","coordinates":[${x}, ${y}]}`],
    ['a polygon where a point belongs', JSON.stringify({ type: 'Polygon', coordinates: [ring(x, y, 0.001)] })],
    ['MultiPoint', `{"type":"MultiPoint","coordinates":[[${x}, ${y}]]}`],
    ['a Feature instead of a geometry', `{"type":"Feature","geometry":${point(`[${x}, ${y}]`)},"properties":{}}`],
    ['no type', `{"coordinates":[${x}, ${y}]}`],
  ];
}

/** Broken arrays of [lon, lat] positions, as JSON text. */
function brokenPositions(x: number, y: number): Array<[string, string]> {
  return [
    ['NaN', `[[NaN, ${y}]]`],
    ['1e400', `[[1e400, ${y}]]`],
    ['longitude 181', `[[181, ${y}]]`],
    ['latitude 91', `[[${x}, 91]]`],
    ['3-D positions', `[[${x}, ${y}, 10]]`],
    ['1-D positions', `[[${x}]]`],
    ['no positions', '[]'],
    ['a null position', '[null]'],
    ['positions as strings', `[["${x}", "${y}"]]`],
    ['a GeoJSON point among the positions', `[{"type":"Point","coordinates":[${x}, ${y}]}]`],
    ['flat list of numbers', `[${x}, ${y}]`],
    ['10,001 positions (over the 10,000 limit)', JSON.stringify(Array.from({ length: 10_001 }, () => [x, y]))],
  ];
}

/** All cases for one endpoint. */
export function casesFor(endpoint: WriteEndpoint, at: [number, number]): BadCase[] {
  const { method, path } = endpoint;
  const cases: BadCase[] = [];
  const add = (name: string, body?: string | Uint8Array, contentType = 'application/json', p = path) =>
    cases.push({ name: `${method} ${path.replace(/\d{5,}/g, '…')}: ${name}`, method, path: p, body, contentType });
  if (endpoint.valid) {
    const valid = JSON.stringify(endpoint.valid);
    for (const [name, text] of [
      ['truncated JSON', valid.slice(0, Math.max(1, valid.length >> 1))], ['empty body', ''], ['null', 'null'], ['an array', '[]'],
      ['a string', '"geojson"'], ['trailing garbage', `${valid} trailing`], ['single quotes', valid.replaceAll('"', "'")],
      ['comments', `/* c */ ${valid}`], ['bare NaN', 'NaN'],
    ] as const) add(`malformed JSON: ${name}`, text);
    add('form-encoded instead of JSON', 'name=x&category=y', 'application/x-www-form-urlencoded');
    add('XML instead of JSON', '<site><name>x</name></site>', 'application/xml');
    for (const [field, value] of Object.entries(endpoint.valid)) {
      for (const wrong of wrongTypesFor(value)) {
        add(`${field} as ${JSON.stringify(wrong).slice(0, 20)}`, JSON.stringify({ ...endpoint.valid, [field]: wrong }));
      }
    }
    for (const field of endpoint.required ?? []) {
      const { [field]: _, ...rest } = endpoint.valid;
      add(`without ${field}`, JSON.stringify(rest));
    }
    for (const field of endpoint.geometries ?? []) {
      for (const [name, geometry] of brokenGeometries(at[0], at[1])) {
        const marker = '"__GEOMETRY__"';
        add(`${field}: ${name}`, JSON.stringify({ ...endpoint.valid, [field]: '__GEOMETRY__' }).replace(marker, geometry));
      }
    }
    for (const [field, broken] of [
      ...(endpoint.points ?? []).map((f) => [f, brokenPoints] as const),
      ...(endpoint.positions ?? []).map((f) => [f, brokenPositions] as const),
    ]) {
      for (const [name, value] of broken(at[0], at[1])) {
        const marker = '"__VALUE__"';
        add(`${field}: ${name}`, JSON.stringify({ ...endpoint.valid, [field]: '__VALUE__' }).replace(marker, value));
      }
    }
    for (const field of endpoint.codes ?? []) {
      for (const injection of injections) add(`${field} = ${JSON.stringify(injection)}`, JSON.stringify({ ...endpoint.valid, [field]: injection }));
    }
    add('body past the 2 MiB limit', JSON.stringify({ ...endpoint.valid, padding: 'x'.repeat(2.5 * 1024 * 1024) }));
  }
  if (endpoint.unknownPath) {
    add('unknown id', endpoint.valid ? JSON.stringify(endpoint.valid) : undefined, 'application/json', endpoint.unknownPath);
    for (const injection of injections.slice(0, 4)) {
      add(`id = ${JSON.stringify(injection)}`, endpoint.valid ? JSON.stringify(endpoint.valid) : undefined, 'application/json',
        endpoint.unknownPath.replace(/987654321/, encodeURIComponent(injection)));
    }
    add('id = -1', endpoint.valid ? JSON.stringify(endpoint.valid) : undefined, 'application/json', endpoint.unknownPath.replace(/987654321/, '-1'));
    add('id = 1e400', endpoint.valid ? JSON.stringify(endpoint.valid) : undefined, 'application/json', endpoint.unknownPath.replace(/987654321/, '1e400'));
  }
  return cases;
}
