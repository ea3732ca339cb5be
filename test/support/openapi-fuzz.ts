import fc from 'fast-check';

/**
 * Request generation from an OpenAPI 3.1 description (test/api/openapi-fuzz.test.ts): every
 * operation of /api/openapi.json gets valid-looking requests (values drawn from its parameter and
 * body schemas, with real ids, codes and geometries mixed in) and invalid ones (one node of a
 * valid-looking request replaced, removed or joined by an unknown member, wrong ids, broken
 * GeoJSON, huge and empty strings).
 */

export type Schema = Record<string, any>;
export interface OpenApiDoc { paths: Record<string, Record<string, any>>; components?: { schemas?: Record<string, Schema> } }

export interface Operation {
  method: string;
  path: string;
  /** "METHOD /path" as documented. */
  key: string;
  op: any;
}

export function operationsOf(doc: OpenApiDoc): Operation[] {
  const methods = ['get', 'post', 'put', 'patch', 'delete'];
  return Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item)
    .filter(([method]) => methods.includes(method))
    .map(([method, op]) => ({ method: method.toUpperCase(), path, key: `${method.toUpperCase()} ${path}`, op })));
}

export function refName(schema: Schema | undefined): string | undefined {
  const ref = schema?.$ref as string | undefined;
  return ref?.startsWith('#/components/schemas/') ? ref.slice('#/components/schemas/'.length) : undefined;
}

export function resolve(doc: OpenApiDoc, schema: Schema | undefined): Schema {
  let s = schema ?? {};
  for (let i = 0; i < 10 && refName(s); i++) s = doc.components?.schemas?.[refName(s)!] ?? {};
  return s;
}

/** Values that real data answers to, by the name of the field or parameter they go into. */
export type Hints = Record<string, unknown[]>;

/** A ring around (x, y), closed; d in degrees. */
export const square = (x: number, y: number, d = 0.0005) =>
  [[x - d, y - d], [x + d, y - d], [x + d, y + d], [x - d, y + d], [x - d, y - d]];

/** Geometries as GeoJSON gets them wrong: empty and unclosed rings, bow ties, out of range, wrong kinds. */
export function brokenGeometries(x: number, y: number): unknown[] {
  const ring = square(x, y);
  return [
    { type: 'Polygon', coordinates: [[]] },
    { type: 'Polygon', coordinates: [] },
    { type: 'Polygon', coordinates: [ring.slice(0, 4)] },
    { type: 'Polygon', coordinates: [[ring[0], ring[1], ring[2], ring[0].map((v) => v + 1e-4)]] },
    { type: 'Polygon', coordinates: [[[x, y], [x + 1e-3, y + 1e-3], [x + 1e-3, y], [x, y + 1e-3], [x, y]]] },
    { type: 'Polygon', coordinates: [[[x, y], [x, y], [x, y], [x, y]]] },
    { type: 'Polygon', coordinates: [[[200, 100], [201, 100], [201, 101], [200, 100]]] },
    { type: 'MultiPolygon', coordinates: [[[]]] },
    { type: 'MultiPolygon', coordinates: [] },
    { type: 'Point', coordinates: [x] },
    { type: 'Point', coordinates: [181, 91] },
    { type: 'Point', coordinates: ['113', '34'] },
    { type: 'LineString', coordinates: [[x, y]] },
    { type: 'GeometryCollection', geometries: [] },
    { type: 'Feature', geometry: { type: 'Point', coordinates: [x, y] } },
    { type: 'Polygon' },
    { coordinates: [ring] },
  ];
}

export function validGeometries(x: number, y: number): unknown[] {
  return [
    { type: 'Point', coordinates: [x, y] },
    { type: 'Polygon', coordinates: [square(x, y)] },
    { type: 'MultiPolygon', coordinates: [[square(x, y)]] },
    { type: 'LineString', coordinates: [[x - 0.01, y], [x + 0.01, y]] },
    { type: 'LineString', coordinates: [[x, y - 0.05], [x, y + 0.05]] },
  ];
}

const geometryRefs = new Set(['Geometry', 'PolygonInput', 'LineInput', 'SiteGeometry']);

export interface GenContext {
  doc: OpenApiDoc;
  hints: Hints;
  /** A point inside the demo data, for geometries that could be accepted. */
  at: [number, number];
}

/** Values for a JSON Schema (OpenAPI 3.1), valid-looking: they mostly follow the schema, with real data where hints name it. */
export function valueArb(ctx: GenContext, schema: Schema | undefined, name?: string, depth = 0): fc.Arbitrary<unknown> {
  const named = refName(schema);
  if (named && geometryRefs.has(named)) {
    return fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...validGeometries(...ctx.at)) }, { weight: 1, arbitrary: fc.constantFrom(...brokenGeometries(...ctx.at)) });
  }
  const s = resolve(ctx.doc, schema);
  const fromSchema = schemaArb(ctx, s, depth);
  const hint = name ? ctx.hints[name] : undefined;
  return hint?.length ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...hint) }, { weight: 1, arbitrary: fromSchema }) : fromSchema;
}

