-- The counties a geometry (a point, a tile's box, a batch of points) may fall in: those whose
-- boundary comes within 0.01° (about 1 km) of it — county boundaries and grids drawn by different
-- hands disagree by tens of metres, and a grid sticking out of its county into the neighbour's must
-- still be found there — and every county without a boundary (it could be anywhere). Where the
-- boundaries cover no part of it, every county. Plain SQL, no SET, not security definer, so the
-- planner inlines it (see migration 0016 and server/db/geo.ts, inCountiesMeeting()).
create or replace function app.counties_meeting(g geometry) returns setof text language sql stable
  as $$ with meeting as (select left(r.code, 6) as county from regions r
      where r.level = 'county' and r.boundary && ST_Expand(g, 0.01) and ST_DWithin(r.boundary, g, 0.01))
    select county from meeting
    union all
    select left(r.code, 6) from regions r
      where r.level = 'county' and (r.boundary is null or not exists (select from meeting)) $$;
