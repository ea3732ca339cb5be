import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { GeoJsonGeometry } from '../db/geo.ts';

export async function listRules(db: Kysely<Database>) {
  const rows = await db.selectFrom('rules')
    .select(['id', 'code', 'name', 'nameEn', 'subjectCategories', 'targetCategories', 'subjectFilter', 'distanceM', 'method',
      'mode', 'severity', 'basis', 'enabled', 'requirements', 'nearHouseholds'])
    .orderBy('id').execute();
  return rows.map((r) => ({ ...r, distanceM: Number(r.distanceM) }));
}

export type Rule = Awaited<ReturnType<typeof listRules>>[number];
export type Requirement = NonNullable<Rule['requirements']>[number];

export interface Violation {
  ruleId: number;
  subjectId: number;
  subjectName: string;
  subjectCategory: string;
  /** The target site; null when a required target is missing altogether, or the target is a village's household point. */
  targetId: number | null;
  targetName: string | null;
  /** A site category, or `village` for a household point (attributes mode). */
  targetCategory: string | null;
  /** Spheroidal distance in metres, rounded to 0.1 m; null when a required target is missing altogether. */
  distanceM: number | null;
  /** Attributes mode: what the subject lacks. */
  missing: Array<{ key: string; name: string; nameEn: string }> | null;
  /**
   * What a rectification incident needs: the site to rectify (the offending target of a forbidden
   * rule, the subject otherwise), where it is (its village and grid), and the point to mark.
   */
  siteId: number;
  regionCode: string;
  gridId: number | null;
  point: [number, number];
  geometry: GeoJsonGeometry;
}

/** Which subjects (and, for forbidden rules, targets) a run covers; RLS limits all of them to the caller's scope. */
export interface RunScope {
  /** Region subtree (a code prefix) of the subjects. */
  prefix?: string;
  subjectIds?: number[];
  targetIds?: number[];
}

/**
 * Where a rule measures from: `boundary` uses the footprint (any point of a campus boundary, the
 * venue's footprint), `entrance` the entrances where a site has them (its footprint otherwise).
 */
const place = (alias: string, method: string) =>
  sql.raw(method === 'boundary' ? `${alias}.geom` : `coalesce(${alias}.entrances, ${alias}.geom)`);

/** Subjects of the rule in the scope (targets may lie anywhere: a café across a village border counts). */
const subjects = (rule: Rule, scope: RunScope) => sql`
  select s.* from sites s
  where s.category = any(${rule.subjectCategories}::text[])
    ${scope.prefix === undefined ? sql`` : sql`and s.region_code >= ${scope.prefix} and s.region_code < ${scope.prefix + ':'}`}
    ${scope.subjectIds === undefined ? sql`` : sql`and s.id = any(${scope.subjectIds.map(String)}::bigint[])`}
    and not exists (select 1 from jsonb_each(${JSON.stringify(rule.subjectFilter ?? {})}::jsonb) f
      where not coalesce(s.attrs ->> f.key = any(array(select jsonb_array_elements_text(f.value))), false))`;

const targetFilter = (scope: RunScope) =>
  scope.targetIds === undefined ? sql`` : sql`and t.id = any(${scope.targetIds.map(String)}::bigint[])`;

/**
 * Runs a rule over a scope. `forbidden`: every target within the distance of a subject is a
 * violation, drawn as the shortest line between them. `required`: every subject place (e.g. each
 * school gate) with no target within the distance is one, drawn at the place, with the distance to
 * the nearest target. `attributes`: every subject within the distance of a target (or of a
 * household point, where the rule says so) that lacks a required attribute is one, drawn as the
 * line to the nearest such target, naming what is missing. Distances are geodesic on the WGS84
 * spheroid (legal distances must be).
 */
