-- may the caller take this action on an incident with these attributes (whatever its state)?
create or replace function app.incident_may(act text, region_code text, level text, grid_id bigint, unit_id integer, reporter_id bigint)
  returns boolean language sql stable
  as $$ select exists (select 1 from incident_permissions p
    where p.action = act and (p.role = app.role() or p.role = '*')
      and app.incident_relation(p.relation, region_code, level, grid_id, unit_id, reporter_id)) $$;
grant execute on function app.incident_may(text, text, text, bigint, integer, bigint) to pingan_app;
