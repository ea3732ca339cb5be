import type { Context } from 'hono';
import { problem } from '../http/problem.ts';

/**
 * Query parameters of OGC API – Features, Part 1, parsed by hand rather than with zod: the
 * standard fixes their syntax (bbox as 4 or 6 numbers that may cross the antimeridian, datetime
 * as an RFC 3339 instant or interval with `..` for open ends) and wants 400 for anything else,
 * including parameters the API definition does not name.
 */

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 10_000;

/** west, south, east, north in degrees (CRS84); west > east crosses the antimeridian. */
export type Bbox = readonly [number, number, number, number];

/** A closed time interval; null ends are open. */
export interface Period {
  start: Date | null;
  end: Date | null;
}

export type Format = 'json' | 'html';

export interface ItemsQuery {
  limit: number;
  offset: number;
  /** Keyset cursors (a feature id; a region code): the page after or before that feature. */
  after?: string;
  before?: string;
  bbox?: Bbox;
  datetime?: Period;
  /** The raw parameters, to rebuild self/next/prev links. */
  raw: { bbox?: string; datetime?: string };
}

const itemsParams = new Set(['f', 'limit', 'offset', 'after', 'before', 'bbox', 'datetime']);

/** Only `f` is defined outside the items operation. */
export function checkNoParams(c: Context, allowed: ReadonlySet<string> = new Set(['f'])) {
  const unknown = [...new URL(c.req.url).searchParams.keys()].filter((k) => !allowed.has(k));
  if (unknown.length) {
    throw problem('request.unknown-parameter', { names: [...new Set(unknown)].join(', ') },
      { errors: unknown.map((path) => ({ path, message: 'not a parameter of this operation' })) });
  }
}

function invalid(path: string, message: string) {
  return problem('request.invalid-parameter', { parameter: path, reason: message }, { errors: [{ path, message }] });
}

function single(params: URLSearchParams, name: string): string | undefined {
  const all = params.getAll(name);
  if (all.length > 1) throw invalid(name, 'given more than once');
  return all[0];
}

export function parseItemsQuery(c: Context): ItemsQuery {
  checkNoParams(c, itemsParams);
  const params = new URL(c.req.url).searchParams;
  const limitText = single(params, 'limit');
  const offsetText = single(params, 'offset');
  const bboxText = single(params, 'bbox');
  const datetimeText = single(params, 'datetime');
  const after = single(params, 'after');
  const before = single(params, 'before');
  for (const [name, value] of [['after', after], ['before', before]] as const) {
    if (value !== undefined && !/^\d{1,15}$/.test(value)) throw invalid(name, 'a feature id (a region\'s 12-digit code) from a paging link');
  }
  if (after !== undefined && before !== undefined) throw invalid('before', 'page either after or before a feature, not both');

  let limit = DEFAULT_LIMIT;
  if (limitText !== undefined) {
    if (!/^\d{1,9}$/.test(limitText)) throw invalid('limit', `an integer from 1 to ${MAX_LIMIT}`);
    limit = Number(limitText);
    if (limit < 1 || limit > MAX_LIMIT) throw invalid('limit', `must be from 1 to ${MAX_LIMIT}`);
  }
  let offset = 0;
  if (offsetText !== undefined) {
    if (!/^\d{1,15}$/.test(offsetText)) throw invalid('offset', 'a non-negative integer');
    offset = Number(offsetText);
    if (offset > 0 && (after !== undefined || before !== undefined)) throw invalid('offset', 'cannot be combined with after or before');
  }
  return {
    limit, offset, after, before,
    bbox: bboxText === undefined ? undefined : parseBbox(bboxText),
    datetime: datetimeText === undefined ? undefined : parseDatetime(datetimeText),
    raw: { bbox: bboxText, datetime: datetimeText },
  };
}

