import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { zipSync } from 'fflate';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadGridFixture } from '../support/grid-fixtures.ts';
import { type TestContext, createTestContext } from '../support/test-app.ts';

/*
 * Regression tests for the defects an outside OpenAPI fuzzer found (issue 13): each answered 500, or
 * did work it should have refused, before its fix.
 */

let t: TestContext;
let planner: string;
let admin: string;
beforeAll(async () => {
  t = await createTestContext();
  [planner, admin] = [await t.login('planner'), await t.login('admin')];
});
afterAll(async () => { await t?.close(); });

const json = async (method: string, url: string, body: unknown, headers: Record<string, string> = {}) => {
  const res = await t.app.request(url, { method, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, type: res.headers.get('content-type') };
};
const auditCount = async () => Number((await sql<{ n: string }>`select count(*) as n from audit_log`.execute(t.db.kysely)).rows[0].n);

describe('defects found by the fuzzer', () => {
  it('1. refuses malformed dates in every date or time query parameter with a 400 naming the field (was 500 "Invalid time value")', async () => {
    const bad = ['-1', '0', '1.5', '2026-1-1', '2026-02-30', '2026-13-01', 'yesterday', '+275760-09-13', '2026-01-01T25:00:00Z', '2026-01-01T10:00:00'];
    const parameters: Array<[string, string, string]> = [
      ['/api/stats/incidents', 'from', planner], ['/api/stats/incidents', 'to', planner],
      ['/api/reports/daily', 'date', planner],
      ['/api/incidents', 'from', planner], ['/api/incidents', 'to', planner],
      ['/api/audit', 'from', admin], ['/api/audit', 'to', admin],
      ['/api/grids', 'at', planner],
      ['/api/patrols', 'from', planner], ['/api/patrols', 'to', planner],
      ['/api/patrols/compliance', 'from', planner], ['/api/patrols/compliance', 'to', planner],
    ];
    const wrong: string[] = [];
    for (const [route, field, cookie] of parameters) {
      for (const value of bad) {
        // the instant-only parameters take a full ISO instant, so a plain day is also wrong there
        const res = await t.get(`${route}?${field}=${encodeURIComponent(value)}`, cookie);
        const named = Array.isArray(res.body?.errors) && res.body.errors.some((e: any) => e.field === field || e.path === field);
        if (res.status !== 400 || res.body?.type !== '/problems/validation' || !named) wrong.push(`${route}?${field}=${value}: ${res.status} ${JSON.stringify(res.body).slice(0, 120)}`);
      }
    }
    expect(wrong).toEqual([]);
    // well-formed values still work
    expect((await t.get('/api/stats/incidents?from=2026-01-01&to=2026-01-31', planner)).status).toBe(200);
    expect((await t.get('/api/incidents?from=2026-01-01&to=2026-01-31T23:59:59%2B08:00', planner)).status).toBe(200);
    expect((await t.get('/api/grids?at=2026-01-01&region=990101001001', planner)).status).toBe(200);
    expect((await t.get('/api/audit?from=2026-01-01T00:00:00Z', admin)).status).toBe(200);
    // Open311's start_date/end_date answer a GeoReport 400 too
    const { issueApiToken } = await import('../../server/cli/users.ts');
    const dispatcher = await t.db.kysely.selectFrom('users').select('id').where('username', '=', 'dispatcher').executeTakeFirstOrThrow();
    const { token } = await issueApiToken(t.db.kysely, dispatcher.id, 'hotline', null);
    for (const value of ['-1', '0', '2026-02-30']) {
      const res = await t.app.request(`/open311/v2/requests.json?start_date=${value}`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status, value).toBe(400);
    }
  });

  it('2. refuses empty rings and coordinates in GeoJSON input at validation (was 500 "reading \'0\'")', async () => {
    const plan = await json('POST', '/api/plans', { region: '990101001001' }, { cookie: planner });
    expect(plan.status).toBe(201);
    const empties = [
      { type: 'Polygon', coordinates: [[]] }, { type: 'Polygon', coordinates: [] }, { type: 'Polygon', coordinates: [[[]]] },
      { type: 'MultiPolygon', coordinates: [[[]]] }, { type: 'MultiPolygon', coordinates: [[]] }, { type: 'Polygon', coordinates: [[[113.2, 33.9]]] },
    ];
    for (const geometry of empties) {
      for (const url of [`/api/plans/${plan.body.id}/import`, '/api/plans/999999/import']) {
        const res = await json('POST', url, { type: 'FeatureCollection', features: [{ type: 'Feature', geometry, properties: {} }] }, { cookie: planner });
        expect(res.status, `${url} ${JSON.stringify(geometry)}`).toBe(400);
        expect(res.body.type).toBe('/problems/validation');
      }
      expect((await json('POST', `/api/plans/${plan.body.id}/grids`, { geometry }, { cookie: planner })).status).toBe(400);
      expect((await json('POST', '/api/sites', { category: 'school', name: '空', geometry }, { cookie: planner })).status).toBe(400);
    }
    expect((await json('POST', `/api/plans/${plan.body.id}/split`, { gridId: 1, line: { type: 'LineString', coordinates: [] } }, { cookie: planner })).status).toBe(400);
  });

  it('3. answers an empty patrol-rule patch as a no-op 200 that changes and audits nothing (was 500, SQL syntax error)', async () => {
    const before = (await t.get('/api/patrol-rules', admin)).body;
    const rule = (Array.isArray(before) ? before : before.items)[0];
    const audits = await auditCount();
    const res = await json('PATCH', `/api/patrol-rules/${rule.id}`, {}, { cookie: admin });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(rule);
    expect(await auditCount()).toBe(audits);
    // still 404 for an unknown rule and 403 for a planner
    expect((await json('PATCH', '/api/patrol-rules/999999', {}, { cookie: admin })).status).toBe(404);
    expect((await json('PATCH', `/api/patrol-rules/${rule.id}`, {}, { cookie: planner })).status).toBe(403);
  });

  it('4. answers an unclosed ring on PATCH /api/sites/{id} with the same 422 as on POST (was 500 "reading \'valid\'")', async () => {
    const { rows: [site] } = await sql<{ id: number }>`select s.id from sites s join site_categories c on c.code = s.category
      where c.geometry_kind = 'polygon' order by s.id limit 1`.execute(t.db.kysely);
    const detail = (await t.get(`/api/sites/${site.id}`, planner)).body;
    const ring = (detail.geometry.type === 'Polygon' ? detail.geometry.coordinates[0] : detail.geometry.coordinates[0][0]) as number[][];
    const unclosed = { type: 'Polygon', coordinates: [ring.slice(0, 4).map(([x, y]) => [x, y])] };
    expect(unclosed.coordinates[0]).toHaveLength(4);
    const posted = await json('POST', '/api/sites', { category: detail.properties.category, name: '未闭合', geometry: unclosed, attrs: detail.properties.attrs, entrances: detail.properties.entrances }, { cookie: planner });
    const patched = await json('PATCH', `/api/sites/${site.id}`, { geometry: unclosed }, { cookie: planner });
    expect(posted.status).toBe(422);
    expect([patched.status, patched.body.type]).toEqual([posted.status, posted.body.type]);
    expect((await t.get(`/api/sites/${site.id}`, planner)).body.properties.version).toBe(detail.properties.version);
  });

  describe('5. caps what an uploaded zip may unpack to, before and while inflating', () => {
    const env = { ...process.env };
    afterEach(() => { process.env.UPLOAD_UNZIPPED_MAX_MIB = env.UPLOAD_UNZIPPED_MAX_MIB; process.env.UPLOAD_ZIP_MAX_ENTRIES = env.UPLOAD_ZIP_MAX_ENTRIES; });
    for (const key of ['UPLOAD_UNZIPPED_MAX_MIB', 'UPLOAD_ZIP_MAX_ENTRIES'] as const) if (env[key] === undefined) afterEach(() => { delete process.env[key]; });

    /** Rewrites the uncompressed sizes that the local and central headers declare, as a zip bomb may. */
    const lie = (zip: Uint8Array, size: number) => {
      const copy = zip.slice();
      const view = new DataView(copy.buffer);
      for (let i = 0; i + 46 <= copy.length; i++) {
        const signature = view.getUint32(i, true);
        if (signature === 0x04034b50) view.setUint32(i + 22, size, true);
        if (signature === 0x02014b50) view.setUint32(i + 24, size, true);
      }
      return copy;
    };
    const zeros = (mib: number) => new Uint8Array(mib * 1024 * 1024);
    // 4 MiB of zeros deflate to about 4 KB: a small zip bomb
    const bomb = () => zipSync({ 'bomb.shp': zeros(4), 'bomb.shx': new Uint8Array(100), 'bomb.dbf': zeros(1) }, { level: 9 });
    const here = path.dirname(fileURLToPath(import.meta.url));
    const realShapefile = readFileSync(path.resolve(here, '../fixtures/grids/overlap-3x3-at-village-16-cgcs2000.shp.zip'));

    const siteImport = async (zip: Uint8Array) => {
      const form = new FormData();
      form.set('file', new File([zip], 'layer.zip'));
      form.set('kind', 'sites');
      form.set('category', 'hotel');
      form.set('dryRun', 'true');
      const res = await t.app.request('/api/imports', { method: 'POST', headers: { cookie: planner }, body: form });
      return { status: res.status, body: await res.json() as any };
    };
    let planId: number;
    const planImport = async (zip: Uint8Array) => {
      planId ??= (await json('POST', '/api/plans', { region: (await loadGridFixture(t.db.kysely, 'valid-3x3', 16)).village }, { cookie: planner })).body.id;
      const res = await t.app.request(`/api/plans/${planId}/import/shapefile`, { method: 'POST', headers: { cookie: planner, 'content-type': 'application/zip' }, body: zip });
      return { status: res.status, body: await res.json() as any };
    };

    for (const [name, upload] of [['/api/imports', siteImport], ['/api/plans/{id}/import/shapefile', planImport]] as const) {
      it(`${name}: refuses a zip that unpacks past the cap (413 archive-too-large), even when its headers lie; a real Shapefile still reads`, async () => {
        process.env.UPLOAD_UNZIPPED_MAX_MIB = '2';
        const honest = bomb();
        expect(honest.length).toBeLessThan(64 * 1024);
        // refused before inflating from the declared sizes; with lying headers, while inflating
        for (const [zip, detail] of [[honest, /declares more than/], [lie(honest, 10), /unpacks to more than/]] as const) {
          const res = await upload(zip);
          expect(res.status).toBe(413);
          expect(res.body.type).toBe('/problems/archive-too-large');
          expect(res.body.detail).toMatch(detail);
        }
        // too many entries, however small
        process.env.UPLOAD_ZIP_MAX_ENTRIES = '20';
        const many = zipSync(Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`f${i}.txt`, new Uint8Array(1)])));
        const counted = await upload(many);
        expect([counted.status, counted.body.type]).toEqual([413, '/problems/archive-too-large']);
        expect(counted.body.detail).toMatch(/entries/);
        // a real (small) Shapefile is read as before
        const fine = await upload(realShapefile);
        expect(fine.status, JSON.stringify(fine.body).slice(0, 300)).toBeLessThan(300);
      });
    }
  });

  it('6. /open311 refuses a large body from an unauthenticated caller without reading it to the end (was read whole)', async () => {
    let pulled = 0;
    const chunk = new TextEncoder().encode(`description=${'x'.repeat(64 * 1024 - 12)}`);
    const total = 64 * 1024 * 1024;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled >= total) { controller.close(); return; }
        pulled += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const res = await t.app.request('/open311/v2/requests.json', {
      method: 'POST', body: stream, headers: { 'content-type': 'application/x-www-form-urlencoded' }, duplex: 'half',
    } as RequestInit);
    expect([401, 413]).toContain(res.status);
    expect(pulled).toBeLessThan(2 * 1024 * 1024);
    // a declared large body is refused from its Content-Length, before any of it is read
    const declared = await t.app.request('/open311/v2/requests.json', {
      method: 'POST', body: 'description=x', headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(200 * 1024 * 1024) },
    });
    expect(declared.status).toBe(413);
    expect((await declared.json() as any).type).toBe('/problems/payload-too-large');
    // every route family has a limit: /ogc and /tiles take no large bodies either
    for (const url of ['/ogc/collections', '/tiles/grids/10/0/0.mvt', '/api/plans']) {
      const big = await t.app.request(url, { method: 'POST', body: 'x', headers: { cookie: planner, 'content-length': String(60 * 1024 * 1024) } });
      expect(big.status, url).toBe(413);
    }
  });

  it('7. a malformed Authorization header is a 401, never a fallback to the session cookie that also skips the CSRF guard (was 201)', async () => {
    const plans = async () => Number((await sql<{ n: string }>`select count(*) as n from plans`.execute(t.db.kysely)).rows[0].n);
    const before = await plans();
    for (const authorization of ['Bearer a b', 'Bearer', 'Bearer ', 'Basic cGxhbm5lcjpkZW1vLTIwMjY=', 'Token abc', 'Bearer a,b']) {
      const res = await json('POST', '/api/plans', { region: '990101003001' }, { cookie: planner, authorization, origin: 'https://evil.example.com', host: 'grid.example.cn' });
      expect(res.status, authorization).toBe(401);
      expect(res.body.type).toBe('/problems/unauthenticated');
      // reads too: no silent fallback to the cookie
      const me = await t.app.request('/api/auth/me', { headers: { cookie: planner, authorization } });
      expect(me.status, authorization).toBe(401);
    }
    expect(await plans()).toBe(before);
    // a well-formed bearer token authenticates by the token only: an unknown one is 401 even with a valid cookie
    const unknown = await json('POST', '/api/plans', { region: '990101003001' }, { cookie: planner, authorization: 'Bearer not-a-real-token', origin: 'https://evil.example.com' });
    expect(unknown.status).toBe(401);
    expect(await plans()).toBe(before);
  });
});

describe('found by the fuzzer at 12,000 requests', () => {
  it('statistics of a period without incidents list every state at 0 (the summary had no states at all)', async () => {
    const res = await t.get('/api/stats/incidents?region=990101001000&groupBy=county&from=2025-01-01&to=2025-01-01', planner);
    expect(res.status).toBe(200);
    expect(res.body.summary.total).toBe(0);
    for (const state of ['reported', 'accepted', 'rejected', 'dispatched', 'in_progress', 'resolved', 'closed', 'escalated', 'reopened']) {
      expect(res.body.summary.states[state], state).toBe(0);
    }
  });

  it('the description says that a site change may answer violations: null', async () => {
    const doc = (await t.get('/api/openapi.json')).body;
    // EditedSite is SiteDetail plus violations (allOf): the violations part must admit null
    const parts = doc.components.schemas.EditedSite.allOf ?? [doc.components.schemas.EditedSite];
    const violations = parts.find((p: any) => p.properties?.violations).properties.violations;
    expect(violations.anyOf ?? [violations]).toContainEqual({ type: 'null' });
  });
});