export async function runRule(db: Kysely<Database>, rule: Rule, scope: RunScope): Promise<Violation[]> {
  if (scope.subjectIds?.length === 0 || scope.targetIds?.length === 0) return [];
  const from = place('s', rule.method);
  const to = place('t', rule.method);
  if (rule.mode === 'forbidden') {
    const { rows } = await sql<Violation>`
      with s as (${subjects(rule, scope)})
      select ${rule.id}::int as rule_id, s.id as subject_id, s.name as subject_name, s.category as subject_category,
        t.id as target_id, t.name as target_name, t.category as target_category, null::jsonb as missing,
        round(ST_Distance(${from}::geography, ${to}::geography)::numeric, 1)::float8 as distance_m,
        t.id as site_id, t.region_code, t.grid_id,
        ST_AsGeoJSON(ST_ClosestPoint(${to}, ${from}), 7)::json -> 'coordinates' as point,
        ST_AsGeoJSON(ST_ShortestLine(${from}, ${to}), 7)::json as geometry
      from s join sites t on t.category = any(${rule.targetCategories}::text[]) ${targetFilter(scope)}
        and ST_DWithin(${from}::geography, ${to}::geography, ${rule.distanceM})
      order by distance_m, s.id, t.id`.execute(db);
    return rows.map(numbers);
  }
  if (rule.mode === 'required') {
    // judged per subject place (each gate on its own)
    const { rows } = await sql<Violation>`
      with s as (${subjects(rule, scope)}),
      places as (select s.id, s.name, s.category, s.region_code, s.grid_id, d.geom from s, ST_Dump(${from}) d)
      select ${rule.id}::int as rule_id, p.id as subject_id, p.name as subject_name, p.category as subject_category,
        n.id as target_id, n.name as target_name, n.category as target_category, null::jsonb as missing,
        round(n.distance::numeric, 1)::float8 as distance_m,
        p.id as site_id, p.region_code, p.grid_id, ST_AsGeoJSON(p.geom, 7)::json -> 'coordinates' as point,
        ST_AsGeoJSON(p.geom, 7)::json as geometry
      from places p
      left join lateral (select t.id, t.name, t.category, ST_Distance(p.geom::geography, t.geom::geography) as distance
        from sites t where t.category = any(${rule.targetCategories}::text[])
        order by t.geom <-> p.geom limit 1) n on true
      where not exists (select 1 from sites t where t.category = any(${rule.targetCategories}::text[])
        and ST_DWithin(p.geom::geography, t.geom::geography, ${rule.distanceM}))
      order by p.id`.execute(db);
    return rows.map(numbers);
  }
  return runAttributesRule(db, rule, scope);
}

/** Attributes mode: subjects near a target (or a village's household points) must carry the rule's requirements. */
async function runAttributesRule(db: Kysely<Database>, rule: Rule, scope: RunScope): Promise<Violation[]> {
  const d = rule.distanceM;
  const from = place('s', rule.method);
  const households = rule.nearHouseholds
    ? sql`union all (select null::bigint as id, r.name, 'village' as category, h.geom,
          ST_Distance(${from}::geography, h.geom::geography) as distance
        from household_points h join regions r on r.code = h.village_code
        where ST_DWithin(${from}::geography, h.geom::geography, ${d}) order by distance limit 1)`
    : sql``;
  const { rows } = await sql<Violation & { attrs: Record<string, unknown> }>`
    with s as (${subjects(rule, scope)})
    select ${rule.id}::int as rule_id, s.id as subject_id, s.name as subject_name, s.category as subject_category, s.attrs,
      n.id as target_id, n.name as target_name, n.category as target_category,
      round(n.distance::numeric, 1)::float8 as distance_m, s.id as site_id, s.region_code, s.grid_id,
      ST_AsGeoJSON(ST_ClosestPoint(${from}, n.geom), 7)::json -> 'coordinates' as point,
      ST_AsGeoJSON(ST_ShortestLine(${from}, n.geom), 7)::json as geometry
    from s cross join lateral (select * from (
        (select t.id, t.name, t.category, ${place('t', rule.method)} as geom,
           ST_Distance(${from}::geography, ${place('t', rule.method)}::geography) as distance
         from sites t where t.category = any(${rule.targetCategories}::text[])
           and ST_DWithin(${from}::geography, ${place('t', rule.method)}::geography, ${d}) order by distance limit 1)
        ${households}) c order by c.distance limit 1) n
    order by s.id`.execute(db);
  const requirements = rule.requirements ?? [];
  return rows.flatMap(({ attrs, ...v }) => {
    const lacking = requirements.filter((r) => !satisfied(valueAt(attrs, r.path), r.test));
    return lacking.length ? [numbers({ ...v, missing: lacking.map(({ key, name, nameEn }) => ({ key, name, nameEn })) })] : [];
  }).sort((a, b) => (a.distanceM ?? 0) - (b.distanceM ?? 0) || a.subjectId - b.subjectId);
}

const valueAt = (attrs: unknown, path: string[]) =>
  path.reduce<unknown>((v, key) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined), attrs);

const named = (v: unknown) => !!v && typeof v === 'object' && typeof (v as { name?: unknown }).name === 'string'
  && (v as { name: string }).name.trim() !== '';

