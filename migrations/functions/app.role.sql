-- The caller's role (admin, planner, dispatcher, inspector, grid_member, unit_staff).
create or replace function app.role() returns text language sql stable parallel safe as $$ select app.setting('role') $$;
grant execute on function app.role() to pingan_app;
