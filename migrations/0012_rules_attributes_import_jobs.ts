import type { Kysely } from 'kysely';
import { runScript } from '../server/db/script.ts';

/**
 * Rules of a third mode, `attributes`: a subject near a target (or near where people live) must
 * carry certain attributes; the water-safety rule (防溺水) is seeded as one. "Near a village" is
 * measured to the village's household points (the dwellings of the household register, which is
 * what a village's built-up area consists of): a water within 500 m of any of them, or of any
 * school, must name a responsible person and have a warning sign and a life buoy.
 *
 * Imports run as jobs: large files are checked and placed in batches into a staging table, with
 * progress in import_jobs, then inserted into sites in one final transaction (all or nothing).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `
alter table rules drop constraint rules_mode_check;
alter table rules add constraint rules_mode_check check (mode in ('forbidden', 'required', 'attributes'));
-- attributes mode: what each subject must carry, e.g.
-- [{"key": "warningSign", "name": "警示牌", "nameEn": "warning sign", "path": ["equipment", "warningSigns"], "test": "positive"}]
-- tests: "positive" (a number above 0), "contact" (an object holding at least one entry with a name), "present" (not blank)
alter table rules add column requirements jsonb;
-- attributes mode: also measure to household points (where villagers live), not only to target sites
alter table rules add column near_households boolean not null default false;

insert into rules (code, name, name_en, subject_categories, target_categories, distance_m, method, mode, severity, basis,
  requirements, near_households)
values ('water-safety-500', '学校、村庄500米内水域应落实责任人、警示牌和救生圈',
  'Every water within 500 m of a school or a village has a responsible person, a warning sign and a life buoy',
  '{water}', '{school}', 500, 'boundary', 'attributes', 'serious',
  '防溺水工作要求：学校及村庄周边500米内的河流、湖泊、水库、坑塘应明确责任人，设置警示牌并配备救生圈等救生设施（“四个一”）；村庄按住户点计',
  '[{"key": "responsible", "name": "责任人", "nameEn": "responsible person", "path": ["responsible"], "test": "contact"},
    {"key": "warningSign", "name": "警示牌", "nameEn": "warning sign", "path": ["equipment", "warningSigns"], "test": "positive"},
    {"key": "lifeBuoy", "name": "救生圈", "nameEn": "life buoy", "path": ["equipment", "lifeBuoys"], "test": "positive"}]',
  true);

alter table import_jobs drop constraint import_jobs_status_check;
alter table import_jobs add constraint import_jobs_status_check
  check (status in ('queued', 'running', 'checked', 'imported', 'failed'));
alter table import_jobs drop constraint import_jobs_format_check;
alter table import_jobs add constraint import_jobs_format_check check (format in ('geojson', 'csv', 'shapefile', 'kml'));
alter table import_jobs add column processed integer not null default 0;
alter table import_jobs add column error_count integer not null default 0;
alter table import_jobs add column message text;
alter table import_jobs add column updated_at timestamptz not null default now();
create policy import_jobs_update on import_jobs for update to pingan_app
  using (created_by = app.user_id() and app.can_plan(scope_code)) with check (created_by = app.user_id() and app.can_plan(scope_code));
grant update on import_jobs to pingan_app;

-- the water-safety rule measures to household points in metres
create index household_points_geog_idx on household_points using gist ((geom::geography));

-- rows of a running import, checked and placed (region_code null: in no grid of the caller's), waiting for
-- the final insert, which happens only when no row has an error
create table import_staging (
  job_id bigint not null references import_jobs (id) on delete cascade,
  row integer not null,
  category text not null,
  name text not null,
  attrs jsonb not null,
  geom geometry(Geometry, 4326) not null,
  region_code varchar(12) collate "C",
  grid_id bigint,
  primary key (job_id, row)
);
alter table import_staging enable row level security;
create policy import_staging_all on import_staging for all to pingan_app
  using (exists (select 1 from import_jobs j where j.id = job_id and j.created_by = app.user_id()))
  with check (exists (select 1 from import_jobs j where j.id = job_id and j.created_by = app.user_id()));
grant select, insert, delete on import_staging to pingan_app;
`);
}

export async function down(db: Kysely<any>): Promise<void> {
  await runScript(db, `
drop table import_staging;
drop index household_points_geog_idx;
revoke update on import_jobs from pingan_app;
drop policy import_jobs_update on import_jobs;
alter table import_jobs drop column updated_at, drop column message, drop column error_count, drop column processed;
alter table import_jobs drop constraint import_jobs_format_check;
alter table import_jobs add constraint import_jobs_format_check check (format in ('geojson', 'csv', 'shapefile'));
alter table import_jobs drop constraint import_jobs_status_check;
alter table import_jobs add constraint import_jobs_status_check check (status in ('checked', 'imported'));
delete from rules where code = 'water-safety-500';
alter table rules drop column near_households, drop column requirements;
alter table rules drop constraint rules_mode_check;
alter table rules add constraint rules_mode_check check (mode in ('forbidden', 'required'));
`);
}