/** Whether an attribute value meets a requirement's test. */
export function satisfied(value: unknown, test: Requirement['test']): boolean {
  if (test === 'positive') return typeof value === 'number' && value > 0;
  if (test === 'contact') return named(value) || (!!value && typeof value === 'object' && Object.values(value).some(named));
  return value !== undefined && value !== null && String(value).trim() !== '';
}

/**
 * The zone around each subject of a rule in a region: the geodesic buffer of what the rule
 * measures from (campus, gates, water) by the rule's distance, as GeoJSON for the map.
 */
export async function ruleZones(db: Kysely<Database>, rule: Rule, scope: RunScope) {
  const from = place('s', rule.method);
  const { rows } = await sql<{ subjectId: number; name: string; geometry: GeoJsonGeometry }>`
    with s as (${subjects(rule, scope)})
    select s.id as subject_id, s.name,
      ST_AsGeoJSON(ST_Buffer(${from}::geography, ${rule.distanceM}, 'quad_segs=16')::geometry, 6)::json as geometry
    from s order by s.id`.execute(db);
  return {
    type: 'FeatureCollection' as const,
    features: rows.map((r) => ({ type: 'Feature' as const, geometry: r.geometry,
      properties: { subject_id: Number(r.subjectId), name: r.name, distance_m: rule.distanceM } })),
  };
}

/**
 * Continuous checking: the rules that concern a site that was just added or moved, re-checked for
 * that site only. As a subject, the site's own violations; as a target, the violations it causes
 * (forbidden) or the subjects around its new and old place whose answer may have changed
 * (required, attributes).
 */
export async function checkSite(db: Kysely<Database>, siteId: number, previous?: GeoJsonGeometry | null): Promise<Violation[]> {
  const site = await db.selectFrom('sites').select(['id', 'category']).where('id', '=', siteId).executeTakeFirst();
  if (!site) return [];
  const rules = (await listRules(db)).filter((r) => r.enabled && r.method !== 'walking'
    && (r.subjectCategories.includes(site.category) || r.targetCategories.includes(site.category)));
  const found = new Map<string, Violation>();
  for (const rule of rules) {
    const runs: Violation[][] = [];
    if (rule.subjectCategories.includes(site.category)) runs.push(await runRule(db, rule, { subjectIds: [siteId] }));
    if (rule.targetCategories.includes(site.category)) {
      if (rule.mode === 'forbidden') runs.push(await runRule(db, rule, { targetIds: [siteId] }));
      else runs.push(await runRule(db, rule, { subjectIds: await subjectsNear(db, rule, siteId, previous ?? null) }));
    }
    for (const v of runs.flat()) found.set(`${v.ruleId}:${v.subjectId}:${v.targetId}:${JSON.stringify(v.geometry)}`, v);
  }
  return [...found.values()];
}

/** Subjects of a rule whose measuring place lies within the rule's distance (plus a margin) of a site now or before. */
async function subjectsNear(db: Kysely<Database>, rule: Rule, siteId: number, previous: GeoJsonGeometry | null) {
  const from = place('s', rule.method);
  const before: RawBuilder<unknown> = previous
    ? sql`or ST_DWithin(${from}::geography, ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(previous)}), 4326)::geography, ${rule.distanceM + 1})`
    : sql``;
  const { rows } = await sql<{ id: number }>`
    with s as (${subjects(rule, {})})
    select s.id from s, sites t where t.id = ${siteId}
      and (ST_DWithin(${from}::geography, t.geom::geography, ${rule.distanceM + 1}) ${before})`.execute(db);
  return rows.map((r) => Number(r.id));
}

const numbers = (v: Violation): Violation => ({
  ...v, ruleId: Number(v.ruleId), subjectId: Number(v.subjectId), targetId: v.targetId === null ? null : Number(v.targetId),
  siteId: Number(v.siteId), gridId: v.gridId === null ? null : Number(v.gridId),
});

/** Violations as GeoJSON features, with the property names DESIGN.md fixes for clients: distance_m, subject_id, target_id. */
export function violationFeatures(violations: Violation[]) {
  return violations.map(({ geometry, distanceM, subjectId, targetId, ...p }, i) => ({
    type: 'Feature' as const, id: i + 1, geometry,
    properties: { ...p, distance_m: distanceM, subject_id: subjectId, target_id: targetId },
  }));
}

/** What a client needs to know about the rule behind violations (and a rectification incident). */
export const ruleSummary = (rule: Rule) => ({
  id: rule.id, code: rule.code, name: rule.name, nameEn: rule.nameEn, distanceM: rule.distanceM, method: rule.method,
  mode: rule.mode, severity: rule.severity, basis: rule.basis,
});
