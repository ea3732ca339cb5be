import type { Kysely } from 'kysely';
import { runScript } from '../server/db/script.ts';

/**
 * Prefecture scale (issue 7).
 * - A prefecture deployment serves about ten counties: its staff need a scope above the county.
 *   Region codes keep their three levels; a scope may now also be the 4-digit prefecture prefix of
 *   the county codes (e.g. 9901 for 990101…990110). app.in_scope already compares by prefix.
 * - tile_versions: a counter per tile layer, bumped by a statement-level trigger whenever regions,
 *   grids or sites change. The tile server keys its cache by it, so a cached tile is never served
 *   after the data under it changed. Incidents change all the time and are not cached.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `
alter table users drop constraint users_scope_code_check;
alter table users add constraint users_scope_code_check check (scope_code ~ '^[0-9]{4}([0-9]{2}([0-9]{3}([0-9]{3})?)?)?$');

create table tile_versions (
  layer text primary key check (layer in ('regions', 'grids', 'sites')),
  version bigint not null default 1
);
insert into tile_versions (layer) values ('regions'), ('grids'), ('sites');
alter table tile_versions enable row level security;
create policy tile_versions_read on tile_versions for select to pingan_app using (true);
grant select on tile_versions to pingan_app;

-- security definer: the writer (pingan_app) needs no right on tile_versions
create function app.bump_tile_version() returns trigger language plpgsql security definer
  set search_path = public, pg_temp as $$
begin
  update tile_versions set version = version + 1 where layer = tg_argv[0];
  return null;
end $$;
create trigger regions_tile_version after insert or update or delete on regions
  for each statement execute function app.bump_tile_version('regions');
create trigger grids_tile_version after insert or update or delete on grids
  for each statement execute function app.bump_tile_version('grids');
create trigger sites_tile_version after insert or update or delete on sites
  for each statement execute function app.bump_tile_version('sites');
`);
}

export async function down(db: Kysely<any>): Promise<void> {
  await runScript(db, `
drop trigger sites_tile_version on sites;
drop trigger grids_tile_version on grids;
drop trigger regions_tile_version on regions;
drop function app.bump_tile_version();
drop table tile_versions;
alter table users drop constraint users_scope_code_check;
alter table users add constraint users_scope_code_check check (scope_code ~ '^[0-9]{6}([0-9]{3}([0-9]{3})?)?$');
`);
}
