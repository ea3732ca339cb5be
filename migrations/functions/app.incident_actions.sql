-- the workflow actions the caller may take on an incident now (its state, their role and relation)
create or replace function app.incident_actions(incident bigint) returns setof text language sql stable
  as $$ select distinct t.action from incidents i
    join incident_transitions t on t.from_state = i.state
    where i.id = incident and not (t.action = 'escalate' and i.level = 'county')
      and app.incident_may(t.action, i.region_code, i.level, i.grid_id, i.unit_id, i.reporter_id)
    order by 1 $$;
grant execute on function app.incident_actions(bigint) to pingan_app;
