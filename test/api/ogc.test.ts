import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiToken } from '../../server/cli/users.ts';
import { type TestContext, createTestContext } from '../support/test-app.ts';

/** OGC API – Features, Part 1, read over HTTP as a GIS client would. */
let t: TestContext;
let cookie: string;
beforeAll(async () => { t = await createTestContext(); cookie = await t.login('inspector'); });
afterAll(async () => { await t?.close(); });

const json = (path: string, who = cookie) => t.get(path, who);
/** Follows an absolute link from a response on the in-process app. */
const follow = (href: string, who = cookie) => { const u = new URL(href); return t.get(u.pathname + u.search, who); };
const rel = (links: any[], name: string, type?: string) => links.find((l) => l.rel === name && (!type || l.type === type));

describe('capabilities', () => {
  it('serves a landing page with the links the standard requires', async () => {
    const { status, body, headers } = await json('/ogc');
    expect(status).toBe(200);
    expect(headers.get('content-type')).toMatch(/^application\/json/);
    expect(body.title).toContain('平安网格');
    for (const name of ['self', 'alternate', 'service-desc', 'service-doc', 'conformance', 'data']) {
      expect(rel(body.links, name), name).toBeDefined();
    }
    expect(rel(body.links, 'self').href).toMatch(/^http:\/\/[^/]+\/ogc/);
    expect(rel(body.links, 'service-desc').type).toBe('application/vnd.oai.openapi+json;version=3.0');
  });

  it('declares core, GeoJSON, HTML and OpenAPI 3.0 conformance', async () => {
    const { body } = await json('/ogc/conformance');
    expect(body.conformsTo).toEqual(expect.arrayContaining([
      'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core',
      'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson',
      'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html',
      'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30',
    ]));
  });

  it('describes itself in OpenAPI 3.0, naming every collection', async () => {
    const { status, body, headers } = await json('/ogc/api');
    expect(status).toBe(200);
    expect(headers.get('content-type')).toContain('application/vnd.oai.openapi+json');
    expect(body.openapi).toMatch(/^3\.0\./);
    expect(Object.keys(body.paths)).toEqual(expect.arrayContaining(['/', '/conformance', '/collections', '/collections/{collectionId}/items', '/collections/{collectionId}/items/{featureId}']));
    expect(body.components.parameters.collectionId.schema.enum).toEqual(expect.arrayContaining(['regions', 'grids', 'sites', 'sites-school']));
    expect(body.components.parameters.limit.schema).toMatchObject({ minimum: 1, maximum: 10000, default: 100 });
  });

  it('lists regions, grids, sites and one collection per site category, each with a CRS84 extent', async () => {
    const { body } = await json('/ogc/collections');
    expect(rel(body.links, 'self')).toBeDefined();
    const ids = body.collections.map((c: any) => c.id);
    const { rows } = await sql<{ code: string }>`select code from site_categories order by sort`.execute(t.db.kysely);
    expect(ids).toEqual(['regions', 'grids', 'sites', ...rows.map((r) => `sites-${r.code}`)]);
    for (const c of body.collections) {
      expect(c.itemType, c.id).toBe('feature');
      expect(c.title, c.id).toBeTruthy();
      expect(c.extent.spatial.crs).toBe('http://www.opengis.net/def/crs/OGC/1.3/CRS84');
      const [w, s, e, n] = c.extent.spatial.bbox[0];
      expect(w).toBeLessThan(e);
      expect(s).toBeLessThan(n);
      expect(rel(c.links, 'items', 'application/geo+json').href).toMatch(new RegExp(`/ogc/collections/${c.id}/items`));
    }
    const grids = body.collections.find((c: any) => c.id === 'grids');
    expect(grids.extent.temporal.interval[0][0]).toMatch(/^\d{4}-/);
    const one = await json('/ogc/collections/sites-school');
    expect(one.status).toBe(200);
    expect(one.body.id).toBe('sites-school');
    expect(one.body.title).toContain('学校');
  });
});

