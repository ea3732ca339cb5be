-- routing: the current comprehensive grid covering a point. A point on a shared edge or vertex is
-- covered by several grids: the one with the lowest code wins (deterministic). Security definer:
-- routing does not depend on which grids the caller may see. Only the grids of the counties the
-- point may fall in are probed (app.counties_meeting; county_code is the first 6 digits of the
-- village code).
create or replace function app.incident_grid(p geometry) returns table (id bigint, code text, name text, village_code text)
  language sql stable security definer set search_path = public, pg_temp
  as $$ select g.id, g.code::text, g.name, g.village_code::text from grids g
    join grid_layers l on l.id = g.layer_id and l.kind = 'comprehensive'
    where g.valid_to is null and g.county_code = any(array(select c from app.counties_meeting(p) c)) and ST_Covers(g.geom, p)
    order by g.code limit 1 $$;
grant execute on function app.incident_grid(geometry) to pingan_app;