/** `minLon,minLat,maxLon,maxLat` or the 3D form `minLon,minLat,minZ,maxLon,maxLat,maxZ` (heights ignored). */
export function parseBbox(text: string): Bbox {
  const parts = text.split(',').map((p) => (p.trim() === '' ? Number.NaN : Number(p)));
  if ((parts.length !== 4 && parts.length !== 6) || parts.some((p) => !Number.isFinite(p))) {
    throw invalid('bbox', 'four numbers (or six, with heights): minLon,minLat,maxLon,maxLat');
  }
  const [w, s, e, n] = parts.length === 4 ? parts : [parts[0], parts[1], parts[3], parts[4]];
  if ([w, e].some((x) => x < -180 || x > 180) || [s, n].some((y) => y < -90 || y > 90)) {
    throw invalid('bbox', 'out of range: longitudes from -180 to 180, latitudes from -90 to 90 (CRS84)');
  }
  if (s > n) throw invalid('bbox', 'the southern edge lies north of the northern edge');
  return [w, s, e, n];
}

const dateRe = /^(\d{4})-(\d{2})-(\d{2})$/;
const dateTimeRe = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

function realDate(y: string, m: string, d: string): boolean {
  const date = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
  return date.getUTCFullYear() === Number(y) && date.getUTCMonth() === Number(m) - 1 && date.getUTCDate() === Number(d);
}

/**
 * One RFC 3339 instant as a period: a date-time is a point; a full date is that whole day in
 * China Standard Time (UTC+8, the platform's zone, as /api's `at=` reads dates).
 */
function parseInstant(text: string): Period {
  const date = dateRe.exec(text);
  if (date && realDate(date[1], date[2], date[3])) {
    const start = new Date(`${text}T00:00:00+08:00`);
    return { start, end: new Date(start.getTime() + 86_400_000 - 1) };
  }
  const dt = dateTimeRe.exec(text);
  if (dt && realDate(dt[1], dt[2], dt[3]) && Number(dt[4]) < 24 && Number(dt[5]) < 60 && Number(dt[6]) < 61) {
    const at = new Date(text);
    if (!Number.isNaN(at.getTime())) return { start: at, end: at };
  }
  throw invalid('datetime', 'an RFC 3339 date or date-time (e.g. 2026-01-31 or 2026-01-31T08:00:00Z), or an interval start/end with .. for an open end');
}

/** `instant`, `start/end`, `../end`, `start/..` (an empty end counts as open, as the standard allows). */
export function parseDatetime(text: string): Period {
  const parts = text.split('/');
  if (parts.length === 1) return parseInstant(text);
  if (parts.length !== 2) throw invalid('datetime', 'an instant or one interval start/end');
  const [a, b] = parts.map((p) => (p === '..' || p === '' ? null : parseInstant(p)));
  if (!a && !b) throw invalid('datetime', 'an interval needs at least one end');
  const period = { start: a?.start ?? null, end: b?.end ?? null };
  if (period.start && period.end && period.start > period.end) throw invalid('datetime', 'the interval ends before it starts');
  return period;
}

/**
 * The response format: `f` wins; otherwise Accept decides between HTML and JSON (ties go to
 * whichever the client listed first; no Accept, or only wildcards, means JSON for machines).
 */
export function negotiateFormat(c: Context): Format {
  const f = new URL(c.req.url).searchParams.get('f');
  if (f !== null) {
    const value = f.toLowerCase();
    if (value === 'html') return 'html';
    if (value === 'json' || value === 'geojson') return 'json';
    throw invalid('f', 'json or html');
  }
  let html = { q: 0, at: Infinity };
  let json = { q: 0, at: Infinity };
  (c.req.header('accept') ?? '').split(',').forEach((part, at) => {
    const [type, ...params] = part.trim().toLowerCase().split(';');
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!Number.isFinite(q)) return;
    if (type === 'text/html' || type === 'application/xhtml+xml') {
      if (q > html.q) html = { q, at };
    } else if (type === 'application/json' || type.endsWith('+json')) {
      if (q > json.q) json = { q, at };
    }
  });
  if (html.q > json.q || (html.q > 0 && html.q === json.q && html.at < json.at)) return 'html';
  return 'json';
}
