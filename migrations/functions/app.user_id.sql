-- The caller's account.
create or replace function app.user_id() returns integer language sql stable parallel safe as $$ select app.setting('user')::integer $$;
grant execute on function app.user_id() to pingan_app;
