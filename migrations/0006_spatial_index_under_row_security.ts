import type { Kysely } from 'kysely';
import { runScript } from '../server/db/script.ts';

/**
 * Under row-level security PostgreSQL applies a query's own conditions before the policies' only if
 * their functions are LEAKPROOF; PostGIS does not mark its spatial predicates so, which leaves every
 * bbox or point-in-polygon query of a scoped request scanning the whole scope instead of using its
 * GiST index. These predicates return a boolean and, on our data (SRID 4326 only, valid by
 * constraint), raise no data-dependent errors, so marking them leaks nothing. It takes a superuser:
 * without one the migration warns with the statement an administrator must run.
 */
const predicates = [
  'geometry_overlaps(geometry, geometry)', 'geography_overlaps(geography, geography)',
  'st_intersects(geometry, geometry)', 'st_contains(geometry, geometry)', 'st_within(geometry, geometry)',
  'st_covers(geometry, geometry)', 'st_coveredby(geometry, geometry)',
  'st_dwithin(geometry, geometry, double precision)', 'st_dwithin(geography, geography, double precision, boolean)',
  // the cast inside the geography expression indexes (sites_geog_idx, incidents_location_geog_idx)
  'geography(geometry)',
];

export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `
do $$
declare
  fn text;
  statements text := '';
begin
  foreach fn in array array['${predicates.join("', '")}'] loop
    if to_regprocedure(fn) is not null then
      statements := statements || format('alter function %s leakproof; ', fn);
    end if;
  end loop;
  if (select rolsuper from pg_roles where rolname = current_user) then
    execute statements;
  else
    raise warning 'spatial indexes cannot serve scoped queries until a superuser runs: %', statements;
  end if;
end $$;
`);
}

export async function down(db: Kysely<any>): Promise<void> {
  await runScript(db, `
do $$
declare fn text;
begin
  foreach fn in array array['${predicates.join("', '")}'] loop
    if to_regprocedure(fn) is not null and (select rolsuper from pg_roles where rolname = current_user) then
      execute format('alter function %s not leakproof', fn);
    end if;
  end loop;
end $$;
`);
}
