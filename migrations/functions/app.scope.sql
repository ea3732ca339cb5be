-- The caller's scope: a region code prefix (4 digits prefecture, 6 county, 9 township, 12 village).
create or replace function app.scope() returns text language sql stable parallel safe as $$ select app.setting('scope') $$;
grant execute on function app.scope() to pingan_app;
