-- code lies in the caller's region subtree; written as a range so that it can use an index
create or replace function app.in_scope(code text) returns boolean language sql stable parallel safe
  as $$ select code >= app.scope() and code < app.scope() || ':' $$;
grant execute on function app.in_scope(text) to pingan_app;
