import type { Kysely } from 'kysely';
import { runScript } from '../server/db/script.ts';

/**
 * County code (docs/scaling.md, "Citus: distribution by county code"). Each table a county's staff
 * read and write gains `county_code`, the first 6 digits of the row's own region code: the column
 * Citus would distribute by, and what hot queries now filter on (`= $county`, `= any($counties)`)
 * so that they can stay on one shard.
 * - A stored generated column, not filled by the application: one mechanism that cannot drift
 *   from the code it is derived from, and no insert or update has to name it. left() is
 *   immutable, so both PostgreSQL 15 and PGlite accept it. Adding it rewrites each table once.
 * - No index on county_code: every query that filters by county also has a more selective index
 *   (GiST on the geometry, btree on the 12-digit code); on one PostgreSQL the equality only narrows
 *   rows that index already found, and on Citus it picks the shard. (regions_county_idx below is
 *   for the county lookup.)
 * - app.counties_meeting(g): the counties a geometry (a point, a tile's box, a batch of points) may
 *   fall in: those whose boundary comes within 0.01° (about 1 km) of it — county boundaries and
 *   grids drawn by different hands disagree by tens of metres, and a grid sticking out of its
 *   county into the neighbour's must still be found there; farther out is a coverage error that
 *   grid validation reports — and every county without a boundary (it could be
 *   anywhere). Where the boundaries cover no part of it, every county: a grid outside all county
 *   boundaries (imprecise boundaries; the test fixtures' villages) is still found, only not on one
 *   shard. Plain SQL, no SET, not security definer, so the planner inlines it: inside
 *   `array(select …)` it is one probe of regions' GiST index and one of regions_county_idx, once
 *   per statement (about 0.2 ms on a prefecture; with a sub-select as its argument, as for a batch
 *   of points, it is not inlined and takes about 0.6 ms). The queries use it through
 *   inCountiesMeeting() (server/db/geo.ts); incident routing (app.incident_grid) uses it here.
 * - Measured on 2 shared cores: the demo county as loaded (3,000 incidents) about 1 s on PGlite;
 *   with 200,000 incidents 9 s on PGlite, 6 s on PostgreSQL 15; a prefecture (2 M incidents,
 *   PostgreSQL 15) about 65 s, almost all of it rewriting incidents and rebuilding its indexes.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `
alter table grids add column county_code varchar(6) collate "C" not null generated always as (left(village_code, 6)) stored;
alter table household_points add column county_code varchar(6) collate "C" not null generated always as (left(village_code, 6)) stored;
alter table people add column county_code varchar(6) collate "C" not null generated always as (left(region_code, 6)) stored;
alter table sites add column county_code varchar(6) collate "C" not null generated always as (left(region_code, 6)) stored;
alter table incidents add column county_code varchar(6) collate "C" not null generated always as (left(region_code, 6)) stored;

create index regions_county_idx on regions (code) where level = 'county';
create function app.counties_meeting(g geometry) returns setof text language sql stable
  as $$ with meeting as (select left(r.code, 6) as county from regions r
      where r.level = 'county' and r.boundary && ST_Expand(g, 0.01) and ST_DWithin(r.boundary, g, 0.01))
    select county from meeting
    union all
    select left(r.code, 6) from regions r
      where r.level = 'county' and (r.boundary is null or not exists (select from meeting)) $$;

create or replace function app.incident_grid(p geometry) returns table (id bigint, code text, name text, village_code text)
  language sql stable security definer set search_path = public, pg_temp
  as $$ select g.id, g.code::text, g.name, g.village_code::text from grids g
    join grid_layers l on l.id = g.layer_id and l.kind = 'comprehensive'
    where g.valid_to is null and g.county_code = any(array(select c from app.counties_meeting(p) c)) and ST_Covers(g.geom, p)
    order by g.code limit 1 $$;
`);
}

export async function down(db: Kysely<any>): Promise<void> {
  await runScript(db, `
create or replace function app.incident_grid(p geometry) returns table (id bigint, code text, name text, village_code text)
  language sql stable security definer set search_path = public, pg_temp
  as $$ select g.id, g.code::text, g.name, g.village_code::text from grids g
    join grid_layers l on l.id = g.layer_id and l.kind = 'comprehensive'
    where g.valid_to is null and ST_Covers(g.geom, p)
    order by g.code limit 1 $$;
drop function app.counties_meeting(geometry);
drop index regions_county_idx;
alter table incidents drop column county_code;
alter table sites drop column county_code;
alter table people drop column county_code;
alter table household_points drop column county_code;
alter table grids drop column county_code;
`);
}
