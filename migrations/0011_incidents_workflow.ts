import { type Kysely, sql } from 'kysely';
import { runScript } from '../server/db/script.ts';

/**
 * Incidents from report to resolution (issue 6).
 * - The taxonomy is completed (sub-categories of public order, safety, campus surroundings, city
 *   appearance after GB/T 30428.2, emergencies), each with a deadline, a default unit and a JSON
 *   Schema for its extra fields (`attr_schema`, json so that the property order is the form's order).
 * - The workflow is data: `incident_transitions` (action, from state → to state) and
 *   `incident_permissions` (role, action, relation). A relation says how the caller must stand to the
 *   incident: `scope` (in the caller's region and at or below the caller's level: a village-scoped
 *   caller handles village matters, a township-scoped one village and township matters, the county
 *   everything), `grid` (the caller serves the incident's grid), `unit` (dispatched to the caller's
 *   unit), `reporter` (the caller reported it). The server asks app.incident_actions(id); the row
 *   policies below use the same relation function, so a forgotten check cannot write.
 * - Supervision notes notify the unit (incident_notifications); photos keep their metadata here and
 *   their files on disk; codes come from a per-day counter.
 */

type Field = Record<string, unknown>;
const str = (zh: string, en: string, extra: Field = {}): Field => ({ type: 'string', title: zh, titleEn: en, maxLength: 200, ...extra });
const int = (zh: string, en: string, extra: Field = {}): Field => ({ type: 'integer', minimum: 0, title: zh, titleEn: en, ...extra });
const num = (zh: string, en: string, extra: Field = {}): Field => ({ type: 'number', minimum: 0, title: zh, titleEn: en, ...extra });
const bool = (zh: string, en: string): Field => ({ type: 'boolean', title: zh, titleEn: en });
const choice = (zh: string, en: string, options: Array<[string, string, string]>): Field =>
  ({ type: 'string', title: zh, titleEn: en, oneOf: options.map(([value, z, e]) => ({ const: value, title: `${z} ${e}` })) });
const object = (properties: Record<string, Field>, required: string[] = []) =>
  ({ type: 'object', properties, additionalProperties: false, ...(required.length ? { required } : {}) });

const parties = int('当事人数', 'Parties involved');
const amount = num('涉及金额', 'Amount involved', { unit: '元' });
const people = int('涉及人数', 'People involved');
const casualties = { deaths: int('死亡人数', 'Deaths'), injured: int('受伤人数', 'Injured') };
const schoolName = str('学校名称', 'School');

