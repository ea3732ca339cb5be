import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { tileVersion } from './tiles.repository.ts';
import type { DbKind } from '../db/connection.ts';
import type { AppEnv } from '../http/env.ts';
import { problem } from '../http/problem.ts';
import { notFoundResponse, problemResponses } from '../http/schemas.ts';
import { type TileEncoder, defaultEncoder } from './tiles.encoders.ts';
import { MAX_ZOOM, TILE_LAYERS, type TileAddress, type TileLayer, ZOOMS } from './tiles.layers.ts';

export const MVT_CONTENT_TYPE = 'application/vnd.mapbox-vector-tile';

/**
 * Vector tiles: GET /tiles/{layer}/{z}/{x}/{y}.mvt, layers regions, grids, sites, incidents.
 *
 * Runs in the caller's scoped transaction like every API read, so row-level security decides
 * what a tile holds: tiles differ per caller, hence `Cache-Control: private` and
 * `Vary: Cookie, Authorization` (no shared cache may hand one scope's tile to another).
 * A tile without features is `204 No Content` (MapLibre treats it as an empty tile).
 * `ETag` is a hash of the body; `If-None-Match` with it answers `304`. Tiles go out gzipped to
 * clients that accept it (MVT is protobuf: about 2:1).
 *
 * Regions, grids and sites tiles are cached in memory (LRU, by bytes) under the caller's full
 * scope identity (role, scope, person, unit: what row-level security reads) and the layer's
 * version from tile_versions, which a trigger bumps on every change to the layer's table: a tile
 * is shared only by callers who would see the same rows, and never served after its data changed.
 * Incidents change constantly and are always encoded afresh.
 */
