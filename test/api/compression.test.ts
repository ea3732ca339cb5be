import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptsGzip } from '../../server/http/compression.ts';
import { type TestContext, createTestContext } from '../support/test-app.ts';

/** gzip of text answers (API, OGC, Open311, exports): only when asked for, only when it pays. */
let t: TestContext;
let inspector: string;
beforeAll(async () => { t = await createTestContext(); inspector = await t.login('inspector'); });
afterAll(async () => { await t?.close(); });

async function fetchRaw(path: string, acceptEncoding?: string) {
  const res = await t.app.request(path, { headers: { cookie: inspector, ...(acceptEncoding ? { 'accept-encoding': acceptEncoding } : {}) } });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

describe('compression', () => {
  it('gzips a large GeoJSON answer for a client that accepts it, to the same bytes once unpacked', async () => {
    const path = '/api/grids?region=990101001000';
    const plain = await fetchRaw(path);
    const packed = await fetchRaw(path, 'gzip, deflate, br');
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(packed.headers.get('content-encoding')).toBe('gzip');
    expect(packed.headers.get('vary')).toMatch(/Accept-Encoding/);
    expect(gunzipSync(packed.bytes).equals(plain.bytes)).toBe(true);
    expect(packed.bytes.length).toBeLessThan(plain.bytes.length / 3);
  });

  it('leaves small answers alone (gzip would cost more than it saves), but says they vary', async () => {
    const small = await fetchRaw('/api/health/live', 'gzip');
    expect(small.headers.get('content-encoding')).toBeNull();
    expect(JSON.parse(small.bytes.toString())).toEqual({ ok: true });
    expect(small.headers.get('vary')).toMatch(/Accept-Encoding/);
  });

  it('honours q=0 and unknown codings', async () => {
    expect((await fetchRaw('/api/grids?region=990101001000', 'gzip;q=0, identity')).headers.get('content-encoding')).toBeNull();
    expect((await fetchRaw('/api/grids?region=990101001000', 'br')).headers.get('content-encoding')).toBeNull();
    expect(acceptsGzip('*')).toBe(true);
    expect(acceptsGzip('deflate, GZIP;q=0.5')).toBe(true);
    expect(acceptsGzip('gzip; q=0.0')).toBe(false);
    expect(acceptsGzip(undefined)).toBe(false);
  });

  it('gzips OGC feature pages, and streamed exports as they are produced', async () => {
    const ogc = await fetchRaw('/ogc/collections/grids/items?limit=200&f=json', 'gzip');
    expect(ogc.headers.get('content-encoding')).toBe('gzip');
    expect(JSON.parse(gunzipSync(ogc.bytes).toString()).numberReturned).toBe(200);
    const csv = await fetchRaw('/api/exports?kind=sites&format=csv', 'gzip');
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-encoding')).toBe('gzip');
    const lines = gunzipSync(csv.bytes).toString().trimEnd().split('\r\n');
    expect(lines.length).toBeGreaterThan(5000);
    expect(lines[0]).toMatch(/^\uFEFF/);
  });

  it('sends a short problem answer as it is', async () => {
    const problem = await fetchRaw('/api/grids/999999999', 'gzip');
    expect(problem.status).toBe(404);
    expect(problem.headers.get('content-encoding')).toBeNull();
    expect(JSON.parse(problem.bytes.toString()).status).toBe(404);
  });
});
