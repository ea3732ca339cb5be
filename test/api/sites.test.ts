import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestContext, createTestContext } from '../support/test-app.ts';

let t: TestContext;
let cookie: string;
beforeAll(async () => { t = await createTestContext(); cookie = await t.login('inspector'); });
afterAll(async () => { await t?.close(); });

describe('sites', () => {
  it('lists the site categories as data, with symbols and attribute schemas', async () => {
    const { status, body } = await t.get('/api/site-categories', cookie);
    expect(status).toBe(200);
    const codes = body.items.map((c: any) => c.code);
    expect(codes).toEqual(expect.arrayContaining(['school', 'kindergarten', 'water', 'rental_housing', 'internet_cafe',
      'entertainment', 'game_hall', 'bar', 'tobacco', 'lottery', 'hotel', 'hospital', 'camera', 'police_room', 'patrol_point']));
    const colors = new Set(body.items.map((c: any) => c.color));
    expect(colors.size).toBe(body.items.length);
    const water = body.items.find((c: any) => c.code === 'water');
    expect(water.attrSchema.properties.kind.oneOf.map((o: any) => o.const)).toEqual(['river', 'lake', 'reservoir', 'pond', 'pit']);
    expect(water.attrSchema.properties.kind.oneOf[0].title).toBe('河流 River');
    expect(water.attrSchema.properties.equipment.titleEn).toBe('Safety kit');
    expect(body.items.find((c: any) => c.code === 'school').hasEntrances).toBe(true);
    // the schema's property order is the form's field order, and survives storage
    const rental = body.items.find((c: any) => c.code === 'rental_housing');
    expect(Object.keys(rental.attrSchema.properties)).toEqual(['address', 'units', 'tenants', 'landlord', 'landlordPhone', 'registered']);
  });

  it('filters by category: schools are campus polygons with gate points', async () => {
    const { body } = await t.get('/api/sites?category=school,kindergarten', cookie);
    expect(body.features.length).toBeGreaterThanOrEqual(80);
    for (const f of body.features) {
      expect(['school', 'kindergarten']).toContain(f.properties.category);
      expect(f.geometry.type).toMatch(/Polygon$/);
      expect(f.properties.entrances.length).toBeGreaterThan(0);
      expect(f.properties.entrances[0]).toHaveLength(2);
    }
  });

  it('holds waters as polygons and lines with their safety attributes', async () => {
    const { body } = await t.get('/api/sites?category=water', cookie);
    expect(body.features.length).toBeGreaterThanOrEqual(150);
    const types = new Set(body.features.map((f: any) => f.geometry.type.replace('Multi', '')));
    expect(types).toEqual(new Set(['Polygon', 'LineString']));
    expect(body.features.some((f: any) => f.properties.attrs.kind === 'river')).toBe(true);
    expect(body.features.some((f: any) => f.properties.attrs.equipment)).toBe(true);
  });

  it('filters by region and by grid consistently with each site\'s own grid', async () => {
    const cafes = (await t.get('/api/sites?category=internet_cafe', cookie)).body.features;
    const site = cafes[0];
    const byGrid = await t.get(`/api/sites?grid=${site.properties.gridId}`, cookie);
    expect(byGrid.body.features.map((f: any) => f.id)).toContain(site.id);
    const byRegion = await t.get(`/api/sites?region=${site.properties.regionCode}&category=internet_cafe`, cookie);
    expect(byRegion.body.features.every((f: any) => f.properties.regionCode === site.properties.regionCode)).toBe(true);
    expect(byRegion.body.features.map((f: any) => f.id)).toContain(site.id);
  });

  it('details a site with its village and grid', async () => {
    const list = (await t.get('/api/sites?category=water&limit=1', cookie)).body.features;
    expect(list).toHaveLength(1);
    const { status, body } = await t.get(`/api/sites/${list[0].id}`, cookie);
    expect(status).toBe(200);
    expect(body.properties.categoryName).toBe('水域');
    expect(body.properties.villageName).toMatch(/[村区]$/);
    expect(body.properties.gridCode).toMatch(/^\d{15}$/);
  });

  it('rejects bad filters and unknown ids', async () => {
    expect((await t.get('/api/sites?category=School;drop', cookie)).status).toBe(400);
    expect((await t.get('/api/sites?limit=0', cookie)).status).toBe(400);
    expect((await t.get('/api/sites?limit=1000000', cookie)).status).toBe(400);
    expect((await t.get('/api/sites/987654321', cookie)).status).toBe(404);
  });
});
