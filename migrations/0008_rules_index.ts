import type { Kysely } from 'kysely';
import { runScript } from '../server/db/script.ts';

/**
 * Rules measured from entrances use a site's entrances where it has them and its footprint where
 * not: that expression gets its own geography index so "within N m" stays an index probe.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `
create index sites_access_geog_idx on sites using gist ((coalesce(entrances, geom)::geography));
`);
}

export async function down(db: Kysely<any>): Promise<void> {
  await runScript(db, 'drop index sites_access_geog_idx;');
}