function schemaArb(ctx: GenContext, s: Schema, depth: number): fc.Arbitrary<unknown> {
  if (depth > 6) return fc.constant(null);
  if ('const' in s) return fc.constant(s.const);
  if (Array.isArray(s.enum) && s.enum.length) return fc.constantFrom(...s.enum);
  const alternatives = (s.anyOf ?? s.oneOf) as Schema[] | undefined;
  if (alternatives?.length) return fc.oneof(...alternatives.map((a) => valueArb(ctx, a, undefined, depth + 1)));
  if (Array.isArray(s.allOf) && s.allOf.length) {
    const parts = s.allOf.map((p: Schema) => resolve(ctx.doc, p));
    return schemaArb(ctx, {
      type: 'object', properties: Object.assign({}, ...parts.map((p: Schema) => p.properties ?? {})),
      required: parts.flatMap((p: Schema) => p.required ?? []),
    }, depth);
  }
  if (Array.isArray(s.type)) return fc.oneof(...s.type.map((t: string) => schemaArb(ctx, { ...s, type: t }, depth)));
  switch (s.type) {
    case 'string': {
      if (s.format === 'date-time') return fc.date({ min: new Date('2025-01-01'), max: new Date('2027-12-31'), noInvalidDate: true }).map((d) => d.toISOString());
      if (s.format === 'date') return fc.date({ min: new Date('2025-01-01'), max: new Date('2027-12-31'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
      if (s.format === 'binary') return fc.string({ maxLength: 20 });
      const examples = s.example !== undefined ? [fc.constant(s.example)] : [];
      if (s.pattern) {
        return fc.oneof(...examples, fc.stringMatching(new RegExp(s.pattern)).filter((v) => v.length <= (s.maxLength ?? 200)));
      }
      return fc.oneof(...examples, fc.string({ minLength: s.minLength ?? 0, maxLength: Math.min(s.maxLength ?? 30, 30) }));
    }
    case 'integer': {
      const min = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : -10);
      const max = s.maximum ?? (s.exclusiveMaximum !== undefined ? s.exclusiveMaximum - 1 : Math.max(min, 0) + 1000);
      return fc.integer({ min: Math.max(min, -(2 ** 31)), max: Math.min(max, 2 ** 31) });
    }
    case 'number': {
      const min = s.minimum ?? s.exclusiveMinimum ?? -1000;
      const max = s.maximum ?? s.exclusiveMaximum ?? 1000;
      return fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
    }
    case 'boolean': return fc.boolean();
    case 'null': return fc.constant(null);
    case 'array': {
      if (Array.isArray(s.prefixItems)) return fc.tuple(...s.prefixItems.map((p: Schema) => valueArb(ctx, p, undefined, depth + 1)));
      const minLength = s.minItems ?? 0;
      return fc.array(valueArb(ctx, s.items, undefined, depth + 1), { minLength, maxLength: Math.min(s.maxItems ?? minLength + 3, minLength + 3) });
    }
    case 'object': {
      const props = (s.properties ?? {}) as Record<string, Schema>;
      if (Object.keys(props).length) {
        const required = (s.required ?? []) as string[];
        return fc.record(Object.fromEntries(Object.entries(props).map(([k, v]) => [k, valueArb(ctx, v, k, depth + 1)])),
          { requiredKeys: required.filter((k) => k in props) });
      }
      if (s.additionalProperties && typeof s.additionalProperties === 'object') {
        return fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), valueArb(ctx, s.additionalProperties, undefined, depth + 1), { maxKeys: 3 });
      }
      return fc.constant({});
    }
    default:
      return fc.oneof(fc.constant(null), fc.string({ maxLength: 8 }), fc.integer(), fc.constant({}), fc.constant([]));
  }
}

/** What one bad value may be: wrong types, out of range, empty and huge strings, wrong ids, broken GeoJSON, injection. */
export function evilArb(at: [number, number]): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.constantFrom(null, '', ' ', 'x'.repeat(70_000), -1, 0, 1.5, 1e308, -1e308, 2 ** 53, 'abc', true, false, [], {}, [[]],
      987654321, '987654321', '-1', '1.5', '1e3', '2026-1-1', '2026-13-45', 'not-a-date', "'; drop table sites; --", '\u0000', '<script>x</script>',
      '１２３', '990101', '9901010010001', [1, 2, 3], { type: 'FeatureCollection' }),
    fc.constantFrom(...brokenGeometries(...at)),
    fc.string({ maxLength: 40 }),
    fc.integer(),
    fc.double(),
  );
}

type Path = Array<string | number>;

function nodesOf(value: unknown, path: Path = [], out: Path[] = [], depth = 0): Path[] {
  out.push(path);
  if (depth > 8) return out;
  if (Array.isArray(value)) value.slice(0, 6).forEach((v, i) => nodesOf(v, [...path, i], out, depth + 1));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) nodesOf(v, [...path, k], out, depth + 1);
  return out;
}

export type Mutation = 'replace' | 'delete' | 'unknown';

/** The value with one node replaced, deleted, or given an unknown member (a deep copy: `value` stays). */
export function mutate(value: unknown, pick: number, how: Mutation, evil: unknown): unknown {
  const copy = structuredClone(value);
  const nodes = nodesOf(copy);
  const path = nodes[pick % nodes.length];
  if (path.length === 0) {
    if (how === 'unknown' && copy && typeof copy === 'object' && !Array.isArray(copy)) return { ...copy, unknownField: evil };
    return evil;
  }
  const parent = path.slice(0, -1).reduce<any>((o, k) => o[k], copy);
  const last = path[path.length - 1];
  if (how === 'delete') {
    if (Array.isArray(parent)) parent.splice(Number(last), 1); else delete parent[last];
  } else if (how === 'unknown') {
    const target = parent[last];
    if (target && typeof target === 'object' && !Array.isArray(target)) target.unknownField = evil; else parent[last] = evil;
  } else parent[last] = evil;
  return copy;
}
