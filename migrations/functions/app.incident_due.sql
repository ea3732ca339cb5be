-- the deadline of an incident of a category reported at a moment: deadline_hours later (exact
-- elapsed hours, so month and year ends need no special case)
create or replace function app.incident_due(cat text, reported timestamptz) returns timestamptz language sql stable
  as $$ select reported + make_interval(hours => c.deadline_hours) from incident_categories c where c.code = cat $$;
grant execute on function app.incident_due(text, timestamptz) to pingan_app;
