-- names on a timeline are shown to whoever may see the incident
create or replace function app.person_name(pid bigint) returns text language sql stable security definer
  set search_path = public, pg_temp as $$ select name from people where id = pid $$;
grant execute on function app.person_name(bigint) to pingan_app;
