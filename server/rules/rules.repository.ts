import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { GeoJsonGeometry } from '../db/geo.ts';

export async function listRules(db: Kysely<Database>) {
  return db.selectFrom('rules')
    .select(['id', 'code', 'name', 'nameEn', 'subjectCategories', 'targetCategories', 'subjectFilter', 'distanceM', 'method',
      'mode', 'severity', 'basis', 'enabled'])
    .orderBy('id').execute();
}

export type Rule = Awaited<ReturnType<typeof listRules>>[number];

export interface Violation {
  ruleId: number;
  subjectId: number;
  subjectName: string;
  subjectCategory: string;
  targetId: number | null;
  targetName: string | null;
  targetCategory: string | null;
  /** Spheroidal distance in metres, rounded to 0.1 m; null when a required target is missing altogether. */
  distanceM: number | null;
  geometry: GeoJsonGeometry;
}

/**
 * Where a rule measures from: `boundary` uses the footprint (any point of a campus boundary, the
 * venue's footprint), `entrance` the entrances where a site has them (its footprint otherwise).
 */
const place = (alias: string, method: string) =>
  sql.raw(method === 'boundary' ? `${alias}.geom` : `coalesce(${alias}.entrances, ${alias}.geom)`);

/** Subjects of the rule in the region subtree (targets may lie anywhere: a café across a village border counts). */
const subjects = (rule: Rule, prefix: string) => sql`
  select s.* from sites s
  where s.category = any(${rule.subjectCategories}::text[])
    and s.region_code >= ${prefix} and s.region_code < ${prefix + ':'}
    and not exists (select 1 from jsonb_each(${JSON.stringify(rule.subjectFilter ?? {})}::jsonb) f
      where not coalesce(s.attrs ->> f.key = any(array(select jsonb_array_elements_text(f.value))), false))`;

/**
 * Runs a distance rule over a region. `forbidden`: every target within the distance of a subject is
 * a violation, drawn as the shortest line between them. `required`: every subject place (e.g. each
 * school gate) with no target within the distance is one, drawn at the place, with the distance to
 * the nearest target. Distances are geodesic on the WGS84 spheroid (legal distances must be).
 */
export async function runRule(db: Kysely<Database>, rule: Rule, prefix: string): Promise<Violation[]> {
  const from = place('s', rule.method);
  const to = place('t', rule.method);
  if (rule.mode === 'forbidden') {
    const { rows } = await sql<Violation>`
      with s as (${subjects(rule, prefix)})
      select ${rule.id}::int as rule_id, s.id as subject_id, s.name as subject_name, s.category as subject_category,
        t.id as target_id, t.name as target_name, t.category as target_category,
        round(ST_Distance(${from}::geography, ${to}::geography)::numeric, 1)::float8 as distance_m,
        ST_AsGeoJSON(ST_ShortestLine(${from}, ${to}), 7)::json as geometry
      from s join sites t on t.category = any(${rule.targetCategories}::text[])
        and ST_DWithin(${from}::geography, ${to}::geography, ${rule.distanceM})
      order by distance_m, s.id, t.id`.execute(db);
    return rows.map(numbers);
  }
  // required: judged per subject place (each gate on its own)
  const { rows } = await sql<Violation>`
    with s as (${subjects(rule, prefix)}),
    places as (select s.id, s.name, s.category, d.geom from s, ST_Dump(${from}) d)
    select ${rule.id}::int as rule_id, p.id as subject_id, p.name as subject_name, p.category as subject_category,
      n.id as target_id, n.name as target_name, n.category as target_category,
      round(n.distance::numeric, 1)::float8 as distance_m, ST_AsGeoJSON(p.geom, 7)::json as geometry
    from places p
    left join lateral (select t.id, t.name, t.category, ST_Distance(p.geom::geography, t.geom::geography) as distance
      from sites t where t.category = any(${rule.targetCategories}::text[])
      order by t.geom <-> p.geom limit 1) n on true
    where not exists (select 1 from sites t where t.category = any(${rule.targetCategories}::text[])
      and ST_DWithin(p.geom::geography, t.geom::geography, ${rule.distanceM}))
    order by p.id`.execute(db);
  return rows.map(numbers);
}

const numbers = (v: Violation): Violation => ({
  ...v, ruleId: Number(v.ruleId), subjectId: Number(v.subjectId), targetId: v.targetId === null ? null : Number(v.targetId),
});
