-- the deadline clock as of a moment: overdue, near_due (less than near_fraction of the time left),
-- on_time, or null when there is no clock (rejected, no deadline). Resolution stops the clock.
create or replace function app.incident_clock(st text, created timestamptz, due timestamptz, resolved timestamptz,
  as_of timestamptz, near_fraction double precision) returns text language sql immutable
  as $$ select case
    when due is null or st = 'rejected' then null
    when st in ('resolved', 'closed') then case when coalesce(resolved, as_of) > due then 'overdue' else 'on_time' end
    when as_of > due then 'overdue'
    when due - as_of < (due - created) * near_fraction then 'near_due'
    else 'on_time' end $$;
grant execute on function app.incident_clock(text, timestamptz, timestamptz, timestamptz, timestamptz, double precision) to pingan_app;
