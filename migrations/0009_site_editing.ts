import type { Kysely } from 'kysely';
import { runScript } from '../server/db/script.ts';

/**
 * Key sites are kept by planners and administrators within their scope (inspectors only look).
 * Writes go through row-level security like every request.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `
create policy sites_insert on sites for insert to pingan_app with check (app.can_plan(region_code));
create policy sites_delete on sites for delete to pingan_app using (app.can_plan(region_code));
drop policy sites_rehome on sites;
create policy sites_update on sites for update to pingan_app using (app.can_plan(region_code)) with check (app.can_plan(region_code));
revoke update (grid_id, updated_at) on sites from pingan_app;
grant insert, update, delete on sites to pingan_app;
`);
}

export async function down(db: Kysely<any>): Promise<void> {
  await runScript(db, `
revoke insert, update, delete on sites from pingan_app;
grant update (grid_id, updated_at) on sites to pingan_app;
drop policy sites_update on sites;
create policy sites_rehome on sites for update to pingan_app using (app.can_plan(region_code)) with check (app.can_plan(region_code));
drop policy sites_delete on sites;
drop policy sites_insert on sites;
`);
}
