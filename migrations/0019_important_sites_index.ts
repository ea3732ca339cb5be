import type { Kysely } from 'kysely';
import { runScript } from '../server/db/script.ts';

/**
 * A spatial index of the important site categories alone (tiles.layers.ts
 * IMPORTANT_SITE_CATEGORIES; keep the two lists in step — test/api/query-plans.test.ts fails if the
 * tiles stop using it). Below z14 the site tiles draw only these (about 1 % of a prefecture's
 * sites); through the full index a z8 tile of a prefecture read 174,000 index entries to keep 470.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `
create index sites_important_geom_idx on sites using gist (geom)
  where category in ('school', 'kindergarten', 'water', 'hospital');
`);
}

export async function down(db: Kysely<any>): Promise<void> {
  await runScript(db, 'drop index sites_important_geom_idx;');
}
