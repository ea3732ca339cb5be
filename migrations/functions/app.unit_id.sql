-- The unit the caller works for (unit staff), if any.
create or replace function app.unit_id() returns integer language sql stable parallel safe as $$ select app.setting('unit')::integer $$;
grant execute on function app.unit_id() to pingan_app;
