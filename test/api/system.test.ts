import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestContext, createTestContext } from '../support/test-app.ts';

let t: TestContext;
beforeAll(async () => { t = await createTestContext(); });
afterAll(async () => { await t?.close(); });

describe('system endpoints', () => {
  it('reports health with the engine and a PostGIS 3.3+ version', async () => {
    const { status, body } = await t.get('/api/health');
    expect(status).toBe(200);
    expect(body.ok).toBe(true);
    expect(body.db).toBe(process.env.DATABASE_URL ? 'postgres' : 'pglite');
    const [major, minor] = body.postgis.split('.').map(Number);
    expect(major * 100 + minor).toBeGreaterThanOrEqual(303);
  });

  it('tells the client it is demo data, names the fictional county and offers no base map by default', async () => {
    const { status, body } = await t.get('/api/config');
    expect(status).toBe(200);
    expect(body.demo).toBe(true);
    expect(body.county.code).toBe('990101000000');
    expect(body.county.bbox).toHaveLength(4);
    expect(body.basemap).toEqual({ kind: 'none' });
  });

  it('describes the API in OpenAPI 3.1 with the paths clients rely on', async () => {
    const { status, body } = await t.get('/api/openapi.json');
    expect(status).toBe(200);
    expect(body.openapi).toBe('3.1.0');
    for (const path of ['/api/health', '/api/auth/login', '/api/auth/me', '/api/regions', '/api/regions/{code}', '/api/grids',
      '/api/grids/{id}', '/api/grids/{id}/history', '/api/grids/at', '/api/sites', '/api/sites/{id}', '/api/site-categories']) {
      expect(body.paths, path).toHaveProperty([path]);
    }
    // the same schemas validate requests: bbox is documented as a query parameter of /api/grids
    expect(body.paths['/api/grids'].get.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['region', 'bbox', 'layer', 'at']));
  });

  it('answers unknown API paths with a problem+json 404 (after sign-in) and 401 before it', async () => {
    expect((await t.get('/api/nothing-here')).status).toBe(401);
    const cookie = await t.login('inspector');
    const res = await t.app.request('/api/nothing-here', { headers: { cookie } });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect((await res.json() as any).type).toBe('/problems/not-found');
  });
});
