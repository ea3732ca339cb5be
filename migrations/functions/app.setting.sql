-- A transaction-local setting of the request's caller (pingan.role, pingan.scope, pingan.person,
-- pingan.unit, pingan.user), null when unset. Row-level policies call the scope helpers, so they are
-- parallel safe: PostgreSQL plans no parallel scan under a policy that calls a parallel-unsafe
-- function (parallel workers inherit the transaction's settings and role).
create or replace function app.setting(name text) returns text language sql stable parallel safe
  as $$ select nullif(current_setting('pingan.' || name, true), '') $$;
grant execute on function app.setting(text) to pingan_app;