describe('items', () => {
  it('pages through the grids with next links: every grid once, numberMatched in all', async () => {
    const first = await json('/ogc/collections/grids/items?limit=100');
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toMatch(/^application\/geo\+json/);
    const matched = first.body.numberMatched;
    expect(matched).toBeGreaterThan(1800);
    expect(new Date(first.body.timeStamp).getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(rel(first.body.links, 'prev')).toBeUndefined();
    expect(rel(first.body.links, 'collection')).toBeDefined();
    expect(rel(first.body.links, 'alternate', 'text/html')).toBeDefined();
    const ids: number[] = [];
    let pageBody = first.body;
    let pages = 0;
    for (;;) {
      pages += 1;
      expect(pageBody.numberReturned).toBe(pageBody.features.length);
      expect(pageBody.features.length).toBeLessThanOrEqual(100);
      for (const f of pageBody.features) {
        expect(f.id).toBe(f.properties.id);
        expect(f.geometry.type).toBe('MultiPolygon');
        ids.push(f.id);
      }
      const next = rel(pageBody.links, 'next');
      if (!next) break;
      pageBody = (await follow(next.href)).body;
      expect(rel(pageBody.links, 'prev')).toBeDefined();
    }
    expect(pages).toBe(Math.ceil(matched / 100));
    expect(ids).toHaveLength(matched);
    expect(new Set(ids).size).toBe(matched);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
  });

  it('pages by key: next starts after the last id, prev returns the page before, deep pages skip the count', async () => {
    const first = (await json('/ogc/collections/sites/items?limit=50')).body;
    const next = new URL(rel(first.links, 'next').href);
    expect(next.searchParams.get('after')).toBe(String(first.features.at(-1).id));
    expect(next.searchParams.has('offset')).toBe(false);
    const second = (await follow(next.href)).body;
    expect(second.features[0].id).toBeGreaterThan(first.features.at(-1).id);
    expect(second.numberMatched).toBeUndefined();
    expect(second.numberReturned).toBe(50);
    // prev from the second page is the first page again
    const prev = new URL(rel(second.links, 'prev').href);
    expect(prev.searchParams.get('before')).toBe(String(second.features[0].id));
    const back = (await follow(prev.href)).body;
    expect(back.features.map((f: any) => f.id)).toEqual(first.features.map((f: any) => f.id));
    expect(rel(back.links, 'prev')).toBeUndefined();
    expect(new URL(rel(back.links, 'next').href).searchParams.get('after')).toBe(String(first.features.at(-1).id));
    // the keys follow the collection's filter: a bbox and a category stay in the links
    const schools = (await json('/ogc/collections/sites-school/items?limit=10')).body;
    const more = (await follow(rel(schools.links, 'next').href)).body;
    expect(more.features.every((f: any) => f.properties.category === 'school')).toBe(true);
    // regions page by code
    const regions = (await json('/ogc/collections/regions/items?limit=3')).body;
    expect(new URL(rel(regions.links, 'next').href).searchParams.get('after')).toBe(regions.features[2].id);
    const page2 = (await follow(rel(regions.links, 'next').href)).body;
    expect(page2.features[0].id > regions.features[2].id).toBe(true);
  });

  it('ends the paging on the last page', async () => {
    const { rows: [{ id: last }] } = await sql<{ id: number }>`select max(id)::int as id from sites`.execute(t.db.kysely);
    const res = await json(`/ogc/collections/sites/items?limit=5&before=${last + 1}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const tail = res.body;
    expect(tail.features.at(-1).id).toBe(last);
    expect(rel(tail.links, 'next')).toBeDefined();
    const beyond = (await follow(rel(tail.links, 'next').href)).body;
    expect(beyond.features).toEqual([]);
    expect(rel(beyond.links, 'next')).toBeUndefined();
  });

  it('gives grid features the same properties as /api/grids', async () => {
    const ogc = (await json('/ogc/collections/grids/items?limit=5')).body.features[0];
    const api = (await json(`/api/grids?region=${ogc.properties.villageCode}`)).body.features.find((f: any) => f.id === ogc.id);
    expect(ogc.properties).toEqual(api.properties);
    expect(ogc.geometry).toEqual(api.geometry);
    const one = await json(`/ogc/collections/grids/items/${ogc.id}`);
    expect(one.status).toBe(200);
    expect(one.body.properties).toEqual(api.properties);
    expect(rel(one.body.links, 'collection')).toBeDefined();
  });

  it('filters by bbox', async () => {
    const region = (await json('/api/regions?level=village&within=990101000000&geometry=false')).body.features[10];
    const [w, s, e, n] = (await json(`/api/regions/${region.properties.code}`)).body.properties.bbox;
    const api = (await json(`/api/grids?bbox=${w},${s},${e},${n}`)).body.features.length;
    const { body } = await json(`/ogc/collections/grids/items?bbox=${w},${s},${e},${n}&limit=1000`);
    expect(body.numberMatched).toBe(api);
    expect(body.numberReturned).toBe(api);
    expect(body.numberMatched).toBeLessThan(200);
    // the bbox is kept in the paging links
    const small = await json(`/ogc/collections/grids/items?bbox=${w},${s},${e},${n}&limit=2`);
    expect(rel(small.body.links, 'next').href).toContain(`bbox=${w},${s},${e},${n}`);
    const sites = (await json(`/ogc/collections/sites?bbox=${w},${s},${e},${n}`.replace('sites?', 'sites/items?'))).body;
    const apiSites = (await json(`/api/sites?bbox=${w},${s},${e},${n}`)).body.features.length;
    expect(sites.numberMatched).toBe(apiSites);
  });

  it('serves grid versions valid at a datetime', async () => {
    const grid = await t.db.kysely.selectFrom('grids').selectAll().where('layerId', '=', 1).where('validTo', 'is', null)
      .orderBy('code').limit(1).offset(5).executeTakeFirstOrThrow();
    await sql`update grids set valid_to = now() - interval '1 day' where id = ${grid.id}`.execute(t.db.kysely);
    await sql`insert into grids (code, name, layer_id, village_code, geom, households, population, version, valid_from)
      select code, name || '（调整后）', layer_id, village_code, ST_Multi(ST_Buffer(geom, -0.0001)), households, population, version + 1, now() - interval '1 day'
      from grids where id = ${grid.id}`.execute(t.db.kysely);
    const [w, s, e, n] = (await sql<{ b: number[] }>`select array[ST_XMin(geom), ST_YMin(geom), ST_XMax(geom), ST_YMax(geom)] as b from grids where id = ${grid.id}`
      .execute(t.db.kysely)).rows[0].b;
    const versionsAt = async (datetime?: string) => {
      const q = `bbox=${w},${s},${e},${n}&limit=1000${datetime ? `&datetime=${datetime}` : ''}`;
      const { status, body } = await json(`/ogc/collections/grids/items?${q}`);
      expect(status, datetime).toBe(200);
      return body.features.filter((f: any) => f.properties.code === grid.code).map((f: any) => f.properties.version);
    };
    const before = new Date(Date.now() - 200 * 86400_000).toISOString();
    expect(await versionsAt(before)).toEqual([1]);
    expect(await versionsAt(before.slice(0, 10))).toEqual([1]);
    expect(await versionsAt(new Date().toISOString())).toEqual([2]);
    expect(await versionsAt()).toEqual([2]);
    // an interval spanning the change meets both versions
    expect((await versionsAt(`${before}/..`)).sort()).toEqual([1, 2]);
    expect(await versionsAt(`../${before}`)).toEqual([1]);
    // the old version stays addressable by its id
    expect((await json(`/ogc/collections/grids/items/${grid.id}`)).body.properties.version).toBe(1);
    // the whole layer then is as large as the layer now (one grid redrawn, none added)
    const then = (await json(`/ogc/collections/grids/items?limit=1&datetime=${before}`)).body.numberMatched;
    const now = (await json('/ogc/collections/grids/items?limit=1')).body.numberMatched;
    expect(then).toBe(now);
  });

  it('serves one collection per site category', async () => {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from sites where category = 'school'`.execute(t.db.kysely);
    const { status, body } = await json('/ogc/collections/sites-school/items?limit=1000');
    expect(status).toBe(200);
    expect(body.numberMatched).toBe(rows[0].n);
    expect(body.features.length).toBeGreaterThan(0);
    expect(body.features.every((f: any) => f.properties.category === 'school')).toBe(true);
    const apiSite = (await json('/api/sites?category=school&limit=1')).body.features[0];
    const one = await json(`/ogc/collections/sites-school/items/${apiSite.id}`);
    expect(one.body.properties).toEqual(apiSite.properties);
    // a site of another category is not in this collection
    const cafe = (await json('/api/sites?category=internet_cafe&limit=1')).body.features[0];
    expect((await json(`/ogc/collections/sites-school/items/${cafe.id}`)).status).toBe(404);
    expect((await json(`/ogc/collections/sites/items/${cafe.id}`)).status).toBe(200);
  });

  it('serves regions by their code', async () => {
    const { body } = await json('/ogc/collections/regions/items?limit=5');
    expect(body.features[0].id).toBe('990101000000');
    expect(body.features[0].properties.level).toBe('county');
    const township = body.features[1];
    const one = await json(`/ogc/collections/regions/items/${township.id}`);
    expect(one.status).toBe(200);
    expect(one.body.properties.name).toBe(township.properties.name);
  });
});

describe('errors', () => {
  it('answers 400 for a limit out of range, a bad bbox or datetime, and unknown parameters', async () => {
    for (const q of ['limit=0', 'limit=20000', 'limit=abc', 'offset=-1', 'after=abc', 'before=-3', 'after=1&before=9',
      'after=5&offset=10', 'bbox=1,2,3', 'bbox=a,b,c,d', 'bbox=100,40,110,30',
      'bbox=100,30,200,40', 'datetime=2026-13-01', 'datetime=yesterday', 'datetime=2026-02-01/2026-01-01', 'f=xml', 'color=red']) {
      const { status, headers, body } = await json(`/ogc/collections/grids/items?${q}`);
      expect(status, q).toBe(400);
      expect(headers.get('content-type'), q).toMatch(/^application\/problem\+json/);
      expect(body.detail, q).toBeTruthy();
    }
    expect((await json('/ogc/collections/grids/items?limit=10000')).status).toBe(200);
  });

  it('answers 404 for an unknown collection or feature', async () => {
    for (const path of ['/ogc/collections/roads', '/ogc/collections/roads/items', '/ogc/collections/sites-nothing/items',
      '/ogc/collections/grids/items/999999999', '/ogc/collections/grids/items/abc', '/ogc/collections/regions/items/123']) {
      const { status, headers } = await json(path);
      expect(status, path).toBe(404);
      expect(headers.get('content-type'), path).toMatch(/^application\/problem\+json/);
    }
  });

  it('requires authentication', async () => {
    expect((await t.get('/ogc/collections/grids/items')).status).toBe(401);
  });
});

describe('HTML', () => {
  it('renders readable pages with ?f=html or Accept: text/html', async () => {
    const res = await t.app.request('/ogc/collections', { headers: { cookie, accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('<!doctype html>');
    expect(html).toContain('网格 Grids');
    expect(html).toContain('学校');
    const items = await t.get('/ogc/collections/grids/items?f=html&limit=10', cookie);
    expect(items.headers.get('content-type')).toMatch(/^text\/html/);
    expect(items.body).toContain('网格 Grids');
    expect(items.body).toContain('下一页 Next page');
    const id = (await json('/ogc/collections/grids/items?limit=1')).body.features[0].id;
    const feature = await t.get(`/ogc/collections/grids/items/${id}?f=html`, cookie);
    expect(feature.body).toContain('<svg');
    for (const path of ['/ogc?f=html', '/ogc/conformance?f=html', '/ogc/api?f=html', '/ogc/collections/grids?f=html']) {
      const r = await t.get(path, cookie);
      expect(r.status, path).toBe(200);
      expect(r.headers.get('content-type'), path).toMatch(/^text\/html/);
    }
  });

  it('escapes data in HTML', async () => {
    const grid = await t.db.kysely.selectFrom('grids').select(['id']).where('validTo', 'is', null).orderBy('id').limit(1).executeTakeFirstOrThrow();
    await sql`update grids set name = '<script>alert(1)</script>' where id = ${grid.id}`.execute(t.db.kysely);
    const page = await t.get(`/ogc/collections/grids/items/${grid.id}?f=html`, cookie);
    expect(page.body).not.toContain('<script>');
    expect(page.body).toContain('&#60;script&#62;');
  });
});

describe('scope and tokens', () => {
  it('shows a grid member only their own grids', async () => {
    const member = await t.login('member');
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from grid_assignments a join users u on u.person_id = a.person_id
      join grids g on g.id = a.grid_id where u.username = 'member' and a.valid_to is null and g.valid_to is null`.execute(t.db.kysely);
    const { body } = await json('/ogc/collections/grids/items', member);
    expect(rows[0].n).toBeGreaterThan(0);
    expect(body.numberMatched).toBe(rows[0].n);
    expect(body.features).toHaveLength(rows[0].n);
    const all = (await json('/ogc/collections/sites/items?limit=1', member)).body.numberMatched;
    const county = (await json('/ogc/collections/sites/items?limit=1')).body.numberMatched;
    expect(all).toBeLessThan(county / 10);
  });

  it('accepts a bearer token', async () => {
    const user = await t.db.kysely.selectFrom('users').select('id').where('username', '=', 'inspector').executeTakeFirstOrThrow();
    const { token } = await issueApiToken(t.db.kysely, user.id, 'gdal', null);
    const res = await t.app.request('/ogc/collections/grids/items?limit=1', { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const body = await res.json() as any;
    expect(body.numberMatched).toBe((await json('/ogc/collections/grids/items?limit=1')).body.numberMatched);
    expect((await t.app.request('/ogc/collections', { headers: { authorization: 'Bearer pgt_wrong' } })).status).toBe(401);
  });
});
