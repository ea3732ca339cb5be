-- Trigger function of regions_tile_version, grids_tile_version and sites_tile_version (after any
-- change, for each statement; the argument is the layer): the tile cache is keyed by
-- tile_versions, so a cached tile is never served after the data under it changed.
-- Security definer: the writer (pingan_app) needs no right on tile_versions.
create or replace function app.bump_tile_version() returns trigger language plpgsql security definer
  set search_path = public, pg_temp as $$
begin
  update tile_versions set version = version + 1 where layer = tg_argv[0];
  return null;
end $$;
