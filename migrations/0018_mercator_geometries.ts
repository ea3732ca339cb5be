import type { Kysely } from 'kysely';
import { runScript } from '../server/db/script.ts';

/**
 * Grids and region boundaries kept in Web Mercator (EPSG:3857) beside their WGS84 shapes.
 * A vector tile needs the shapes in Mercator; transforming them per request was a third of a
 * z10 grid tile's time (1,926 grids: 15.5 → 10.5 ms; bench/prefecture.ts). Stored generated
 * columns: computed on every write, never written by the application, never out of step.
 * The GiST indexes stay on the WGS84 columns, which every query filters by.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `
alter table grids add column geom_mercator geometry generated always as (ST_Transform(geom, 3857)) stored;
alter table regions add column boundary_mercator geometry generated always as (ST_Transform(boundary, 3857)) stored;
`);
}

export async function down(db: Kysely<any>): Promise<void> {
  await runScript(db, `
alter table grids drop column geom_mercator;
alter table regions drop column boundary_mercator;
`);
}
