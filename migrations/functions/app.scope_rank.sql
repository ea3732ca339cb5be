-- the level a caller's scope answers for: county (6 digits), township (9), village (12)
create or replace function app.scope_rank() returns integer language sql stable
  as $$ select case length(app.scope()) when 6 then 3 when 9 then 2 else 1 end $$;
grant execute on function app.scope_rank() to pingan_app;
