import { z } from '@hono/zod-openapi';
import type { Hook } from '@hono/zod-openapi';
import type { AppEnv } from './env.ts';
import { problem } from './problem.ts';
import { fieldErrorsDetail, zodFieldErrors } from './field-errors.ts';

/** Request validation failures become one 400 problem listing every bad field. */
export const validationHook: Hook<unknown, AppEnv, string, unknown> = (result) => {
  if (!result.success) {
    const errors = zodFieldErrors(result.error.issues);
    throw problem('request.invalid', { summary: fieldErrorsDetail(errors), fields: errors.map((e) => e.path).join(', ') }, { errors });
  }
};

/** One bad field (`path`, see field-errors.ts) or one bad row of an uploaded file (`row`, `column`/`field`). */
export const ProblemFieldError = z.object({
  path: z.string().optional(), message: z.string(),
  rule: z.enum(['required', 'type', 'minimum', 'maximum', 'minLength', 'maxLength', 'pattern', 'format', 'choice', 'unknownField']).optional(),
  params: z.record(z.string(), z.unknown()).optional(),
  row: z.number().int().optional(), column: z.string().nullable().optional(), field: z.string().optional(),
  code: z.string().optional().openapi({ description: 'a bad row: its code (server/http/problem-codes.ts), with `params`' }),
}).openapi('ProblemFieldError');

/**
 * RFC 9457 problem details. `type` is `/problems/<slug>` (server/http/problem.ts); `code` and
 * `params` say exactly which problem, for clients to put into their own language; the optional
 * members are the extensions some problems carry.
 */
export const Problem = z.object({
  type: z.string().regex(/^\/problems\/[a-z-]+$/), title: z.string(), status: z.number().int(), detail: z.string(), instance: z.string(),
  code: z.string().regex(/^[a-z][a-zA-Z0-9-]*(\.[a-zA-Z0-9-]+)*$/).openapi({ description: 'the stable machine code of this problem (server/http/problem-codes.ts), e.g. `plan.not-draft`; clients translate it' }),
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).openapi({ description: 'the values the sentence of `code` needs (numbers, ids, names); `detail` is the English sentence' }),
  errors: z.array(ProblemFieldError).optional().openapi({ description: 'validation: every bad field or row' }),
  currentVersion: z.number().int().nullable().optional().openapi({ description: 'conflict: the version the record is at now' }),
  currentState: z.string().nullable().optional().openapi({ description: 'illegal-transition / conflict: the incident\'s state now' }),
  allowedActions: z.array(z.string()).optional().openapi({ description: 'forbidden / illegal-transition: what the caller may do instead' }),
  lockedBy: z.string().optional().openapi({ description: 'conflict: who holds the plan\'s lock' }),
  lockExpiresAt: z.string().optional(),
  planId: z.number().int().optional().openapi({ description: 'conflict: the open draft that already covers the area' }),
  incidentId: z.number().int().optional().openapi({ description: 'conflict: the open incident of the same rule violation' }),
  distanceM: z.number().optional().openapi({ description: 'too-far: the measured distance to the site' }),
  maxDistanceM: z.number().optional(), siteId: z.number().int().optional(),
  field: z.string().optional(), location: z.unknown().optional(),
}).openapi('Problem');

const answer = (description: string) => ({ description, content: { 'application/problem+json': { schema: Problem } } });

/** The problems answered by status: each operation spreads the ones it can answer. */
export const problems = {
  400: answer('Invalid request (`/problems/validation`): `errors` lists every bad field'),
  401: answer('Not signed in, or the session has ended (`/problems/unauthenticated`)'),
  403: answer('Not allowed: the caller\'s role may not (`/problems/forbidden`), a read-only token (`/problems/read-only-token`) or a cross-site request (`/problems/cross-site`)'),
  404: answer('Unknown, or outside the caller\'s scope (`/problems/not-found`)'),
  409: answer('Conflicting change (`/problems/conflict`: stale `version`, a lock, an existing record; `/problems/illegal-transition`)'),
  413: answer('Request body too large (`/problems/payload-too-large`)'),
  415: answer('Unsupported media type (`/problems/unsupported-media-type`)'),
  422: answer('Well-formed but not acceptable (`/problems/validation`, `/problems/invalid-geometry`, …)'),
  429: answer('Too many attempts (`/problems/too-many-attempts`); see Retry-After'),
  503: answer('Not ready (`/problems/not-ready`)'),
} as const;

