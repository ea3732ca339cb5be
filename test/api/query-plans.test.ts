import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../server/db/schema.ts';
import { tileSource } from '../../server/tiles/tiles.layers.ts';
import { type TestContext, createTestContext } from '../support/test-app.ts';

/** Hot spatial queries use their GiST index even under row-level security, as scoped requests run. */
let t: TestContext;
beforeAll(async () => { t = await createTestContext(); });
afterAll(async () => { await t?.close(); });

async function planAsInspector(k: Kysely<Database>, query: string): Promise<string> {
  const trx = await k.startTransaction().execute();
  try {
    await sql`select set_config('pingan.role', 'inspector', true), set_config('pingan.scope', '990101', true)`.execute(trx);
    await sql`set local role pingan_app`.execute(trx);
    const { rows } = await sql.raw(`explain ${query}`).execute(trx);
    return (rows as Array<Record<string, string>>).map((r) => Object.values(r)[0]).join('\n');
  } finally {
    await trx.rollback().execute();
  }
}

describe('query plans under row-level security', () => {
  it.each([
    ['sites in a bbox', 'select id from sites where geom && ST_MakeEnvelope(113.2, 33.95, 113.21, 33.96, 4326)', 'sites_geom_idx'],
    ['grids in a bbox', 'select id from grids where geom && ST_MakeEnvelope(113.2, 33.95, 113.21, 33.96, 4326)', 'grids_geom_idx'],
    ['the grid at a point', 'select id from grids where valid_to is null and ST_Intersects(geom, ST_SetSRID(ST_MakePoint(113.205, 33.955), 4326))', 'grids_geom_idx'],
    ['incidents within 200 m', 'select id from incidents where ST_DWithin(location::geography, ST_SetSRID(ST_MakePoint(113.205, 33.955), 4326)::geography, 200)', 'incidents_location_geog_idx'],
    // POST /api/grids/locate (locate.repository.ts): one GiST probe per point
    ['bulk point in grid', `select p.i, g.id from (select i, ST_SetSRID(ST_MakePoint(lon, lat), 4326) as geom
        from unnest(array[113.205, 113.1, 113.3]::float8[], array[33.955, 33.9, 34.0]::float8[]) with ordinality as u(lon, lat, i) offset 0) p
      left join lateral (select g.id, g.code from grids g where g.valid_to is null and g.layer_id = (select id from grid_layers where kind = 'comprehensive')
        and ST_Intersects(g.geom, p.geom) order by g.code limit 1) g on true order by p.i`, 'grids_geom_idx'],
    // OGC items by key (ogc.repository.ts): the next page walks the primary key from the cursor
    ['OGC sites page after a key', 'select s.id, ST_AsGeoJSON(s.geom, 7) from sites s where s.id > 4000 order by s.id limit 101', 'sites_pkey'],
    ['OGC grids page after a key', 'select g.id, ST_AsGeoJSON(g.geom, 7) from grids g where g.valid_to is null and g.id > 1500 order by g.id limit 101', 'grids_pkey'],
    ['OGC category page after a key', "select s.id from sites s where s.category = 'rental_housing' and s.id > 1000 order by s.id limit 101", 'sites_pkey'],
  ])('%s uses its spatial index', async (_name, query, index) => {
    const plan = await planAsInspector(t.db.kysely, query);
    expect(plan).toContain(index);
    expect(plan).not.toMatch(/Seq Scan on (sites|grids|incidents)/);
  });

  it.each([[8, 'schools and kindergartens as points'], [10, 'the important categories']])(
    'a z%i site tile (%s) reads the important sites\' own index, not every site in its box', async (z) => {
      const x = Math.floor(((113.2 + 180) / 360) * 2 ** z);
      const y = Math.floor(((1 - Math.asinh(Math.tan((33.94 * Math.PI) / 180)) / Math.PI) / 2) * 2 ** z);
      const compiled = tileSource({ layer: 'sites', z, x, y })!.compile(t.db.kysely);
      const trx = await t.db.kysely.startTransaction().execute();
      try {
        await sql`select set_config('pingan.role', 'inspector', true), set_config('pingan.scope', '990101', true)`.execute(trx);
        await sql`set local role pingan_app`.execute(trx);
        const { rows } = await trx.executeQuery({ ...compiled, sql: `explain ${compiled.sql}` });
        const plan = (rows as Array<Record<string, string>>).map((r) => Object.values(r)[0]).join('\n');
        // the important categories' spatial index (or, on a county's few schools, the category index)
        expect(plan).toMatch(z >= 10 ? /sites_important_geom_idx/ : /sites_important_geom_idx|sites_category_idx/);
        expect(plan).not.toContain('sites_geom_idx');
        expect(plan).not.toMatch(/Seq Scan on sites/);
      } finally {
        await trx.rollback().execute();
      }
    });
});
