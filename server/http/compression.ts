import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { MiddlewareHandler } from 'hono';

const gzipAsync = promisify(gzip);

/** Text formats worth compressing: JSON and GeoJSON, problem+json, CSV, HTML, XML. */
const COMPRESSIBLE = /^(application\/(json|geo\+json|problem\+json|xml)|text\/)/i;
/** Below this, gzip's header and the work cost more than the bytes saved. */
export const COMPRESS_THRESHOLD = 1024;

/** Accept-Encoding names gzip (or *) without q=0. */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  return header.split(',').some((part) => {
    const [name, ...params] = part.trim().split(';');
    const coding = name.trim().toLowerCase();
    return (coding === 'gzip' || coding === '*') && !params.some((p) => /^\s*q\s*=\s*0(\.0*)?\s*$/.test(p));
  });
}

/**
 * gzip for text answers of at least 1 KiB, to clients that accept it. Buffered answers are read
 * and compressed in one zlib call on the thread pool; answers the route marks as streamed
 * (`streamed` below: exports of any size) go through a CompressionStream. Hono's compress() piped
 * every answer through a stream, and since c.json() sets no Content-Length its threshold never
 * applied: an 11-byte answer cost 1–4 ms more over HTTP (bench/http-overhead.ts).
 */
export function compression(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const res = c.res;
    if (c.req.method === 'HEAD' || !res.body || res.status === 204 || res.status === 206 || res.headers.has('content-encoding')) return;
    if (!COMPRESSIBLE.test(res.headers.get('content-type') ?? '')) return;
    if (/(^|,)\s*no-transform\s*(,|$)/i.test(res.headers.get('cache-control') ?? '')) return;
    const vary = res.headers.get('vary');
    if (vary !== '*' && !/(^|,)\s*accept-encoding\s*(,|$)/i.test(vary ?? '')) {
      res.headers.set('vary', vary ? `${vary}, Accept-Encoding` : 'Accept-Encoding');
    }
    if (!acceptsGzip(c.req.header('accept-encoding'))) return;

    let body: ReadableStream<Uint8Array> | Uint8Array<ArrayBuffer>;
    if (streamed.has(res)) {
      body = res.body.pipeThrough(new CompressionStream('gzip'));
    } else {
      const bytes = new Uint8Array(await res.arrayBuffer());
      if (bytes.byteLength < COMPRESS_THRESHOLD) {
        c.res = new Response(bytes, res);
        return;
      }
      body = new Uint8Array(await gzipAsync(bytes, { level: 6 }));
    }
    // Hono copies the old answer's headers onto the new one: change them afterwards
    c.res = new Response(body, res);
    c.res.headers.delete('content-length');
    c.res.headers.set('content-encoding', 'gzip');
    const etag = c.res.headers.get('etag');
    if (etag && !etag.startsWith('W/')) c.res.headers.set('etag', `W/${etag}`);
  };
}

const streamed = new WeakSet<Response>();

/** Marks an answer whose body is produced as it is sent (too large to buffer): compressed as a stream. */
export function streamedResponse(res: Response): Response {
  streamed.add(res);
  return res;
}
