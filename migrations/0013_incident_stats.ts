import type { Kysely } from 'kysely';
import { runScript } from '../server/db/script.ts';

/**
 * Incident statistics (issue 6, item 7).
 * - `incidents.resolved_at`: when the resolution that holds was recorded. Handling time (created →
 *   resolved) and the on-time rate (resolved by due_at) need it for every finished incident; reading
 *   it from incident_events at prefecture scale would mean a per-row lookup through that table's
 *   row-level policy. A trigger on incident_events keeps it, so any code that records a workflow step
 *   as an event (the only way the workflow changes state) keeps it right: a step to `resolved` sets
 *   it, a step to `closed` keeps it (or sets it, if the case was closed without a separate resolve
 *   step), any other change of state (reopened, escalated…) clears it.
 * - Indexes for the statistics: incidents by creation time (a county-wide month is a range of
 *   created_at, not of region codes), covering the columns the statistics and the row-level policy
 *   read, so that a period's figures come from the index alone; finished cases by resolution time
 *   (reports: resolved this week); open cases by deadline (supervision lists).
 * - The scope helpers that row-level policies call are marked PARALLEL SAFE (they only read
 *   settings and tables): PostgreSQL plans no parallel scan for a query whose policy calls a
 *   parallel-unsafe function, which left a county-year of statistics on one core. Parallel workers
 *   inherit the transaction's settings (pingan.*) and role, so the policies filter the same rows.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `
alter table incidents add column if not exists resolved_at timestamptz;

update incidents i set resolved_at = e.at
  from (select incident_id, max(at) as at from incident_events where to_state = 'resolved' group by incident_id) e
  where e.incident_id = i.id and i.state in ('resolved', 'closed');
update incidents set resolved_at = coalesce(closed_at, created_at) where resolved_at is null and state = 'closed';

-- supersedes 0011's narrower trigger (which left resolved_at empty on a close without a resolve step)
drop trigger incident_events_resolved on incident_events;
drop function app.incident_event_resolved();

create function app.incident_resolution() returns trigger language plpgsql security definer
  set search_path = public, pg_temp as $$
begin
  if new.to_state is null or new.to_state is not distinct from new.from_state then
    return new;
  end if;
  update incidents set resolved_at = case
      when new.to_state = 'resolved' then new.at
      when new.to_state = 'closed' then coalesce(resolved_at, new.at)
      else null end
    where id = new.incident_id;
  return new;
end $$;
revoke all on function app.incident_resolution() from public;

create trigger incident_events_resolution after insert on incident_events
  for each row execute function app.incident_resolution();

create index incidents_created_stats_idx on incidents (created_at)
  include (region_code, category, state, due_at, resolved_at, grid_id, unit_id);
create index incidents_resolved_idx on incidents (resolved_at) where resolved_at is not null;

-- row-level policies must not keep statistics off parallel workers
alter function app.setting(text) parallel safe;
alter function app.role() parallel safe;
alter function app.scope() parallel safe;
alter function app.person_id() parallel safe;
alter function app.unit_id() parallel safe;
alter function app.user_id() parallel safe;
alter function app.in_scope(text) parallel safe;
alter function app.region_visible(text, text) parallel safe;
alter function app.member_grid(bigint) parallel safe;

-- the supervision lists: open cases past their deadline
create index incidents_open_due_idx on incidents (due_at)
  where state in ('reported', 'accepted', 'dispatched', 'in_progress', 'escalated', 'reopened');
`);
}

export async function down(db: Kysely<any>): Promise<void> {
  await runScript(db, `
alter function app.setting(text) parallel unsafe;
alter function app.role() parallel unsafe;
alter function app.scope() parallel unsafe;
alter function app.person_id() parallel unsafe;
alter function app.unit_id() parallel unsafe;
alter function app.user_id() parallel unsafe;
alter function app.in_scope(text) parallel unsafe;
alter function app.region_visible(text, text) parallel unsafe;
alter function app.member_grid(bigint) parallel unsafe;
drop index incidents_open_due_idx;
drop index incidents_resolved_idx;
drop index incidents_created_stats_idx;
drop trigger incident_events_resolution on incident_events;
drop function app.incident_resolution();
`);
  // 0011's own trigger comes back with its migration's definition
  await runScript(db, `
create function app.incident_event_resolved() returns trigger language plpgsql security definer
  set search_path = public, pg_temp
  as $$
begin
  if new.to_state = 'resolved' and new.from_state is distinct from 'resolved' then
    update incidents set resolved_at = new.at where id = new.incident_id;
  elsif new.from_state in ('resolved', 'closed') and new.to_state not in ('resolved', 'closed') then
    update incidents set resolved_at = null where id = new.incident_id;
  end if;
  return new;
end $$;
create trigger incident_events_resolved after insert on incident_events
  for each row when (new.to_state is distinct from new.from_state) execute function app.incident_event_resolved();
`);
}
