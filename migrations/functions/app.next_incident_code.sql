-- SJ<local date>-<sequence of the day>, from a per-day counter (rows lock, so concurrent reports
-- get distinct codes); starts after codes already present (demo data)
create or replace function app.next_incident_code(p_at timestamptz) returns text language plpgsql security definer
  set search_path = public, pg_temp
  as $$
declare
  v_tz text := coalesce((select value #>> '{}' from settings where key = 'incidents.timeZone'), 'Asia/Shanghai');
  v_day date := (p_at at time zone v_tz)::date;
  v_prefix text := 'SJ' || to_char(v_day, 'YYYYMMDD') || '-';
  v_n integer;
begin
  insert into incident_code_counters as c (day, last)
    values (v_day, coalesce((select max(substr(i.code, 12)::integer) from incidents i where i.code like v_prefix || '%'), 0) + 1)
    on conflict on constraint incident_code_counters_pkey do update set last = c.last + 1
    returning c.last into v_n;
  return v_prefix || case when v_n < 10000 then lpad(v_n::text, 4, '0') else v_n::text end;
end $$;
grant execute on function app.next_incident_code(timestamptz) to pingan_app;
