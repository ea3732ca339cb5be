-- a region is visible when it lies in scope, or is an ancestor of the scope (for breadcrumbs)
create or replace function app.region_visible(code text, prefix text) returns boolean language sql stable parallel safe
  as $$ select app.in_scope(code) or (app.scope() >= prefix and app.scope() < prefix || ':') $$;
grant execute on function app.region_visible(text, text) to pingan_app;
