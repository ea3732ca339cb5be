import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertUser } from '../../server/auth/auth.repository.ts';
import { hashPassword } from '../../server/auth/secrets.ts';
import { type TestContext, createTestContext } from '../support/test-app.ts';

/** Scope is proven from the outside: what each account gets over HTTP. */
let t: TestContext;
let admin: string;
let member: string;
let memberVillage: string;
let memberGridIds: number[];

beforeAll(async () => {
  t = await createTestContext();
  admin = await t.login('admin');
  member = await t.login('member');
  memberVillage = (await t.get('/api/auth/me', member)).body.user.scopeCode;
  const { rows } = await sql<{ gridId: number }>`select a.grid_id from grid_assignments a join users u on u.person_id = a.person_id
    where u.username = 'member' and a.valid_to is null`.execute(t.db.kysely);
  memberGridIds = rows.map((r) => Number(r.gridId)).sort((a, b) => a - b);
});
afterAll(async () => { await t?.close(); });

describe('a grid member', () => {
  it('is scoped to one village and answers for a few grids', () => {
    expect(memberVillage).toMatch(/^\d{12}$/);
    expect(memberGridIds.length).toBeGreaterThanOrEqual(2);
    expect(memberGridIds.length).toBeLessThanOrEqual(4);
  });

  it('sees exactly their own grids, whatever the filter', async () => {
    const all = await t.get('/api/grids', member);
    expect(all.body.features.map((f: any) => f.id).sort((a: number, b: number) => a - b)).toEqual(memberGridIds);
    const county = await t.get('/api/grids?region=990101000000', member);
    expect(county.body.features).toHaveLength(memberGridIds.length);
  });

  it('gets 404 for a grid, a site and a region of another village', async () => {
    const grids = (await t.get('/api/grids?layer=comprehensive', admin)).body.features;
    const foreign = grids.find((f: any) => f.properties.villageCode.slice(0, 9) !== memberVillage.slice(0, 9));
    expect((await t.get(`/api/grids/${foreign.id}`, member)).status).toBe(404);
    expect((await t.get(`/api/grids/${foreign.id}/history`, member)).status).toBe(404);
    const sites = (await t.get(`/api/sites?grid=${foreign.id}`, admin)).body.features;
    expect(sites.length).toBeGreaterThan(0);
    expect((await t.get(`/api/sites/${sites[0].id}`, member)).status).toBe(404);
    expect((await t.get(`/api/regions/${foreign.properties.villageCode}`, member)).status).toBe(404);
    expect((await t.get(`/api/grids?region=${foreign.properties.villageCode}`, member)).status).toBe(404);
    // the grid at a foreign point is simply not there
    const { rows } = await sql<{ x: number; y: number }>`select ST_X(p) as x, ST_Y(p) as y
      from (select ST_PointOnSurface(geom) as p from grids where id = ${foreign.id}) g`.execute(t.db.kysely);
    expect((await t.get(`/api/grids/at?lon=${rows[0].x}&lat=${rows[0].y}`, member)).body.features).toEqual([]);
  });

  it('sees only sites inside their grids, and their village as the root region', async () => {
    const sites = (await t.get('/api/sites', member)).body.features;
    expect(sites.length).toBeGreaterThan(0);
    expect(sites.every((f: any) => memberGridIds.includes(f.properties.gridId))).toBe(true);
    const roots = (await t.get('/api/regions', member)).body.features;
    expect(roots.map((f: any) => f.properties.code)).toEqual([memberVillage]);
    // the breadcrumb's ancestors stay visible, their siblings do not
    const township = `${memberVillage.slice(0, 9)}000`;
    expect((await t.get(`/api/regions/${township}`, member)).status).toBe(200);
    const children = (await t.get(`/api/regions?parent=${township}&geometry=false`, member)).body.features;
    expect(children.map((f: any) => f.properties.code)).toEqual([memberVillage]);
  });

  it('sees their own grid\'s members in its details, exactly those currently assigned', async () => {
    const detail = (await t.get(`/api/grids/${memberGridIds[0]}`, member)).body;
    const { rows } = await sql<{ personId: number; duty: string }>`select person_id, duty from grid_assignments
      where grid_id = ${memberGridIds[0]} and valid_to is null`.execute(t.db.kysely);
    const key = (m: { personId: number; duty: string }) => `${Number(m.personId)}:${m.duty}`;
    expect(detail.properties.members.map(key).sort()).toEqual(rows.map(key).sort());
    expect(rows.length).toBeGreaterThan(0);
  });
});

describe('township staff', () => {
  it('see their township\'s grids and nothing of other townships', async () => {
    const townships = (await t.get('/api/regions?parent=990101000000&geometry=false', admin)).body.features;
    const [mine, other] = [townships[2].properties.code, townships[5].properties.code];
    await insertUser(t.db.kysely, {
      username: 'township-planner', displayName: '乡镇规划员', passwordHash: await hashPassword('township-2026'),
      role: 'planner', scopeCode: mine.slice(0, 9),
    });
    const cookie = await t.login('township-planner', 'township-2026');
    const grids = (await t.get('/api/grids', cookie)).body.features;
    expect(grids.length).toBeGreaterThan(0);
    expect(grids.every((f: any) => f.properties.villageCode.startsWith(mine.slice(0, 9)))).toBe(true);
    expect((await t.get(`/api/regions/${other}`, cookie)).status).toBe(404);
    expect((await t.get(`/api/grids?region=${other}`, cookie)).status).toBe(404);
    const sites = (await t.get('/api/sites?category=school', cookie)).body.features;
    expect(sites.every((f: any) => f.properties.regionCode.startsWith(mine.slice(0, 9)))).toBe(true);
  });
});

describe('department staff', () => {
  it('see the county\'s grids and sites (reference data for their work)', async () => {
    const unit = await t.login('unit');
    const me = (await t.get('/api/auth/me', unit)).body.user;
    expect(me.role).toBe('unit_staff');
    expect((await t.get('/api/grids?layer=comprehensive', unit)).body.features.length).toBeGreaterThan(1000);
  });
});
