-- may the caller edit plans and grids at this region code (planners and admins, in their scope)?
create or replace function app.can_plan(code text) returns boolean language sql stable
  as $$ select app.role() in ('planner', 'admin') and app.in_scope(code) $$;
grant execute on function app.can_plan(text) to pingan_app;
