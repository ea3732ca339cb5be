import type { Kysely } from 'kysely';
import { runScript } from '../server/db/script.ts';

/**
 * Scope is enforced once, in the database: every API request runs in a transaction as the
 * non-login role pingan_app with its caller in transaction-local settings (pingan.role,
 * pingan.scope = region code prefix, pingan.person, pingan.unit, pingan.user), and the
 * row-level policies below decide what that caller can see. A query that forgets a filter
 * still cannot leak. Maintenance work (migrations, seeding, the CLI) runs as the owner.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `
do $$ begin
  if not exists (select from pg_roles where rolname = 'pingan_app') then
    create role pingan_app nologin;
  end if;
end $$;
do $$ begin
  -- the connecting role must be able to SET ROLE pingan_app (superusers can already)
  if not (select rolsuper from pg_roles where rolname = current_user)
     and not pg_has_role(current_user, 'pingan_app', 'member') then
    execute format('grant pingan_app to %I', current_user);
  end if;
end $$;

create schema app;
grant usage on schema app to pingan_app;

create function app.setting(name text) returns text language sql stable
  as $$ select nullif(current_setting('pingan.' || name, true), '') $$;
create function app.role() returns text language sql stable as $$ select app.setting('role') $$;
create function app.scope() returns text language sql stable as $$ select app.setting('scope') $$;
create function app.person_id() returns bigint language sql stable as $$ select app.setting('person')::bigint $$;
create function app.unit_id() returns integer language sql stable as $$ select app.setting('unit')::integer $$;
create function app.user_id() returns integer language sql stable as $$ select app.setting('user')::integer $$;

-- code lies in the caller's region subtree; written as a range so that it can use an index
create function app.in_scope(code text) returns boolean language sql stable
  as $$ select code >= app.scope() and code < app.scope() || ':' $$;

-- a region is visible when it lies in scope, or is an ancestor of the scope (for breadcrumbs)
create function app.region_visible(code text, prefix text) returns boolean language sql stable
  as $$ select app.in_scope(code) or (app.scope() >= prefix and app.scope() < prefix || ':') $$;

-- the grids a grid member currently answers for; security definer so that policies may use it
-- without recursing through grid_assignments' own policy
create function app.member_grid(grid bigint) returns boolean language sql stable security definer
  set search_path = public, pg_temp
  as $$ select exists (select 1 from grid_assignments a
    where a.grid_id = grid and a.person_id = app.person_id() and a.valid_to is null) $$;

grant execute on all functions in schema app to pingan_app;

alter table regions enable row level security;
create policy regions_read on regions for select to pingan_app using (app.region_visible(code, prefix));

alter table grids enable row level security;
create policy grids_read on grids for select to pingan_app
  using (app.in_scope(village_code) and (app.role() <> 'grid_member' or app.member_grid(id)));

alter table household_points enable row level security;
create policy household_points_read on household_points for select to pingan_app
  using (app.in_scope(village_code));

alter table grid_assignments enable row level security;
create policy grid_assignments_read on grid_assignments for select to pingan_app
  using (exists (select 1 from grids g where g.id = grid_id));

alter table people enable row level security;
-- people of the caller's scope (grid members: only their own grids' people), the caller, and anyone
-- currently serving on a grid the caller can see (a village police officer from the county's police
-- unit belongs on that grid's page); the last test goes through grid_assignments' own policy
create policy people_read on people for select to pingan_app
  using ((app.role() <> 'grid_member' and app.in_scope(region_code)) or id = app.person_id()
    or exists (select 1 from grid_assignments a where a.person_id = people.id and a.valid_to is null));

alter table sites enable row level security;
create policy sites_read on sites for select to pingan_app
  using (app.in_scope(region_code) and (app.role() <> 'grid_member' or app.member_grid(grid_id)));

alter table incidents enable row level security;
create policy incidents_read on incidents for select to pingan_app
  using (app.in_scope(region_code) and case app.role()
    when 'grid_member' then app.member_grid(grid_id)
    when 'unit_staff' then unit_id = app.unit_id()
    else true end);

alter table incident_events enable row level security;
create policy incident_events_read on incident_events for select to pingan_app
  using (exists (select 1 from incidents i where i.id = incident_id));

alter table users enable row level security;
create policy users_read on users for select to pingan_app
  using (id = app.user_id() or (app.role() = 'admin' and app.in_scope(scope_code)));

alter table audit_log enable row level security;
-- entries without a region (system work: seeding, accounts) are for county-level administrators
create policy audit_log_read on audit_log for select to pingan_app
  using (app.role() = 'admin' and (app.in_scope(region_code) or (region_code is null and length(app.scope()) = 6)));

-- reference data every signed-in caller may read
grant select on regions, grid_layers, grids, household_points, grid_assignments, units, people, users,
  site_categories, sites, rules, incident_categories, incidents, incident_events, audit_log to pingan_app;
-- sessions and api_tokens are never readable by request code: authentication runs as the owner
`);
}

export async function down(db: Kysely<any>): Promise<void> {
  await runScript(db, `
drop schema app cascade;
revoke all on all tables in schema public from pingan_app;
alter table regions disable row level security;
alter table grids disable row level security;
alter table household_points disable row level security;
alter table grid_assignments disable row level security;
alter table people disable row level security;
alter table sites disable row level security;
alter table incidents disable row level security;
alter table incident_events disable row level security;
alter table users disable row level security;
alter table audit_log disable row level security;
`);
}