// [code, parent, name, English name, deadline hours, default unit code, extra fields]
// Deadlines: 当日 24 h, 3, 7, at most 15 days (360 h).
const d = (days: number) => days * 24;
export const incidentTaxonomy: Array<[string, string | null, string, string, number, string | null, Field]> = [
  ['dispute', null, '矛盾纠纷', 'Disputes', d(15), 'justice', object({ parties })],
  ['dispute.family', 'dispute', '婚姻家庭纠纷', 'Marriage and family', d(7), 'justice', object({ parties, violence: bool('涉及家庭暴力', 'Domestic violence') })],
  ['dispute.neighbour', 'dispute', '邻里纠纷', 'Neighbours', d(7), 'justice', object({ parties })],
  ['dispute.land', 'dispute', '土地山林纠纷', 'Land and forest', d(15), 'natural_resources', object({ parties, areaMu: num('涉及面积', 'Area', { unit: '亩' }) })],
  ['dispute.labour', 'dispute', '劳资纠纷', 'Labour and wages', d(7), 'civil_affairs', object({ workers: int('涉及人数', 'Workers'), amount, employer: str('用工单位', 'Employer') })],
  ['dispute.property', 'dispute', '物业纠纷', 'Property management', d(7), 'housing', object({ households: int('涉及户数', 'Households'), company: str('物业公司', 'Property company') })],
  ['dispute.demolition', 'dispute', '征地拆迁纠纷', 'Land acquisition and demolition', d(15), 'natural_resources', object({ households: int('涉及户数', 'Households'), project: str('项目名称', 'Project') })],
  ['dispute.medical', 'dispute', '医疗纠纷', 'Medical', d(7), 'health', object({ parties, institution: str('医疗机构', 'Institution') })],
  ['dispute.traffic', 'dispute', '交通事故纠纷', 'Traffic accidents', d(3), 'police', object({ parties, ...casualties })],
  ['order', null, '治安隐患', 'Public-order hazards', d(3), 'police', object({ people })],
  ['order.public', 'order', '治安问题', 'Public order', d(3), 'police', object({ people })],
  ['order.gambling', 'order', '涉赌线索', 'Gambling', d(3), 'police', object({ people })],
  ['order.drugs', 'order', '涉毒线索', 'Drugs', 1 * 24, 'police', object({ people })],
  ['order.theft', 'order', '盗窃', 'Theft', d(3), 'police', object({ lossYuan: num('损失金额', 'Loss', { unit: '元' }) })],
  ['order.fight', 'order', '打架斗殴', 'Fights', 1 * 24, 'police', object({ people, ...casualties })],
  ['order.fraud', 'order', '电信网络诈骗', 'Telecom and online fraud', d(3), 'police', object({ amount, channel: choice('渠道', 'Channel', [['phone', '电话', 'Phone'], ['sms', '短信', 'SMS'], ['online', '网络', 'Online']]) })],
  ['order.suspicious', 'order', '可疑人员', 'Suspicious persons', 1 * 24, 'police', object({ people })],
  ['safety', null, '安全隐患', 'Safety hazards', d(3), 'emergency', object({})],
  ['safety.fire', 'safety', '消防隐患', 'Fire', 1 * 24, 'emergency', object({ kind: choice('类型', 'Kind', [
    ['blocked_exit', '堵塞消防通道', 'Blocked exit or lane'], ['ebike_charging', '电动车违规充电', 'E-bike charging indoors'],
    ['wiring', '私拉乱接电线', 'Illegal wiring'], ['equipment', '消防设施损坏', 'Broken fire equipment'], ['other', '其他', 'Other']]) })],
  ['safety.gas', 'safety', '燃气隐患', 'Gas', 1 * 24, 'emergency', object({ leak: bool('有泄漏', 'Leaking') })],
  ['safety.drowning', 'safety', '防溺水隐患', 'Drowning', 1 * 24, 'water', object({ missingKit: bool('缺少“四个一”设施', 'Safety kit missing'), waterName: str('水域名称', 'Water') })],
  ['safety.building', 'safety', '危房隐患', 'Unsafe buildings', d(3), 'housing', object({ households: int('居住户数', 'Households'), grade: choice('鉴定等级', 'Grade', [['c', 'C级', 'C'], ['d', 'D级', 'D'], ['unknown', '未鉴定', 'Not assessed']]) })],
  ['safety.production', 'safety', '生产安全隐患', 'Work safety', d(3), 'emergency', object({ company: str('企业名称', 'Company') })],
  ['safety.hazmat', 'safety', '危险化学品隐患', 'Hazardous chemicals', 1 * 24, 'emergency', object({ company: str('企业名称', 'Company'), substance: str('物质', 'Substance') })],
  ['safety.road', 'safety', '道路交通安全隐患', 'Road safety', d(3), 'transport', object({ road: str('道路', 'Road') })],
  ['campus', null, '校园周边', 'Campus surroundings', d(3), 'education', object({ schoolName })],
  ['campus.surroundings', 'campus', '校园周边环境', 'Campus surroundings', d(3), 'education', object({ schoolName })],
  ['campus.venues', 'campus', '校园周边违规经营场所', 'Prohibited venue near a school', d(7), 'culture', object({ schoolName, venueName: str('场所名称', 'Venue'), distanceM: num('距离', 'Distance', { unit: 'm' }) })],
  ['campus.traffic', 'campus', '校门口交通秩序', 'Traffic at the school gate', d(3), 'police', object({ schoolName })],
  ['campus.vendors', 'campus', '校园周边流动摊贩', 'Street vendors near a school', d(3), 'urban_mgmt', object({ schoolName })],
  ['campus.bullying', 'campus', '校园欺凌线索', 'Bullying', 1 * 24, 'education', object({ schoolName, students: int('涉及学生数', 'Students') })],
  // city appearance: a subset of the event classes of GB/T 30428.2 (数字化城市管理信息系统 第2部分：管理部件和事件)
  ['city', null, '城市管理', 'City appearance', d(7), 'urban_mgmt', object({})],
  ['city.appearance', 'city', '市容环境', 'City appearance', d(3), 'urban_mgmt', object({})],
  ['city.garbage', 'city', '暴露垃圾', 'Exposed garbage', 1 * 24, 'urban_mgmt', object({ volumeM3: num('体积', 'Volume', { unit: 'm³' }) })],
  ['city.illegal_building', 'city', '私搭乱建', 'Illegal construction', d(15), 'urban_mgmt', object({ areaM2: num('面积', 'Area', { unit: 'm²' }) })],
  ['city.street_vending', 'city', '占道经营', 'Street vending on the road', 1 * 24, 'urban_mgmt', object({ stalls: int('摊位数', 'Stalls') })],
  ['city.outside_shop', 'city', '店外经营', 'Trading outside the shop', d(3), 'urban_mgmt', object({ shop: str('店铺', 'Shop') })],
  ['city.ads', 'city', '非法小广告', 'Illegal small ads', d(3), 'urban_mgmt', object({})],
  ['city.parking', 'city', '机动车乱停放', 'Illegal parking', 1 * 24, 'police', object({ plate: str('车牌号', 'Plate') })],
  ['city.dust', 'city', '工地扬尘', 'Construction dust', d(3), 'housing', object({ site: str('工地', 'Site') })],
  ['city.road_damage', 'city', '道路破损', 'Damaged road', d(7), 'transport', object({ road: str('道路', 'Road') })],
  ['city.waterlogging', 'city', '道路积水', 'Waterlogged road', 1 * 24, 'urban_mgmt', object({ road: str('道路', 'Road') })],
  // emergencies: the four classes of 突发事件应对法
  ['emergency', null, '突发事件', 'Emergencies', 1 * 24, 'emergency', object({ people, ...casualties })],
  ['emergency.natural', 'emergency', '自然灾害', 'Natural disaster', 1 * 24, 'emergency', object({ people, ...casualties })],
  ['emergency.accident', 'emergency', '事故灾难', 'Accident', 1 * 24, 'emergency', object({ people, ...casualties })],
  ['emergency.health', 'emergency', '公共卫生事件', 'Public health event', 1 * 24, 'health', object({ people })],
  ['emergency.security', 'emergency', '社会安全事件', 'Social security event', 1 * 24, 'police', object({ people })],
];

