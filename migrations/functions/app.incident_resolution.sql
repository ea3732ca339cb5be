-- Trigger function of incident_events_resolution (after insert on incident_events, for each row):
-- incidents.resolved_at follows the workflow's events. A step to `resolved` sets it, a step to
-- `closed` keeps it (or sets it, for a case closed without a resolve step), any other change of
-- state (reopened, escalated…) clears it. Security definer: the writer needs no right on the
-- column; nobody else may call it.
create or replace function app.incident_resolution() returns trigger language plpgsql security definer
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
