import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Kysely, sql } from 'kysely';
import { insertUser } from '../auth/auth.repository.ts';
import { hashPassword } from '../auth/secrets.ts';
import type { Database, Role } from '../db/schema.ts';
import { writeAudit } from '../audit/audit.repository.ts';

export const demoDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../geodata/demo');
export const DEMO_PASSWORD = 'demo-2026';

/** The demo accounts: username → role. Each is bound to the person the generator marked for it. */
export const demoAccounts: Record<string, Role> = {
  admin: 'admin', planner: 'planner', dispatcher: 'dispatcher', inspector: 'inspector', member: 'grid_member', unit: 'unit_staff',
};

const read = (file: string) => readFileSync(path.join(demoDir, file), 'utf8');

export async function isEmpty(db: Kysely<Database>): Promise<boolean> {
  const row = await db.selectFrom('regions').select('code').limit(1).executeTakeFirst();
  return !row;
}

/**
 * Loads the checked-in demo county (geodata/demo) into an empty database, in one transaction.
 * Each file goes in as one JSON parameter expanded by PostgreSQL, and every spatial assignment
 * (which grid and village a site, household point or incident lies in) is a PostGIS join.
 * Incident times are stored relative to now, so the demo always shows "the past 12 months".
 */
export async function loadDemoCounty(owner: Kysely<Database>): Promise<Record<string, number>> {
  return owner.transaction().execute(async (db) => {
    const counts: Record<string, number> = {};
    const run = async (name: string, query: ReturnType<typeof sql>) => {
      const result = await query.execute(db);
      counts[name] = Number(result.numAffectedRows ?? 0n);
    };

    await run('regions', sql`insert into regions (code, name, level, parent_code, urban, boundary)
      select p->>'code', p->>'name', p->>'level', p->>'parentCode', coalesce((p->>'urban')::boolean, false),
        case when f->'geometry' is null or json_typeof(f->'geometry') = 'null' then null
          else ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(f->>'geometry'), 4326)) end
      from json_array_elements(${read('regions.geojson')}::json->'features') f, lateral (select f->'properties' as p) x`);

    await run('grids', sql`insert into grids (code, name, layer_id, village_code, geom, households, population, valid_from)
      select p->>'code', p->>'name', l.id, p->>'villageCode', ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(f->>'geometry'), 4326)),
        (p->>'households')::int, (p->>'population')::int, now() - interval '2 years'
      from json_array_elements(${read('grids.geojson')}::json->'features') f, lateral (select f->'properties' as p) x
      join grid_layers l on l.kind = p->>'layer'`);

    await run('householdPoints', sql`insert into household_points (village_code, households, population, geom)
      select left(p->>'gridCode', 12), (p->>'households')::int, (p->>'population')::int,
        ST_SetSRID(ST_GeomFromGeoJSON(f->>'geometry'), 4326)
      from json_array_elements(${read('households.geojson')}::json->'features') f, lateral (select f->'properties' as p) x`);

    await run('units', sql`insert into units (code, name, name_en, kind, region_code)
      select u->>'code', u->>'name', u->>'nameEn', u->>'kind', u->>'regionCode'
      from json_array_elements(${read('units.json')}::json) u`);

    await run('people', sql`insert into people (ref, name, gender, phone, unit_id, village_code, region_code)
      select p->>'ref', p->>'name', p->>'gender', p->>'phone', u.id, p->>'villageCode', coalesce(p->>'villageCode', u.region_code)
      from json_array_elements(${read('people.json')}::json) p
      left join units u on u.code = p->>'unitCode'`);

    await run('assignments', sql`insert into grid_assignments (grid_id, person_id, duty, valid_from)
      select g.id, pe.id, a->>'duty', now() - interval '1 year'
      from json_array_elements(${read('assignments.json')}::json) a
      join grids g on g.code = a->>'gridCode' and g.valid_to is null
      join people pe on pe.ref = a->>'personRef'`);

    // a site belongs to the village and comprehensive grid its representative point falls in
    await run('sites', sql`insert into sites (ref, category, name, geom, entrances, attrs, region_code, grid_id)
      select p->>'ref', p->>'category', p->>'name', s.geom,
        case when p->'entrances' is null then null
          else ST_SetSRID(ST_GeomFromGeoJSON(json_build_object('type', 'MultiPoint', 'coordinates', p->'entrances')::text), 4326) end,
        coalesce(p->'attrs', '{}')::jsonb, g.village_code, g.id
      from json_array_elements(${read('sites.geojson')}::json->'features') f
      cross join lateral (select f->'properties' as p, ST_SetSRID(ST_GeomFromGeoJSON(f->>'geometry'), 4326) as geom) s
      cross join lateral (select g.id, g.village_code from grids g
        where g.layer_id = 1 and g.valid_to is null and ST_Intersects(g.geom, ST_PointOnSurface(s.geom))
        order by g.code limit 1) g`);

    // staged in a temporary table so that each timeline can follow its incident by code
    await sql`create temp table demo_incidents on commit drop as
      select t.*, 'SJ' || to_char(t.created_at at time zone 'Asia/Shanghai', 'YYYYMMDD') || '-' ||
          lpad((row_number() over (partition by (t.created_at at time zone 'Asia/Shanghai')::date order by t.created_at, t.ref))::text, 4, '0') as code
      from (
        select i->>'ref' as ref, i->>'category' as category, i->>'title' as title, coalesce(i->>'description', '') as description,
          ST_SetSRID(ST_MakePoint((i->>'lon')::float8, (i->>'lat')::float8), 4326) as location,
          i->>'state' as state, i->>'level' as level, i->>'priority' as priority,
          i->>'reporterRef' as reporter_ref, i->>'unitCode' as unit_code, i->'events' as events,
          date_trunc('second', now() - make_interval(secs => (i->>'reportedHoursAgo')::float8 * 3600)) as created_at
        from json_array_elements(${read('incidents.json')}::json) i
      ) t`.execute(db);

    await run('incidents', sql`insert into incidents (code, category, title, description, location, grid_id, region_code, state, level,
        priority, reporter_id, unit_id, due_at, created_at, closed_at)
      select d.code, d.category, d.title, d.description, d.location, g.id, g.village_code, d.state, d.level, d.priority, pe.id, u.id,
        d.created_at + make_interval(hours => c.deadline_hours), d.created_at,
        (select d.created_at + make_interval(secs => (e->>'hoursAfterReport')::float8 * 3600)
           from json_array_elements(d.events) e where e->>'toState' = 'closed'
           order by (e->>'hoursAfterReport')::float8 desc limit 1)
      from demo_incidents d
      join incident_categories c on c.code = d.category
      join lateral (select g.id, g.village_code from grids g
        where g.layer_id = 1 and g.valid_to is null and ST_Intersects(g.geom, d.location) order by g.code limit 1) g on true
      left join people pe on pe.ref = d.reporter_ref
      left join units u on u.code = d.unit_code
      order by d.created_at`);

    await run('incidentEvents', sql`insert into incident_events (incident_id, at, actor_id, action, from_state, to_state, note)
      select inc.id, inc.created_at + make_interval(secs => (e->>'hoursAfterReport')::float8 * 3600), pe.id,
        e->>'action', e->>'fromState', e->>'toState', e->>'note'
      from demo_incidents d
      join incidents inc on inc.code = d.code
      cross join json_array_elements(d.events) e
      left join people pe on pe.ref = e->>'actorRef'
      order by inc.id, (e->>'hoursAfterReport')::float8`);

    const accountRefs = demoAccountRefs();
    const people = await db.selectFrom('people').select(['id', 'ref', 'name', 'villageCode', 'unitId'])
      .where('ref', 'in', Object.values(accountRefs)).execute();
    const byRef = new Map(people.map((p) => [p.ref, p]));
    const passwordHash = await hashPassword(DEMO_PASSWORD);
    const county = (await db.selectFrom('regions').select('code').where('level', '=', 'county').executeTakeFirstOrThrow()).code;
    for (const [account, ref] of Object.entries(accountRefs)) {
      const person = byRef.get(ref)!;
      const role = demoAccounts[account];
      const scopeCode = role === 'grid_member' ? person.villageCode! : county.slice(0, 6);
      await insertUser(db, { username: account, displayName: person.name, passwordHash, role, scopeCode, personId: person.id });
    }
    counts.users = Object.keys(demoAccounts).length;

    await writeAudit(db, { action: 'seed', entity: 'demo', entityId: county, after: counts });
    // fresh statistics, so the planner picks the spatial indexes from the first request on
    await sql`analyze`.execute(db);
    return counts;
  });
}

function demoAccountRefs(): Record<string, string> {
  const people = JSON.parse(read('people.json')) as Array<{ ref: string; account?: string }>;
  const refs: Record<string, string> = {};
  for (const p of people) if (p.account) refs[p.account] = p.ref;
  for (const account of Object.keys(demoAccounts)) {
    if (!refs[account]) throw new Error(`geodata/demo/people.json marks no person for the demo account "${account}"`);
  }
  return refs;
}