// [action, from state, to state (null: unchanged)]
export const transitions: Array<[string, string, string | null]> = [
  ['accept', 'reported', 'accepted'], ['accept', 'escalated', 'accepted'],
  ['reject', 'reported', 'rejected'], ['reject', 'escalated', 'rejected'],
  ['duplicate', 'reported', 'rejected'], ['duplicate', 'accepted', 'rejected'], ['duplicate', 'escalated', 'rejected'],
  ['escalate', 'reported', 'escalated'], ['escalate', 'accepted', 'escalated'], ['escalate', 'escalated', 'escalated'],
  ['dispatch', 'accepted', 'dispatched'], ['dispatch', 'dispatched', 'dispatched'], ['dispatch', 'reopened', 'dispatched'],
  ['start', 'dispatched', 'in_progress'], ['start', 'reopened', 'in_progress'],
  ['resolve', 'in_progress', 'resolved'],
  ['close', 'resolved', 'closed'],
  ['reopen', 'resolved', 'reopened'], ['reopen', 'closed', 'reopened'],
  ['confirm', 'resolved', null], ['confirm', 'closed', null],
  ['supervise', 'dispatched', null], ['supervise', 'in_progress', null], ['supervise', 'reopened', null],
];

// [role ('*' = any role), action, relation]; 'report' (intake) and 'photo' (adding photos) have no transition
const centre = ['report', 'accept', 'reject', 'duplicate', 'escalate', 'dispatch', 'close', 'reopen', 'confirm', 'supervise', 'photo'];
export const permissions: Array<[string, string, string]> = [
  ...centre.map((a): [string, string, string] => ['dispatcher', a, 'scope']),
  ...[...centre, 'start', 'resolve'].map((a): [string, string, string] => ['admin', a, 'scope']),
  ['unit_staff', 'start', 'unit'], ['unit_staff', 'resolve', 'unit'], ['unit_staff', 'photo', 'unit'],
  ['grid_member', 'report', 'grid'], ['grid_member', 'photo', 'grid'],
  // the reporter confirms the result (回访) or says it does not hold
  ['*', 'confirm', 'reporter'], ['*', 'reopen', 'reporter'], ['*', 'photo', 'reporter'],
];

