-- who holds a lock is shown to anyone who can see the plan; users rows themselves stay private
create or replace function app.user_name(uid integer) returns text language sql stable security definer
  set search_path = public, pg_temp as $$ select display_name from users where id = uid $$;
grant execute on function app.user_name(integer) to pingan_app;
