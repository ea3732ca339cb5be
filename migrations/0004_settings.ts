import type { Kysely } from 'kysely';
import { runScript } from '../server/db/script.ts';

/**
 * Local norms are settings, not code: validation thresholds for grid coverage and the workload
 * norms that planners balance grids against. Values are JSON; every signed-in caller may read them.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `
create table settings (
  key text primary key check (key ~ '^[a-z][a-zA-Z0-9_.]+$'),
  value jsonb not null,
  description text not null default '',
  updated_at timestamptz not null default now()
);
alter table settings enable row level security;
create policy settings_read on settings for select to pingan_app using (true);
grant select on settings to pingan_app;

insert into settings (key, value, description) values
  ('validation.minGapAreaM2', '1', 'Uncovered area below this (m²) is numeric noise, not a gap'),
  ('validation.minOverlapAreaM2', '1', 'Overlap below this (m²) is numeric noise, not an overlap'),
  ('validation.sliverMaxAreaM2', '500', 'A grid, gap or part smaller than this (m²) is a sliver'),
  ('validation.sliverMaxThinness', '0.1', 'A part whose Polsby-Popper compactness 4πA/P² is below this is a sliver'),
  ('workload.targetHouseholds.urban', '300', 'Target households per urban community grid'),
  ('workload.targetHouseholds.rural', '150', 'Target households per rural (village group) grid'),
  ('workload.tolerance', '0.4', 'Grids within ±40 % of the target are in norm');
`);
}

export async function down(db: Kysely<any>): Promise<void> {
  await runScript(db, 'drop table settings;');
}
