-- The person the caller is (grid members, unit staff, reporters), if any.
create or replace function app.person_id() returns bigint language sql stable parallel safe as $$ select app.setting('person')::bigint $$;
grant execute on function app.person_id() to pingan_app;
