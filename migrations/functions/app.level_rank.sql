-- the rank of an incident level: village 1, township 2, county 3
create or replace function app.level_rank(level text) returns integer language sql immutable
  as $$ select case level when 'village' then 1 when 'township' then 2 when 'county' then 3 end $$;
grant execute on function app.level_rank(text) to pingan_app;
