/**
 * Validates geodata/demo/ with real PostGIS (PGlite + pglite-postgis, PostGIS 3.6) and a few plain
 * JavaScript checks. Prints counts and one line per check; exits 1 if any check fails.
 *
 *   npx tsx geodata/validate.ts        (~30 s, ~1 GB RAM)
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { postgis } from '@electric-sql/pglite-postgis';

const DIR = join(dirname(fileURLToPath(import.meta.url)), 'demo');
const read = (f: string) => readFileSync(join(DIR, f), 'utf8');
const json = <T>(f: string): T => JSON.parse(read(f)) as T;

let failures = 0;
function check(name: string, ok: boolean, detail: string | number = ''): void {
  if (!ok) failures++;
  console.log(`${ok ? 'PASS' : 'FAIL'}  ${name}${detail === '' ? '' : ': ' + detail}`);
}

interface Person {
  ref: string;
  account?: string;
  unitCode: string | null;
  villageCode: string | null;
  phone: string;
}
interface Assignment {
  gridCode: string;
  personRef: string;
  duty: string;
}
interface Ev {
  hoursAfterReport: number;
  action: string;
  fromState: string | null;
  toState: string;
  actorRef: string;
}
interface Incident {
  ref: string;
  category: string;
  lon: number;
  lat: number;
  state: string;
  level: string;
  reporterRef: string;
  unitCode: string | null;
  reportedHoursAgo: number;
  events: Ev[];
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const db = await PGlite.create({ extensions: { postgis } });
  await db.exec('CREATE EXTENSION postgis');
  const version = (await db.query<{ v: string }>('SELECT postgis_lib_version() AS v')).rows[0].v;
  console.log(`PostGIS ${version} ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const q = async <T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> => (await db.query<T>(sql, params)).rows;
  const one = async (sql: string, params: unknown[] = []): Promise<number> => {
    const r = await q<Record<string, unknown>>(sql, params);
    return Number(Object.values(r[0])[0]);
  };

  // ---- load
  const geo = (_file: string) => `FROM json_array_elements(($1::json)->'features') f`;
  const g = `ST_SetSRID(ST_GeomFromGeoJSON(f->>'geometry'), 4326)`;
  await q(
    `CREATE TABLE regions AS SELECT f->'properties'->>'code' code, f->'properties'->>'name' name, f->'properties'->>'level' level,
       f->'properties'->>'parentCode' parent_code, (f->'properties'->>'urban')::boolean urban, ${g} geom ${geo('regions')}`,
    [read('regions.geojson')],
  );
  await q(
    `CREATE TABLE grids AS SELECT f->'properties'->>'code' code, f->'properties'->>'name' name, f->'properties'->>'villageCode' village_code,
       f->'properties'->>'layer' layer, (f->'properties'->>'households')::int households, (f->'properties'->>'population')::int population, ${g} geom ${geo('grids')}`,
    [read('grids.geojson')],
  );
  await q(
    `CREATE TABLE households AS SELECT f->'properties'->>'gridCode' grid_code, (f->'properties'->>'households')::int households,
       (f->'properties'->>'population')::int population, ${g} geom ${geo('households')}`,
    [read('households.geojson')],
  );
  await q(
    `CREATE TABLE sites AS SELECT f->'properties'->>'ref' ref, f->'properties'->>'category' category, f->'properties'->>'name' name,
       f->'properties'->'attrs' attrs,
       CASE WHEN f->'properties'->'entrances' IS NULL THEN NULL
            ELSE ST_SetSRID(ST_GeomFromGeoJSON(json_build_object('type','MultiPoint','coordinates', f->'properties'->'entrances')::text), 4326) END entrances,
       ${g} geom ${geo('sites')}`,
    [read('sites.geojson')],
  );
  await q(
    `CREATE TABLE planted AS SELECT p->>'venueRef' venue_ref, p->>'schoolRef' school_ref, p->>'method' method,
       (p->>'intendedDistanceM')::float8 intended, (p->>'measuredDistanceM')::float8 measured FROM json_array_elements($1::json) p`,
    [read('planted-cases.json')],
  );
  await db.exec(`
    CREATE INDEX ON grids USING gist (geom); CREATE INDEX ON sites USING gist (geom);
    CREATE INDEX ON sites USING gist ((geom::geography)); CREATE INDEX ON households USING gist (geom);
    CREATE TABLE comp AS SELECT * FROM grids WHERE layer = 'comprehensive'; CREATE INDEX ON comp USING gist (geom);`);

  // ---- counts
  const counts = await q<{ what: string; n: number }>(`
    SELECT 'townships' what, count(*)::int n FROM regions WHERE level = 'township'
    UNION ALL SELECT 'streets (urban townships)', count(*)::int FROM regions WHERE level = 'township' AND urban
    UNION ALL SELECT 'villages', count(*)::int FROM regions WHERE level = 'village'
    UNION ALL SELECT 'communities (urban villages)', count(*)::int FROM regions WHERE level = 'village' AND urban
    UNION ALL SELECT 'comprehensive grids', count(*)::int FROM grids WHERE layer = 'comprehensive'
    UNION ALL SELECT 'dedicated grids', count(*)::int FROM grids WHERE layer = 'dedicated'
    UNION ALL SELECT 'household points', count(*)::int FROM households
    UNION ALL SELECT 'households', sum(households)::int FROM grids
    UNION ALL SELECT 'population', sum(population)::int FROM grids
    UNION ALL SELECT 'sites', count(*)::int FROM sites
    UNION ALL SELECT 'planted cases', count(*)::int FROM planted`);
  for (const c of counts) console.log(`  ${c.what.padEnd(30)} ${c.n}`);
  const cats = await q<{ category: string; n: number; kinds: string }>(
    `SELECT category, count(*)::int n, string_agg(DISTINCT GeometryType(geom), ',') kinds FROM sites GROUP BY category ORDER BY category`,
  );
  console.log('  sites by category: ' + cats.map((c) => `${c.category} ${c.n} (${c.kinds.toLowerCase()})`).join(', '));
  const area = await one(`SELECT ST_Area(geom::geography) / 1e6 FROM regions WHERE level = 'county'`);
  const ext = await q<{ w: number; h: number }>(
    `SELECT ST_Distance(ST_MakePoint(ST_XMin(geom), ST_Y(ST_Centroid(geom)))::geography, ST_MakePoint(ST_XMax(geom), ST_Y(ST_Centroid(geom)))::geography) / 1000 w,
            ST_Distance(ST_MakePoint(ST_X(ST_Centroid(geom)), ST_YMin(geom))::geography, ST_MakePoint(ST_X(ST_Centroid(geom)), ST_YMax(geom))::geography) / 1000 h
     FROM regions WHERE level = 'county'`,
  );
  console.log(`  county area ${area.toFixed(1)} km², extent ${ext[0].w.toFixed(1)} km × ${ext[0].h.toFixed(1)} km`);

  // ---- validity and orientation
  check('regions: all geometries valid', (await one(`SELECT count(*) FROM regions WHERE NOT ST_IsValid(geom)`)) === 0);
  check('grids: all geometries valid', (await one(`SELECT count(*) FROM grids WHERE NOT ST_IsValid(geom)`)) === 0);
  check('sites: all geometries valid', (await one(`SELECT count(*) FROM sites WHERE NOT ST_IsValid(geom)`)) === 0);
  check('regions and grids: MultiPolygon', (await one(`SELECT count(*) FROM (SELECT geom FROM regions UNION ALL SELECT geom FROM grids) x WHERE GeometryType(geom) <> 'MULTIPOLYGON'`)) === 0);
  check(
    'polygons counter-clockwise (RFC 7946)',
    (await one(`SELECT count(*) FROM (SELECT geom FROM regions UNION ALL SELECT geom FROM grids UNION ALL SELECT geom FROM sites WHERE GeometryType(geom) = 'POLYGON') x WHERE NOT ST_IsPolygonCCW(geom)`)) === 0,
  );
  check(
    'coordinates rounded to 7 decimals',
    (await one(`SELECT count(*) FROM (SELECT (ST_DumpPoints(geom)).geom p FROM grids UNION ALL SELECT (ST_DumpPoints(geom)).geom FROM sites) x
                 WHERE round(ST_X(p)::numeric, 7) <> ST_X(p)::numeric OR round(ST_Y(p)::numeric, 7) <> ST_Y(p)::numeric`)) === 0,
  );

  // ---- exact tiling
  const invalidEdges = async (sql: string) => one(`SELECT count(*) FROM (${sql}) x WHERE e IS NOT NULL`);
  check('ST_CoverageInvalidEdges: grids per village', (await invalidEdges(`SELECT ST_CoverageInvalidEdges(geom) OVER (PARTITION BY village_code) e FROM comp`)) === 0);
  check('ST_CoverageInvalidEdges: all grids of the county', (await invalidEdges(`SELECT ST_CoverageInvalidEdges(geom) OVER () e FROM comp`)) === 0);
  check(
    'ST_CoverageInvalidEdges: villages per township',
    (await invalidEdges(`SELECT ST_CoverageInvalidEdges(geom) OVER (PARTITION BY parent_code) e FROM regions WHERE level = 'village'`)) === 0,
  );
  check('ST_CoverageInvalidEdges: townships in county', (await invalidEdges(`SELECT ST_CoverageInvalidEdges(geom) OVER () e FROM regions WHERE level = 'township'`)) === 0);
  const tiling = async (label: string, children: string) => {
    const rows = await q<{ code: string; rel: number; eq: boolean }>(`
      WITH c AS (${children}), u AS (SELECT parent, ST_Union(geom) geom FROM c GROUP BY parent)
      SELECT r.code, abs(ST_Area(u.geom) - ST_Area(r.geom)) / ST_Area(r.geom) rel, ST_Equals(u.geom, r.geom) eq
      FROM regions r JOIN u ON u.parent = r.code`);
    const worst = Math.max(...rows.map((r) => r.rel));
    const notEqual = rows.filter((r) => !r.eq).length;
    check(`${label}: union of children = parent (${rows.length} parents)`, worst <= 1e-9 && notEqual === 0, `max relative area difference ${worst.toExponential(2)}, ST_Equals false for ${notEqual}`);
  };
  await tiling('grids → villages', `SELECT village_code parent, geom FROM comp`);
  await tiling('villages → townships', `SELECT parent_code parent, geom FROM regions WHERE level = 'village'`);
  await tiling('townships → county', `SELECT parent_code parent, geom FROM regions WHERE level = 'township'`);
  check(
    'every village has grids, every township villages',
    (await one(`SELECT count(*) FROM regions r WHERE level IN ('village','township') AND NOT EXISTS (SELECT 1 FROM regions c WHERE c.parent_code = r.code) AND NOT EXISTS (SELECT 1 FROM comp g WHERE g.village_code = r.code)`)) === 0,
  );

  // ---- codes
  check(
    'codes: township 990101ddd000, village = township 9 + 3, grid = village + 3',
    (await one(`SELECT count(*) FROM regions WHERE (level = 'township' AND code !~ '^990101[0-9]{3}000$') OR (level = 'village' AND substr(code, 1, 9) <> substr(parent_code, 1, 9))`)) +
      (await one(`SELECT count(*) FROM grids WHERE code !~ '^[0-9]{15}$' OR substr(code, 1, 12) <> village_code OR (layer = 'dedicated') <> (substr(code, 13) >= '901')`)) ===
      0,
  );
  check('dedicated grids lie in the county', (await one(`SELECT count(*) FROM grids g, regions c WHERE c.level = 'county' AND g.layer = 'dedicated' AND NOT ST_CoveredBy(g.geom, c.geom)`)) === 0);

  // ---- households and sites inside exactly one comprehensive grid
  const hh = await q<{ bad: number; wrong: number }>(`
    SELECT count(*) FILTER (WHERE n <> 1)::int bad, count(*) FILTER (WHERE n = 1 AND code <> grid_code)::int wrong FROM (
      SELECT h.grid_code, count(g.code) n, min(g.code) code FROM households h LEFT JOIN comp g ON ST_Intersects(g.geom, h.geom) GROUP BY h.ctid, h.grid_code) x`);
  check('household points: each in exactly one comprehensive grid (its gridCode)', hh[0].bad === 0 && hh[0].wrong === 0, `${hh[0].bad} not in exactly one, ${hh[0].wrong} in another grid`);
  check(
    'household points sum to grid households/population',
    (await one(`SELECT count(*) FROM comp g LEFT JOIN (SELECT grid_code, sum(households) h, sum(population) p FROM households GROUP BY grid_code) s ON s.grid_code = g.code
                 WHERE s.h IS DISTINCT FROM g.households OR s.p IS DISTINCT FROM g.population`)) === 0,
  );
  check('population 2.6–3.2 × households per grid', (await one(`SELECT count(*) FROM comp WHERE population < 2.6 * households - 0.5 OR population > 3.2 * households + 0.5`)) === 0);
  const st = await one(`SELECT count(*) FROM (SELECT s.ref, count(g.code) n FROM sites s LEFT JOIN comp g ON ST_Intersects(g.geom, ST_PointOnSurface(s.geom)) GROUP BY s.ref) x WHERE n <> 1`);
  check('sites: point-on-surface in exactly one comprehensive grid', st === 0, `${st} bad`);
  check(
    'school/kindergarten gates lie on the campus boundary',
    (await one(`SELECT count(*) FROM sites s, ST_Dump(s.entrances) d WHERE s.category IN ('school','kindergarten') AND NOT ST_Intersects(ST_Boundary(s.geom), d.geom)`)) === 0,
  );
  check(
    'household points and point sites stay out of waters and campuses',
    (await one(`SELECT count(*) FROM households h JOIN sites w ON w.category IN ('water','school','kindergarten') AND GeometryType(w.geom) = 'POLYGON' AND ST_Intersects(w.geom, h.geom)`)) +
      (await one(`SELECT count(*) FROM sites p JOIN sites w ON w.category IN ('water','school','kindergarten') AND GeometryType(w.geom) = 'POLYGON' AND GeometryType(p.geom) = 'POINT' AND ST_Intersects(w.geom, p.geom)`)) ===
      0,
  );
  check(
    'waters do not overlap one another or campuses',
    (await one(`SELECT count(*) FROM sites a JOIN sites b ON a.ref < b.ref AND ST_Intersects(a.geom, b.geom)
                 WHERE GeometryType(a.geom) = 'POLYGON' AND GeometryType(b.geom) = 'POLYGON' AND (a.category = 'water' OR b.category = 'water')
                   AND a.category IN ('water','school','kindergarten') AND b.category IN ('water','school','kindergarten')`)) === 0,
  );

  // ---- planted cases: PostGIS spheroid distances
  const pl = await q<{ venue_ref: string; school_ref: string; method: string; intended: number; measured: number; pg: number; kg: boolean }>(`
    SELECT p.*, s.category = 'kindergarten' kg,
      CASE WHEN p.method = 'boundary' THEN ST_Distance(s.geom::geography, v.geom::geography)
           ELSE (SELECT min(ST_Distance(a.geom::geography, b.geom::geography)) FROM ST_Dump(s.entrances) a, ST_Dump(v.entrances) b) END pg
    FROM planted p JOIN sites s ON s.ref = p.school_ref JOIN sites v ON v.ref = p.venue_ref`);
  let worst = 0;
  let wrongSide = 0;
  for (const r of pl) {
    worst = Math.max(worst, Math.abs(r.pg - r.measured));
    const threshold = r.method === 'entrance' ? 50 : r.kg ? 100 : 200;
    if (r.intended < threshold !== r.pg < threshold || r.measured < threshold !== r.pg < threshold) wrongSide++;
  }
  check(`planted cases: ST_Distance(geography) agrees with file to 0.5 m (${pl.length} cases)`, pl.length > 0 && worst <= 0.5, `max difference ${worst.toFixed(4)} m`);
  check('planted cases: on the intended side of 200/100/50 m', wrongSide === 0, `${wrongSide} on the wrong side`);
  const byMethod = new Map<string, number>();
  for (const r of pl) {
    const key = `${r.method}${r.kg ? ' (kindergarten)' : ''} ${r.method === 'entrance' ? (r.pg < 50 ? '<50' : '>50') : r.kg ? (r.pg < 100 ? '<100' : '>100') : r.pg < 190 ? '<190' : r.pg < 200 ? '190–200' : '200–210'}`;
    byMethod.set(key, (byMethod.get(key) ?? 0) + 1);
  }
  console.log('  planted: ' + [...byMethod.entries()].sort().map(([k, v]) => `${k}: ${v}`).join(', '));
  const near = await q<{ venue: string; school: string }>(`
    SELECT DISTINCT v.ref venue, s.ref school FROM sites v JOIN sites s
      ON s.category IN ('school','kindergarten') AND v.category IN ('internet_cafe','entertainment','game_hall','bar','tobacco','lottery')
     AND (ST_DWithin(v.geom::geography, s.geom::geography, 250)
          OR ST_DWithin(v.entrances::geography, s.entrances::geography, 250))`);
  const plantedPairs = new Set(pl.map((r) => r.venue_ref + '|' + r.school_ref));
  const unplanned = near.filter((r) => !plantedPairs.has(r.venue + '|' + r.school));
  const missing = [...plantedPairs].filter((p) => !near.some((r) => r.venue + '|' + r.school === p));
  check('venue–school pairs within 250 m are exactly the planted cases', unplanned.length === 0 && missing.length === 0, `${near.length} pairs, ${unplanned.length} unplanned, ${missing.length} planted not found`);

  // ---- people, assignments, incidents (plain checks)
  const people = json<Person[]>('people.json');
  const assignments = json<Assignment[]>('assignments.json');
  const incidents = json<Incident[]>('incidents.json');
  const units = json<{ code: string }[]>('units.json');
  const gridRows = await q<{ code: string; village_code: string }>(`SELECT code, village_code FROM comp`);
  const personByRef = new Map(people.map((p) => [p.ref, p]));
  const accounts = ['admin', 'planner', 'dispatcher', 'inspector', 'member', 'unit'].map((a) => [a, people.filter((p) => p.account === a)] as const);
  check('accounts: exactly one each of admin/planner/dispatcher/inspector/member/unit', accounts.every(([, l]) => l.length === 1), accounts.map(([a, l]) => `${a} ${l.map((p) => p.ref).join(',')}`).join('; '));
  const member = accounts.find(([a]) => a === 'member')![1][0];
  const memberGrids = assignments.filter((a) => a.personRef === member.ref);
  check(
    'member account: 2–4 grids in one rural village as leader/full_time',
    memberGrids.length >= 2 && memberGrids.length <= 4 && new Set(memberGrids.map((a) => a.gridCode.slice(0, 12))).size === 1 && memberGrids.every((a) => ['leader', 'full_time'].includes(a.duty)) && Number(memberGrids[0].gridCode.slice(9, 12)) >= 200,
    `${member.ref} ${memberGrids.map((a) => a.gridCode + ' ' + a.duty).join(', ')}`,
  );
  const unitAcc = accounts.find(([a]) => a === 'unit')![1][0];
  check('unit account belongs to the police department', unitAcc.unitCode === 'police');
  check('centre accounts belong to the centre', accounts.filter(([a]) => ['admin', 'planner', 'dispatcher', 'inspector'].includes(a)).every(([, l]) => l[0].unitCode === 'centre'));
  check('phones are 1990000xxxx and unique', people.every((p) => /^1990000\d{4}$/.test(p.phone)) && new Set(people.map((p) => p.phone)).size === people.length);
  const unitCodes = new Set(units.map((u) => u.code));
  check('people reference known units', people.every((p) => p.unitCode === null || unitCodes.has(p.unitCode)));
  const byGrid = new Map<string, Assignment[]>();
  for (const a of assignments) byGrid.set(a.gridCode, [...(byGrid.get(a.gridCode) ?? []), a]);
  const noLeader = gridRows.filter((r) => !(byGrid.get(r.code) ?? []).some((a) => a.duty === 'leader'));
  const noMember = gridRows.filter((r) => !(byGrid.get(r.code) ?? []).some((a) => a.duty === 'full_time' || a.duty === 'part_time'));
  const load = new Map<string, number>();
  for (const a of assignments) if (a.duty === 'full_time' || a.duty === 'leader') load.set(a.personRef, (load.get(a.personRef) ?? 0) + 1);
  const overloaded = [...load.entries()].filter(([, n]) => n >= 9);
  console.log(`  people ${people.length}, assignments ${assignments.length}, grids without leader ${noLeader.length} (${noLeader.map((r) => r.code).join(', ')}), members with ≥9 grids ${overloaded.length}`);
  check('every comprehensive grid has a full-time or part-time member and a police officer', noMember.length === 0 && gridRows.every((r) => (byGrid.get(r.code) ?? []).some((a) => a.duty === 'police')));
  check('assignments reference known grids and people', assignments.every((a) => personByRef.has(a.personRef)) && assignments.every((a) => byGrid.has(a.gridCode)) && new Set(assignments.map((a) => a.gridCode)).size === gridRows.length);

  await q(`CREATE TABLE inc AS SELECT i->>'ref' ref, i->>'reporterRef' reporter, ST_SetSRID(ST_MakePoint((i->>'lon')::float8, (i->>'lat')::float8), 4326) geom FROM json_array_elements($1::json) i`, [read('incidents.json')]);
  const incGrid = await q<{ ref: string; reporter: string; n: number; code: string }>(`SELECT i.ref, i.reporter, count(g.code)::int n, min(g.code) code FROM inc i LEFT JOIN comp g ON ST_Intersects(g.geom, i.geom) GROUP BY i.ref, i.reporter`);
  const badLoc = incGrid.filter((r) => r.n !== 1);
  const badReporter = incGrid.filter((r) => r.n === 1 && !(byGrid.get(r.code) ?? []).some((a) => a.personRef === r.reporter && ['leader', 'full_time', 'part_time'].includes(a.duty)));
  check('incidents: inside exactly one grid; reporter is a member of that grid', badLoc.length === 0 && badReporter.length === 0, `${badLoc.length} outside, ${badReporter.length} wrong reporter`);
  const allowed = new Set([
    'report:null>reported',
    'accept:reported>accepted',
    'reject:reported>rejected',
    'escalate:accepted>escalated',
    'accept:escalated>accepted',
    'dispatch:accepted>dispatched',
    'start:dispatched>in_progress',
    'resolve:in_progress>resolved',
    'reopen:resolved>in_progress',
    'close:resolved>closed',
  ]);
  let badFlow = 0;
  const states = new Map<string, number>();
  const levels = new Map<string, number>();
  for (const i of incidents) {
    states.set(i.state, (states.get(i.state) ?? 0) + 1);
    levels.set(i.level, (levels.get(i.level) ?? 0) + 1);
    let ok = i.events.length > 0 && i.events[i.events.length - 1].toState === i.state && i.reportedHoursAgo >= 1 && i.reportedHoursAgo <= 8760;
    let prevTo: string | null = null;
    let prevH = -1;
    for (const e of i.events) {
      if (!allowed.has(`${e.action}:${e.fromState}>${e.toState}`) || e.fromState !== prevTo || e.hoursAfterReport < prevH || e.hoursAfterReport > i.reportedHoursAgo || !personByRef.has(e.actorRef)) ok = false;
      prevTo = e.toState;
      prevH = e.hoursAfterReport;
    }
    const dispatched = i.events.some((e) => e.action === 'dispatch');
    if (dispatched !== (i.unitCode !== null) || (i.unitCode !== null && !unitCodes.has(i.unitCode))) ok = false;
    if (!ok) badFlow++;
  }
  console.log(`  incidents ${incidents.length}: ` + [...states.entries()].sort((a, b) => b[1] - a[1]).map(([s, n]) => `${s} ${n}`).join(', ') + '; levels ' + [...levels.entries()].map(([s, n]) => `${s} ${n}`).join(', '));
  check('incident timelines follow the workflow, stay in the past, unitCode iff dispatched', badFlow === 0, `${badFlow} bad`);

  await db.close();
  console.log(`${failures === 0 ? 'ALL CHECKS PASSED' : failures + ' CHECK(S) FAILED'} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  process.exit(failures === 0 ? 0 : 1);
}

await main();
