import type { GeoJsonGeometry } from '../db/geo.ts';
import { type Kysely, sql } from 'kysely';
import { inCounty } from '../db/geo.ts';
import { readSettings } from '../settings/settings.repository.ts';
import type { Database } from '../db/schema.ts';

/**
 * Coverage validation of the comprehensive grid layer inside a region subtree: each village must be
 * tiled by its grids with no gaps, no overlaps, nothing outside the village, no multi-part grids and
 * no slivers. Every check is an area measure of overlay results, so PostGIS 3.3 and 3.6 give the same answers
 * (ST_CoverageInvalidEdges, 3.4+, is deliberately not used: vertex-level T-junctions are legal here).
 * A village without a boundary is measured against its grids' union with interior holes filled, so
 * holes inside it are gaps and its outline is whatever the grids say.
 */

export type ProblemKind = 'gap' | 'overlap' | 'outside' | 'multipart' | 'sliver';

export interface CoverageProblem {
  kind: ProblemKind;
  villageCode: string;
  gridIds: number[];
  gridCodes: string[];
  areaM2: number;
  /** Polsby-Popper compactness 4πA/P² (1 = circle, → 0 = a thin strip). */
  thinness: number;
  /** True when the area is tiny or thin enough to count as a sliver as well. */
  sliver: boolean;
  geometry: GeoJsonGeometry;
}

export interface ValidationThresholds {
  minGapAreaM2: number;
  minOverlapAreaM2: number;
  sliverMaxAreaM2: number;
  sliverMaxThinness: number;
}

export async function validationThresholds(db: Kysely<Database>): Promise<ValidationThresholds> {
  const settings = await readSettings(db);
  const get = (key: string, fallback: number) => Number(settings.get(`validation.${key}`) ?? fallback);
  return {
    minGapAreaM2: get('minGapAreaM2', 1),
    minOverlapAreaM2: get('minOverlapAreaM2', 1),
    sliverMaxAreaM2: get('sliverMaxAreaM2', 500),
    sliverMaxThinness: get('sliverMaxThinness', 0.1),
  };
}

/**
 * Validates the grids of every village whose code starts with `prefix`: the current comprehensive
 * layer, or the grids of a draft plan when `planId` is given (their ids are plan grid ids and their
 * codes those of the grids they derive from, empty for new ones).
 */
export async function validateCoverage(db: Kysely<Database>, prefix: string, t: ValidationThresholds, planId?: number): Promise<CoverageProblem[]> {
  const upper = `${prefix}:`;
  const source = planId === undefined
    ? sql`select id, code::text as code, village_code, geom from grids
        where valid_to is null and layer_id = (select id from grid_layers where kind = 'comprehensive') and ${inCounty('county_code', prefix)}`
    : sql`select pg.id, coalesce(s.code, '')::text as code, pg.village_code, pg.geom from plan_grids pg
        left join grids s on s.id = pg.source_grid_id where pg.plan_id = ${planId}`;
  // the grids and the villages (with the boundary they are measured against) under validation
  const scope = sql`
    g as materialized (
      select * from (${source}) src where village_code >= ${prefix} and village_code < ${upper}),
    v as materialized (
      select r.code, u.covered,
        coalesce(r.boundary, (select ST_Union(ST_MakePolygon(ST_ExteriorRing(d.geom))) from ST_Dump(u.covered) d)) as parent
      from regions r
      cross join lateral (select ST_Union(g.geom) as covered from g where g.village_code = r.code) u
      where r.level = 'village' and r.code >= ${prefix} and r.code < ${upper})`;
  // measures a polygon part in metres
  const measured = (geom: string) => sql.raw(`
    round(ST_Area(${geom}::geography)::numeric, 1)::float8 as area_m2,
    round((4 * pi() * ST_Area(${geom}::geography) / nullif(ST_Perimeter(${geom}::geography) ^ 2, 0))::numeric, 4)::float8 as thinness,
    ST_AsGeoJSON(${geom}, 7)::json as geometry`);

  // One query per check. (PGlite 0.5.8 returns no rows for a UNION ALL of branches that each call
  // ST_Dump in FROM, where PostgreSQL 15 answers correctly; separate queries sidestep it.)
  const checks: Record<ProblemKind, ReturnType<typeof sql>> = {
    overlap: sql`select 'overlap' as kind, a.village_code, array[a.id, b.id] as grid_ids, array[a.code, b.code]::text[] as grid_codes, d.geom
      -- the polygonal part of the intersection (robust overlay) rather than ST_Relate, which can throw
      -- a TopologyException on GEOS 3.11 for nearly coincident edges
      from g a join g b on a.id < b.id and a.geom && b.geom,
        ST_Dump(ST_Intersection(a.geom, b.geom)) d
      where ST_Dimension(d.geom) = 2 and ST_Area(d.geom::geography) >= ${t.minOverlapAreaM2}`,
    gap: sql`select 'gap' as kind, v.code as village_code, null::bigint[] as grid_ids, null::text[] as grid_codes, d.geom
      from v, ST_Dump(ST_Difference(v.parent, coalesce(v.covered, ST_SetSRID('POLYGON EMPTY'::geometry, 4326)))) d
      where v.parent is not null and ST_Dimension(d.geom) = 2 and ST_Area(d.geom::geography) >= ${t.minGapAreaM2}`,
    outside: sql`select 'outside' as kind, g.village_code, array[g.id] as grid_ids, array[g.code]::text[] as grid_codes, d.geom
      from g join v on v.code = g.village_code, ST_Dump(ST_Difference(g.geom, v.parent)) d
      where ST_Dimension(d.geom) = 2 and ST_Area(d.geom::geography) >= ${t.minGapAreaM2}`,
    multipart: sql`select 'multipart' as kind, g.village_code, array[g.id] as grid_ids, array[g.code]::text[] as grid_codes, g.geom
      from g where ST_NumGeometries(g.geom) > 1`,
    sliver: sql`select 'sliver' as kind, g.village_code, array[g.id] as grid_ids, array[g.code]::text[] as grid_codes, d.geom
      from g, ST_Dump(g.geom) d
      where ST_Area(d.geom::geography) < ${t.sliverMaxAreaM2}
        or 4 * pi() * ST_Area(d.geom::geography) / nullif(ST_Perimeter(d.geom::geography) ^ 2, 0) < ${t.sliverMaxThinness}`,
  };
  const rows: Array<{
    kind: ProblemKind; villageCode: string; gridIds: number[] | null; gridCodes: string[] | null;
    areaM2: number; thinness: number | null; geometry: CoverageProblem['geometry'];
  }> = [];
  for (const check of Object.values(checks)) {
    const result = await sql<(typeof rows)[number]>`with ${scope}, problems as (${check})
      select kind, village_code, grid_ids, grid_codes, ${measured('geom')}
      from problems order by village_code, area_m2 desc`.execute(db);
    rows.push(...result.rows);
  }

  return rows.map((r) => {
    const thinness = r.thinness ?? 0;
    return {
      kind: r.kind,
      villageCode: r.villageCode,
      gridIds: (r.gridIds ?? []).map(Number),
      gridCodes: r.gridCodes ?? [],
      areaM2: r.areaM2,
      thinness,
      sliver: r.kind === 'sliver' || r.areaM2 < t.sliverMaxAreaM2 || thinness < t.sliverMaxThinness,
      geometry: r.geometry,
    };
  });
}