/** What every operation behind authentication can answer: bad parameters, not signed in. */
export const problemResponses = { 400: problems[400], 401: problems[401] } as const;
export const notFoundResponse = { 404: problems[404] } as const;
/** What every write can answer before its handler runs: the CSRF guard and a read-only token (403), the body limit (413). */
export const writeResponses = { ...problemResponses, 403: problems[403], 413: problems[413] } as const;
/** A write with a JSON (or form) body: also a body of another media type (415). */
export const bodyResponses = { ...writeResponses, 415: problems[415] } as const;
export const conflictResponse = { 409: problems[409] } as const;
export const unprocessableResponse = { 422: problems[422] } as const;

export const Geometry = z.object({
  type: z.enum(['Point', 'MultiPoint', 'LineString', 'MultiLineString', 'Polygon', 'MultiPolygon']),
  coordinates: z.array(z.unknown()),
}).openapi('Geometry', { description: 'GeoJSON geometry (RFC 7946), lon/lat WGS84' });

export function featureCollection<T extends z.ZodTypeAny>(name: string, properties: T) {
  return z.object({
    type: z.literal('FeatureCollection'),
    features: z.array(z.object({
      type: z.literal('Feature'), id: z.union([z.number(), z.string()]).optional(),
      geometry: Geometry.nullable(), properties,
    })),
  }).openapi(name);
}

export function feature<T extends z.ZodTypeAny>(name: string, properties: T) {
  return z.object({
    type: z.literal('Feature'), id: z.union([z.number(), z.string()]).optional(),
    geometry: Geometry.nullable(), properties,
  }).openapi(name);
}

/**
 * A statistical division code (统计用区划代码) as people write it: 12 digits, or the 6-digit county and
 * 9-digit township forms, which name the same region (`410482` = `410482000000`); always read as 12 digits.
 */
export const RegionCode = z.string().regex(/^(\d{6}|\d{9}|\d{12})$/, 'a 6-, 9- or 12-digit region code')
  .transform((code) => code.padEnd(12, '0'))
  .openapi({ example: '990101001000' });

/**
 * A region code as above, or a prefecture: 4 digits, or its 6-digit form ending in `00` (`410400` = `4104`).
 * A prefecture has no region row: its children are its counties.
 */
export const RegionOrPrefectureCode = z.string()
  .regex(/^(\d{4}|\d{6}|\d{9}|\d{12})$/, 'a 6-, 9- or 12-digit region code or a 4-digit prefecture code')
  .transform((code) => (code.length === 6 && code.endsWith('00') ? code.slice(0, 4) : code.length === 4 ? code : code.padEnd(12, '0')))
  .openapi({ example: '990101001000' });

/** `w,s,e,n` in degrees, validated as a real lon/lat box. */
export const Bbox = z.string()
  .transform((value, ctx) => {
    const parts = value.split(',').map(Number);
    const [w, s, e, n] = parts;
    if (parts.length !== 4 || parts.some((p) => !Number.isFinite(p))) {
      ctx.addIssue({ code: 'custom', message: 'bbox must be four numbers: west,south,east,north' });
      return z.NEVER;
    }
    if (w < -180 || e > 180 || s < -90 || n > 90 || w > e || s > n) {
      ctx.addIssue({ code: 'custom', message: 'bbox out of range: -180 ≤ west ≤ east ≤ 180, -90 ≤ south ≤ north ≤ 90' });
      return z.NEVER;
    }
    return [w, s, e, n] as [number, number, number, number];
  })
  .openapi({ type: 'string', example: '113.1,33.8,113.3,34.0' });

/** A numeric id: a JSON number, or digits in a path or query string (never `true` or `[]`, which coercion would take for 1 and 0). */
export const Id = z.union([z.number(), z.string().regex(/^\d{1,16}$/, 'an integer id')])
  .pipe(z.coerce.number<string | number>().int().positive().max(Number.MAX_SAFE_INTEGER))
  .openapi({ type: 'integer', example: 1 });

/** A lon/lat position; a third number (height) is allowed and ignored. */
const Position = z.tuple([z.number().min(-180).max(180), z.number().min(-90).max(90)], z.number())
  .openapi({ type: 'array', items: { type: 'number' }, example: [113.2, 33.95] });
/** True unless the ring is long enough to judge and does not end where it starts (never throws: zod runs
 * this refinement even when the ring is empty or its positions are malformed). */