export function tileRoutes(kind: DbKind, encoder: TileEncoder = defaultEncoder(kind), cache = new TileCache()) {
  const app = new OpenAPIHono<AppEnv>();

  app.openAPIRegistry.registerPath({
    method: 'get', path: '/{layer}/{z}/{x}/{y}.mvt', tags: ['tiles'],
    summary: 'Mapbox vector tile (MVT 2.1) of one layer, filtered by the caller\'s scope',
    description: `regions: county/township outlines, villages from z${ZOOMS.villages}; grids (current, comprehensive and dedicated) from z${ZOOMS.grids}; `
      + `sites from z${ZOOMS.sites} (schools, kindergartens, waters, hospitals; all categories from z${ZOOMS.allSites}); `
      + `incidents (not closed or rejected) from z${ZOOMS.incidents}, below z${ZOOMS.incidentPoints} as counts per small cell and state `
      + '(properties state, count, weight). Empty tiles are 204.',
    request: {
      params: z.object({
        layer: z.enum(TILE_LAYERS), z: z.number().int().min(0).max(MAX_ZOOM),
        x: z.number().int().min(0), y: z.number().int().min(0),
      }),
    },
    responses: {
      200: { description: 'The tile', content: { [MVT_CONTENT_TYPE]: { schema: z.string().openapi({ format: 'binary' }) } } },
      204: { description: 'No feature in this tile' },
      304: { description: 'Not modified (If-None-Match matched the ETag)' },
      ...problemResponses,
      ...notFoundResponse,
    },
  });

  app.get('/:layer/:z/:x/:file', async (c) => {
    const tile = parseTile(c.req.param('layer'), c.req.param('z'), c.req.param('x'), c.req.param('file'));
    const db = c.get('db');
    let entry: CachedTile | undefined;
    let key: string | undefined;
    if (tile.layer !== 'incidents') {
      // read before encoding: a change committed in between leaves this entry under the old version
      const version = await tileVersion(db, tile.layer);
      const user = c.get('user')!;
      key = `${tile.layer}/${tile.z}/${tile.x}/${tile.y}|${version}|${user.role}|${user.scopeCode}|${user.personId ?? ''}|${user.unitId ?? ''}`;
      entry = cache.get(key);
    }
    if (!entry) {
      entry = tileEntry(new Uint8Array(await encoder.encode(db, tile)));
      if (key) cache.set(key, entry);
    }
    const gzip = entry.gzip !== undefined && /\bgzip\b/.test(c.req.header('accept-encoding') ?? '');
    const etag = gzip ? entry.etag.replace(/"$/, '-gz"') : entry.etag;
    const headers: Record<string, string> = {
      'cache-control': 'private, max-age=60',
      vary: 'Cookie, Authorization, Accept-Encoding',
      etag,
    };
    if (matches(c.req.header('if-none-match'), etag)) return new Response(null, { status: 304, headers });
    if (entry.body.length === 0) return new Response(null, { status: 204, headers });
    if (gzip) return new Response(entry.gzip, { status: 200, headers: { ...headers, 'content-type': MVT_CONTENT_TYPE, 'content-encoding': 'gzip' } });
    return new Response(entry.body, { status: 200, headers: { ...headers, 'content-type': MVT_CONTENT_TYPE } });
  });

  app.all('*', () => {
    throw problem('tiles.no-such-path', { layers: TILE_LAYERS.join(', ') });
  });
  return app;
}

interface CachedTile {
  body: Uint8Array<ArrayBuffer>;
  /** Gzipped body, for tiles big enough to gain from it. */
  gzip?: Uint8Array<ArrayBuffer>;
  etag: string;
}

function tileEntry(body: Uint8Array<ArrayBuffer>): CachedTile {
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  // below ~1 KB gzip's header eats most of the gain
  return { body, etag, gzip: body.length >= 1024 ? new Uint8Array(gzipSync(body, { level: 6 })) : undefined };
}

/** A least-recently-used map of tiles, bounded by their bytes (default 128 MiB). */
export class TileCache {
  #entries = new Map<string, CachedTile>();
  #bytes = 0;
  constructor(readonly maxBytes = 128 * 1024 * 1024) {}

  get(key: string): CachedTile | undefined {
    const entry = this.#entries.get(key);
    if (entry) { this.#entries.delete(key); this.#entries.set(key, entry); }
    return entry;
  }

  set(key: string, entry: CachedTile) {
    const size = (e: CachedTile) => e.body.length + (e.gzip?.length ?? 0) + key.length + 64;
    const old = this.#entries.get(key);
    if (old) { this.#entries.delete(key); this.#bytes -= size(old); }
    this.#entries.set(key, entry);
    this.#bytes += size(entry);
    for (const [k, e] of this.#entries) {
      if (this.#bytes <= this.maxBytes) break;
      this.#entries.delete(k);
      this.#bytes -= e.body.length + (e.gzip?.length ?? 0) + k.length + 64;
    }
  }

  get size() { return this.#entries.size; }
}

const integer = /^(0|[1-9][0-9]{0,6})$/;

/** Validates the path parameters: every problem is a 400 naming the parameter. */
export function parseTile(layer: string, zText: string, xText: string, file: string): TileAddress {
  const errors: { path: string; message: string }[] = [];
  if (!(TILE_LAYERS as readonly string[]).includes(layer)) errors.push({ path: 'layer', message: `must be one of ${TILE_LAYERS.join(', ')}` });
  const yText = /^(.*)\.mvt$/.exec(file)?.[1];
  if (yText === undefined) errors.push({ path: 'y', message: 'the tile name must be {y}.mvt' });
  const z = integer.test(zText) ? Number(zText) : NaN;
  if (!(z >= 0 && z <= MAX_ZOOM)) errors.push({ path: 'z', message: `must be an integer from 0 to ${MAX_ZOOM}` });
  for (const [name, text] of [['x', xText], ['y', yText]] as const) {
    if (text === undefined) continue;
    const value = integer.test(text) ? Number(text) : NaN;
    const max = Number.isFinite(z) && z >= 0 && z <= MAX_ZOOM ? 2 ** z - 1 : undefined;
    if (!Number.isInteger(value) || value < 0 || (max !== undefined && value > max)) {
      errors.push({ path: name, message: max !== undefined ? `must be an integer from 0 to ${max} at zoom ${z}` : 'must be a non-negative integer' });
    }
  }
  if (errors.length) throw problem('request.invalid', { summary: errors.map((e) => `${e.path}: ${e.message}`).join('; '), fields: errors.map((e) => e.path).join(', ') }, { errors });
  return { layer: layer as TileLayer, z, x: Number(xText), y: Number(yText) };
}

/** If-None-Match: a list of (possibly weak) entity tags, or "*". */
function matches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t.replace(/^W\//, '') === etag;
  });
}
