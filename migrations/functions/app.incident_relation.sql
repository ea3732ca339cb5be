-- does the caller stand to an incident in this relation? scope: in the caller's region and at or
-- below the caller's level; grid: the caller serves the incident's grid; unit: dispatched to the
-- caller's unit; reporter: the caller reported it
create or replace function app.incident_relation(relation text, region_code text, level text, grid_id bigint, unit_id integer, reporter_id bigint)
  returns boolean language sql stable
  as $$ select coalesce(case relation
    when 'scope' then app.in_scope(region_code) and app.level_rank(level) <= app.scope_rank()
    when 'grid' then app.member_grid(grid_id)
    when 'unit' then unit_id = app.unit_id()
    when 'reporter' then reporter_id = app.person_id()
    else false end, false) $$;
grant execute on function app.incident_relation(text, text, text, bigint, integer, bigint) to pingan_app;