export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `
alter table incident_categories add column attr_schema json not null default '{"type": "object", "properties": {}}';

alter table incidents
  add column attrs jsonb not null default '{}' check (jsonb_typeof(attrs) = 'object'),
  add column source text not null default 'member' check (source in ('member', 'hotline', 'staff', 'rule', 'open311')),
  -- a rule violation's {ruleId, subjectId, targetId}; an Open311 client's extra data
  add column source_data jsonb,
  add column caller_name text check (length(caller_name) between 1 and 50),
  add column caller_phone text check (caller_phone ~ '^[0-9+-]{5,20}$'),
  add column created_by integer references users (id),
  add column duplicate_of bigint references incidents (id) check (duplicate_of <> id),
  add column result text,
  -- set by the events trigger below: when the incident was last resolved (the deadline clock stops)
  add column resolved_at timestamptz,
  add column confirmed_at timestamptz,
  add column satisfied boolean;
create index incidents_due_idx on incidents (due_at) where state not in ('closed', 'rejected', 'resolved');
create index incidents_reporter_idx on incidents (reporter_id);
create index incidents_category_created_idx on incidents (category, created_at);

alter table incident_events add column actor_user_id integer references users (id);

create table incident_transitions (
  action text not null check (action ~ '^[a-z_]+$'),
  from_state text not null,
  to_state text,
  primary key (action, from_state)
);

create table incident_permissions (
  role text not null check (role in ('*', 'admin', 'planner', 'dispatcher', 'inspector', 'grid_member', 'unit_staff')),
  action text not null check (action ~ '^[a-z_]+$'),
  relation text not null check (relation in ('scope', 'grid', 'unit', 'reporter')),
  primary key (role, action, relation)
);

create table incident_notifications (
  id bigint generated always as identity primary key,
  incident_id bigint not null references incidents (id),
  unit_id integer not null references units (id),
  kind text not null check (kind in ('supervise', 'overdue')),
  note text,
  created_by integer references users (id),
  created_at timestamptz not null default now(),
  read_at timestamptz
);
create index incident_notifications_unit_idx on incident_notifications (unit_id, created_at);

create table incident_photos (
  id bigint generated always as identity primary key,
  incident_id bigint not null references incidents (id),
  -- file name under the photo directory (the thumbnail adds .thumb.jpg)
  storage_key text not null unique check (storage_key ~ '^[0-9]+/[0-9a-f-]+\\.(jpg|png|webp)$'),
  mime text not null check (mime in ('image/jpeg', 'image/png', 'image/webp')),
  original_name text,
  bytes integer not null check (bytes > 0),
  width integer not null,
  height integer not null,
  sha256 text not null,
  created_by integer references users (id),
  created_at timestamptz not null default now()
);
create index incident_photos_incident_idx on incident_photos (incident_id);

create table incident_code_counters (
  day date primary key,
  last integer not null
);

-- ---- functions ---------------------------------------------------------------------------------

create function app.level_rank(level text) returns integer language sql immutable
  as $$ select case level when 'village' then 1 when 'township' then 2 when 'county' then 3 end $$;
-- the level a caller's scope answers for: county (6 digits), township (9), village (12)
create function app.scope_rank() returns integer language sql stable
  as $$ select case length(app.scope()) when 6 then 3 when 9 then 2 else 1 end $$;

create function app.incident_relation(relation text, region_code text, level text, grid_id bigint, unit_id integer, reporter_id bigint)
  returns boolean language sql stable
  as $$ select coalesce(case relation
    when 'scope' then app.in_scope(region_code) and app.level_rank(level) <= app.scope_rank()
    when 'grid' then app.member_grid(grid_id)
    when 'unit' then unit_id = app.unit_id()
    when 'reporter' then reporter_id = app.person_id()
    else false end, false) $$;

-- may the caller take this action on an incident with these attributes (whatever its state)?
create function app.incident_may(act text, region_code text, level text, grid_id bigint, unit_id integer, reporter_id bigint)
  returns boolean language sql stable
  as $$ select exists (select 1 from incident_permissions p
    where p.action = act and (p.role = app.role() or p.role = '*')
      and app.incident_relation(p.relation, region_code, level, grid_id, unit_id, reporter_id)) $$;

-- the workflow actions the caller may take on an incident now (its state, their role and relation)
create function app.incident_actions(incident bigint) returns setof text language sql stable
  as $$ select distinct t.action from incidents i
    join incident_transitions t on t.from_state = i.state
    where i.id = incident and not (t.action = 'escalate' and i.level = 'county')
      and app.incident_may(t.action, i.region_code, i.level, i.grid_id, i.unit_id, i.reporter_id)
    order by 1 $$;

-- the deadline of an incident of a category reported at a moment: deadline_hours later (exact
-- elapsed hours, so month and year ends need no special case)
create function app.incident_due(cat text, reported timestamptz) returns timestamptz language sql stable
  as $$ select reported + make_interval(hours => c.deadline_hours) from incident_categories c where c.code = cat $$;

-- the deadline clock as of a moment: overdue, near_due (less than near_fraction of the time left),
-- on_time, or null when there is no clock (rejected, no deadline). Resolution stops the clock.
create function app.incident_clock(st text, created timestamptz, due timestamptz, resolved timestamptz,
  as_of timestamptz, near_fraction double precision) returns text language sql immutable
  as $$ select case
    when due is null or st = 'rejected' then null
    when st in ('resolved', 'closed') then case when coalesce(resolved, as_of) > due then 'overdue' else 'on_time' end
    when as_of > due then 'overdue'
    when due - as_of < (due - created) * near_fraction then 'near_due'
    else 'on_time' end $$;

-- routing: the current comprehensive grid covering a point. A point on a shared edge or vertex is
-- covered by several grids: the one with the lowest code wins (deterministic). Security definer:
-- routing does not depend on which grids the caller may see.
create function app.incident_grid(p geometry) returns table (id bigint, code text, name text, village_code text)
  language sql stable security definer set search_path = public, pg_temp
  as $$ select g.id, g.code::text, g.name, g.village_code::text from grids g
    join grid_layers l on l.id = g.layer_id and l.kind = 'comprehensive'
    where g.valid_to is null and ST_Covers(g.geom, p)
    order by g.code limit 1 $$;

-- names on a timeline are shown to whoever may see the incident
create function app.person_name(pid bigint) returns text language sql stable security definer
  set search_path = public, pg_temp as $$ select name from people where id = pid $$;

-- SJ<local date>-<sequence of the day>, from a per-day counter (rows lock, so concurrent reports
-- get distinct codes); starts after codes already present (demo data)
create function app.next_incident_code(p_at timestamptz) returns text language plpgsql security definer
  set search_path = public, pg_temp
  as $$
declare
  v_tz text := coalesce((select value #>> '{}' from settings where key = 'incidents.timeZone'), 'Asia/Shanghai');
  v_day date := (p_at at time zone v_tz)::date;
  v_prefix text := 'SJ' || to_char(v_day, 'YYYYMMDD') || '-';
  v_n integer;
begin
  insert into incident_code_counters as c (day, last)
    values (v_day, coalesce((select max(substr(i.code, 12)::integer) from incidents i where i.code like v_prefix || '%'), 0) + 1)
    on conflict on constraint incident_code_counters_pkey do update set last = c.last + 1
    returning c.last into v_n;
  return v_prefix || case when v_n < 10000 then lpad(v_n::text, 4, '0') else v_n::text end;
end $$;

-- resolved_at follows the events: set on resolving, cleared when a resolution is reopened
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

grant execute on all functions in schema app to pingan_app;

-- ---- row security --------------------------------------------------------------------------------

alter table incident_transitions enable row level security;
create policy incident_transitions_read on incident_transitions for select to pingan_app using (true);
alter table incident_permissions enable row level security;
create policy incident_permissions_read on incident_permissions for select to pingan_app using (true);

-- reporters see what they reported wherever it went
create policy incidents_read_reporter on incidents for select to pingan_app using (reporter_id = app.person_id());
-- intake: in scope, and for grid members at a point inside a grid they serve (the incident itself may
-- be routed to a neighbour's grid when the point lies on the shared edge)
create policy incidents_report on incidents for insert to pingan_app
  with check (created_by = app.user_id() and (
    (app.in_scope(region_code) and app.incident_may('report', region_code, 'village', grid_id, null, null))
    or (exists (select 1 from incident_permissions p where p.action = 'report' and p.role = app.role() and p.relation = 'grid')
      and exists (select 1 from grids g where g.valid_to is null and app.member_grid(g.id) and ST_Covers(g.geom, location)))));
-- workflow steps: whoever may take some action on the incident (the server checks which)
create policy incidents_act on incidents for update to pingan_app
  using (exists (select 1 from incident_permissions p where (p.role = app.role() or p.role = '*') and p.action not in ('report', 'photo')
    and app.incident_relation(p.relation, region_code, level, grid_id, unit_id, reporter_id)))
  with check (app.in_scope(region_code) or reporter_id = app.person_id() or unit_id = app.unit_id());

create policy incident_events_insert on incident_events for insert to pingan_app
  with check (actor_user_id = app.user_id() and exists (select 1 from incidents i where i.id = incident_id));

alter table incident_notifications enable row level security;
create policy incident_notifications_read on incident_notifications for select to pingan_app
  using (unit_id = app.unit_id() or (app.role() in ('admin', 'dispatcher', 'inspector')
    and exists (select 1 from incidents i where i.id = incident_id)));
create policy incident_notifications_insert on incident_notifications for insert to pingan_app
  with check (created_by = app.user_id() and exists (select 1 from incidents i where i.id = incident_id));
create policy incident_notifications_update on incident_notifications for update to pingan_app
  using (unit_id = app.unit_id()) with check (unit_id = app.unit_id());

alter table incident_photos enable row level security;
create policy incident_photos_read on incident_photos for select to pingan_app
  using (exists (select 1 from incidents i where i.id = incident_id));
create policy incident_photos_insert on incident_photos for insert to pingan_app
  with check (created_by = app.user_id() and exists (select 1 from incidents i where i.id = incident_id
    and app.incident_may('photo', i.region_code, i.level, i.grid_id, i.unit_id, i.reporter_id)));

alter table incident_code_counters enable row level security;

grant select on incident_transitions, incident_permissions, incident_notifications, incident_photos to pingan_app;
grant insert on incidents, incident_events, incident_notifications, incident_photos to pingan_app;
grant update (state, level, unit_id, due_at, closed_at, version, duplicate_of, result, confirmed_at, satisfied) on incidents to pingan_app;
grant update (read_at) on incident_notifications to pingan_app;
grant usage on all sequences in schema public to pingan_app;

insert into settings (key, value, description) values
  ('incidents.timeZone', '"Asia/Shanghai"', 'Time zone of incident codes (SJ<date>-<n>) and report days'),
  ('incidents.nearDueFraction', '0.2', 'An open incident with less than this share of its deadline left is near due'),
  ('incidents.duplicateRadiusM', '50', 'Incidents of the same category within this distance (m)…'),
  ('incidents.duplicateDays', '7', '…and this many days are suggested as duplicates'),
  ('incidents.autoEscalate', 'false', 'Escalate overdue incidents one level up automatically (village → township → county)'),
  ('incidents.autoEscalateEveryHours', '24', 'An overdue incident goes up at most one level per this many hours'),
  ('incidents.photoMaxBytes', '10485760', 'Largest photo accepted (bytes)');
`);

  for (const [code, parent, name, nameEn, hours, unit, schema] of incidentTaxonomy) {
    await sql`insert into incident_categories (code, parent_code, name, name_en, deadline_hours, default_unit_code, attr_schema, sort)
      values (${code}, ${parent}, ${name}, ${nameEn}, ${hours}, ${unit}, ${JSON.stringify(schema)}::json,
        ${incidentTaxonomy.findIndex((t) => t[0] === code)})
      on conflict (code) do update set parent_code = excluded.parent_code, name = excluded.name, name_en = excluded.name_en,
        deadline_hours = excluded.deadline_hours, default_unit_code = excluded.default_unit_code,
        attr_schema = excluded.attr_schema, sort = excluded.sort`.execute(db);
  }
  await db.insertInto('incident_transitions').values(transitions.map(([action, from_state, to_state]) => ({ action, from_state, to_state }))).execute();
  await db.insertInto('incident_permissions').values(permissions.map(([role, action, relation]) => ({ role, action, relation }))).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await runScript(db, `
delete from settings where key like 'incidents.%';
drop trigger incident_events_resolved on incident_events;
drop policy incidents_read_reporter on incidents;
drop policy incidents_report on incidents;
drop policy incidents_act on incidents;
drop policy incident_events_insert on incident_events;
revoke insert on incidents, incident_events from pingan_app;
revoke update (state, level, unit_id, due_at, closed_at, version, duplicate_of, result, confirmed_at, satisfied) on incidents from pingan_app;
drop table incident_code_counters, incident_photos, incident_notifications, incident_permissions, incident_transitions;
drop function app.incident_due(text, timestamptz), app.incident_event_resolved(), app.next_incident_code(timestamptz), app.person_name(bigint), app.incident_grid(geometry),
  app.incident_clock(text, timestamptz, timestamptz, timestamptz, timestamptz, double precision), app.incident_actions(bigint),
  app.incident_may(text, text, text, bigint, integer, bigint), app.incident_relation(text, text, text, bigint, integer, bigint),
  app.scope_rank(), app.level_rank(text);
alter table incident_events drop column actor_user_id;
drop index incidents_due_idx, incidents_reporter_idx, incidents_category_created_idx;
alter table incidents drop column attrs, drop column source, drop column source_data, drop column caller_name, drop column caller_phone,
  drop column created_by, drop column duplicate_of, drop column result, drop column resolved_at, drop column confirmed_at, drop column satisfied;
alter table incident_categories drop column attr_schema;
delete from incident_categories where code not in ('dispute', 'dispute.family', 'dispute.neighbour', 'dispute.land', 'dispute.labour',
  'dispute.property', 'dispute.demolition', 'dispute.medical', 'dispute.traffic', 'order', 'order.public', 'safety', 'safety.fire',
  'safety.gas', 'safety.drowning', 'safety.building', 'campus', 'campus.surroundings', 'city', 'city.appearance', 'emergency');
`);
}
