-- the grids a grid member currently answers for; security definer so that policies may use it
-- without recursing through grid_assignments' own policy
create or replace function app.member_grid(grid bigint) returns boolean language sql stable parallel safe security definer
  set search_path = public, pg_temp
  as $$ select exists (select 1 from grid_assignments a
    where a.grid_id = grid and a.person_id = app.person_id() and a.valid_to is null) $$;
grant execute on function app.member_grid(bigint) to pingan_app;
