import type { Kysely } from 'kysely';
import { runScript } from '../server/db/script.ts';

/** Import runs and their reports (row errors, a preview of the converted features), for GET /api/imports/{id}. */
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `
create table import_jobs (
  id bigint generated always as identity primary key,
  kind text not null check (kind in ('sites')),
  format text not null check (format in ('geojson', 'csv', 'shapefile')),
  crs text not null check (crs in ('wgs84', 'cgcs2000', 'gcj02', 'bd09')),
  dry_run boolean not null,
  file_name text not null,
  status text not null check (status in ('checked', 'imported')),
  total integer not null,
  valid integer not null,
  imported integer not null default 0,
  errors jsonb not null default '[]',
  preview jsonb,
  scope_code varchar(12) collate "C" not null,
  created_by integer not null references users (id),
  created_at timestamptz not null default now()
);
alter table import_jobs enable row level security;
create policy import_jobs_read on import_jobs for select to pingan_app using (created_by = app.user_id() or app.can_plan(scope_code));
create policy import_jobs_write on import_jobs for insert to pingan_app with check (created_by = app.user_id() and app.can_plan(scope_code));
grant select, insert on import_jobs to pingan_app;
`);
}

export async function down(db: Kysely<any>): Promise<void> {
  await runScript(db, 'drop table import_jobs;');
}