export function ringClosedOrUnjudged(ring: unknown): boolean {
  if (!Array.isArray(ring) || ring.length < 4) return true;
  const [first, last] = [ring[0], ring[ring.length - 1]];
  if (!Array.isArray(first) || !Array.isArray(last)) return true;
  return first[0] === last[0] && first[1] === last[1];
}
const Ring = z.array(Position).min(4, 'a ring needs at least 4 positions').max(20000)
  .refine(ringClosedOrUnjudged, 'a ring must end where it starts');

/** GeoJSON Polygon or MultiPolygon input, range- and structure-checked before PostGIS sees it. */
export const PolygonInput = z.discriminatedUnion('type', [
  z.object({ type: z.literal('Polygon'), coordinates: z.array(Ring).min(1).max(100) }),
  z.object({ type: z.literal('MultiPolygon'), coordinates: z.array(z.array(Ring).min(1).max(100)).min(1).max(100) }),
]).openapi('PolygonInput');

export const LineInput = z.object({
  type: z.literal('LineString'), coordinates: z.array(Position).min(2).max(20000),
}).openapi('LineInput');

/*
 * Dates and instants in query strings and bodies. Each check is one function that never throws, so a
 * malformed value (`-1`, `1.5`, `2026-1-1`, `2026-02-30`) is a 400 naming the field and never reaches
 * `new Date(…).toISOString()` (zod runs every refinement of a string even after its regex failed).
 */
const dayPattern = /^([1-9]\d{3})-(\d{2})-(\d{2})$/;
const instantPattern = /^([1-9]\d{3})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-](\d{2}):(\d{2}))$/i;

function isCalendarDay(y: string, m: string, d: string): boolean {
  const date = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
  return date.getUTCFullYear() === Number(y) && date.getUTCMonth() === Number(m) - 1 && date.getUTCDate() === Number(d);
}

/** `YYYY-MM-DD` that exists in the calendar (years 1000–9999), or false. */
export function isDay(text: string): boolean {
  const m = dayPattern.exec(text);
  return m !== null && isCalendarDay(m[1], m[2], m[3]);
}

/** An RFC 3339 instant with a time zone (seconds optional) as a Date, or undefined. */
export function parseInstant(text: string): Date | undefined {
  const m = instantPattern.exec(text);
  if (!m || !isCalendarDay(m[1], m[2], m[3])) return undefined;
  if (Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6] ?? 0) > 59 || Number(m[8] ?? 0) > 23 || Number(m[9] ?? 0) > 59) return undefined;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * A day (`YYYY-MM-DD`, read in China Standard Time, the platform's zone: its first or last
 * millisecond) or an RFC 3339 instant, as a Date; undefined when it is neither.
 */
export function parseDayOrInstant(text: string, dayAs: 'start' | 'end'): Date | undefined {
  if (isDay(text)) return new Date(`${text}T${dayAs === 'start' ? '00:00:00.000' : '23:59:59.999'}+08:00`);
  return parseInstant(text);
}

/** A local calendar day `YYYY-MM-DD` (kept as the string). */
export const Day = z.string().refine(isDay, 'not a real date YYYY-MM-DD (e.g. 2026-01-31)')
  .openapi({ type: 'string', format: 'date', example: '2026-01-31' });

/** An RFC 3339 instant with a time zone, as a Date. */
export const Instant = z.string().transform((v, ctx) => {
  const date = parseInstant(v);
  if (!date) { ctx.addIssue({ code: 'custom', message: 'not a real ISO 8601 instant with a time zone (e.g. 2026-07-01T11:30:00+08:00)' }); return z.NEVER; }
  return date;
}).openapi({ type: 'string', format: 'date-time', example: '2026-07-01T11:30:00+08:00' });

/** A day (its start or end, China time) or an RFC 3339 instant, as a Date. */
export const dayOrInstant = (dayAs: 'start' | 'end') => z.string().transform((v, ctx) => {
  const date = parseDayOrInstant(v, dayAs);
  if (!date) { ctx.addIssue({ code: 'custom', message: 'not a real date YYYY-MM-DD or ISO 8601 instant with a time zone (e.g. 2026-01-31 or 2026-07-01T11:30:00+08:00)' }); return z.NEVER; }
  return date;
}).openapi({ type: 'string', description: `a date YYYY-MM-DD (the ${dayAs} of that day, China time) or an ISO 8601 instant`, example: '2026-01-31' });
