/**
 * Deterministic generator of the demo county 平安示范县 (990101): synthetic data only.
 *
 *   npx tsx geodata/generate.ts          writes geodata/demo/*
 *   npx tsx geodata/generate.ts --check  regenerates in memory; exit 1 if any checked-in file differs
 *
 * Output formats: docs/contract.md. How it is built: geodata/README.md.
 */
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from './lib/rng.ts';
import { type XY, type LonLat, toLonLat, ringCentroid, ringArea, round } from './lib/geo.ts';
import { buildCounty, readingOrder, type GridRec } from './lib/hierarchy.ts';
import { buildStaffing } from './lib/people.ts';
import { Placer } from './lib/placer.ts';
import { majorWaters, minorWaters } from './lib/waters.ts';
import { buildSchools, plantVenues } from './lib/schools.ts';
import { buildHospitalsAndParks, buildVenues, buildSafety, buildRentals, type Dedicated } from './lib/sites.ts';
import { buildHouseholds } from './lib/households.ts';
import { buildIncidents } from './lib/incidents.ts';
import { VenueNamer } from './lib/venues.ts';
import { CATEGORY_ORDER, type Site, geometryJson, representative } from './lib/site.ts';
import { COUNTY_NAME, COUNTY_NAME_EN } from './lib/names.ts';

export const SEED = 20240601;
const OUT_DIR = join(dirname(fileURLToPath(import.meta.url)), 'demo');

type Json = null | boolean | number | string | Json[] | { [k: string]: Json | undefined };

function featureCollection(features: Json[]): string {
  return '{"type":"FeatureCollection","features":[\n' + features.map((f) => JSON.stringify(f)).join(',\n') + '\n]}\n';
}

function jsonLines(items: Json[]): string {
  return '[\n' + items.map((x) => JSON.stringify(x)).join(',\n') + '\n]\n';
}

function multiPolygon(coords: LonLat[][][]): Json {
  return { type: 'MultiPolygon', coordinates: coords as unknown as Json };
}

function closed(ring: XY[]): LonLat[] {
  const r = ring.map(toLonLat);
  r.push(r[0]);
  return r;
}

/** Every number finite and not -0; catches generator bugs before they reach the files. */
function assertClean(x: unknown, path = '$'): void {
  if (typeof x === 'number') {
    if (!Number.isFinite(x) || Object.is(x, -0)) throw new Error('bad number at ' + path);
  } else if (Array.isArray(x)) x.forEach((v, i) => assertClean(v, `${path}[${i}]`));
  else if (x && typeof x === 'object') for (const [k, v] of Object.entries(x)) assertClean(v, `${path}.${k}`);
}

export function generate(): Map<string, string> {
  const t0 = performance.now();
  const rng = new Rng(SEED);
  const county = buildCounty(rng.fork('county'));
  const staffing = buildStaffing(rng.fork('staffing'), county);
  const placer = new Placer(county);
  const wctx = { rng: rng.fork('waters'), county, placer, staffing };
  const major = majorWaters(wctx);
  const schools = buildSchools(rng.fork('schools'), county, placer);
  const hosp = buildHospitalsAndParks(rng.fork('hospitals'), county, placer, major.reservoir);
  const minor = minorWaters(wctx, schools.map((s) => ({ ring: s.ring, rural: s.rural && s.site.grid.village.kind === 'village' })));
  const namer = new VenueNamer(rng.fork('venue-names'));
  const planted = plantVenues(rng.fork('planted'), placer, namer, schools);
  const venues = buildVenues(rng.fork('venues'), county, placer, namer);
  const safety = buildSafety(rng.fork('safety'), county, placer, schools);
  const households = buildHouseholds(rng.fork('household-points'), county, placer);
  const rentals = buildRentals(rng.fork('rentals'), placer, namer, households, staffing.phones);

  // ---- all sites, refs in category order
  const waters = [...major.sites, ...minor];
  const all: Site[] = [...schools.map((s) => s.site), ...waters, ...hosp.sites, ...planted.map((p) => p.venue), ...venues, ...safety, ...rentals];
  const sites: Site[] = [];
  for (const c of CATEGORY_ORDER) for (const s of all) if (s.category === c) sites.push(s);
  sites.forEach((s, i) => (s.ref = 'S' + String(i + 1).padStart(6, '0')));
  for (const s of sites) {
    const g = placer.gridAt(representative(s.geom));
    if (g) s.grid = g;
  }

  // ---- dedicated grids: the biggest campuses, two hospitals, parks, station, scenic area
  const bigSchools = [...schools.filter((s) => s.stage === 'high'), ...schools.filter((s) => s.stage === 'middle').sort((a, b) => b.students - a.students).slice(0, 3)];
  const dedicated: Dedicated[] = [...bigSchools.map((s) => ({ name: s.site.name + '专属网格', ring: s.ring })), ...hosp.dedicated];
  const dedicatedGrids: GridRec[] = [];
  const byVillage = new Map<string, { d: Dedicated; c: XY; village: GridRec['village'] }[]>();
  for (const d of dedicated) {
    const c = ringCentroid(d.ring);
    const g = placer.gridAt(c) ?? placer.gridAt(d.ring[0]);
    if (!g) throw new Error('dedicated grid outside the county: ' + d.name);
    const list = byVillage.get(g.village.code) ?? [];
    list.push({ d, c, village: g.village });
    byVillage.set(g.village.code, list);
  }
  for (const code of [...byVillage.keys()].sort()) {
    const list = byVillage.get(code)!;
    readingOrder(list, (x) => x.c, 300).forEach((x, i) => {
      const rec: GridRec = {
        code: code + String(901 + i),
        name: x.d.name,
        layer: 'dedicated',
        village: x.village,
        households: 0,
        population: 0,
        cell: -1,
        poly: [x.d.ring],
        coords: [[closed(x.d.ring)]],
        centroid: x.c,
        area: ringArea(x.d.ring),
      };
      x.village.dedicated.push(rec);
      dedicatedGrids.push(rec);
    });
  }

  // ---- the grid member account: a rural village with a school and a water
  const interesting = county.villages.filter(
    (v) => v.kind === 'village' && schools.some((s) => s.site.grid.village === v) && waters.some((w) => w.grid.village === v),
  );
  let member = null;
  for (const v of interesting) if ((member = staffing.markMember(v.code))) break;
  if (!member) throw new Error('no member account candidate');

  const unitName = (code: string) => staffing.units.find((u) => u.code === code)!.name;
  const incidents = buildIncidents({ rng: rng.fork('incidents'), county, placer, staffing, schools, waters, unitName }, 3000);

  // ---- files
  const files = new Map<string, string>();
  const [w, s, e, n] = (() => {
    const ll = county.coords[0][0];
    return [Math.min(...ll.map((p) => p[0])), Math.min(...ll.map((p) => p[1])), Math.max(...ll.map((p) => p[0])), Math.max(...ll.map((p) => p[1]))];
  })();
  files.set('county.json', JSON.stringify({ code: '990101', name: COUNTY_NAME, nameEn: COUNTY_NAME_EN, demo: true, bbox: [w, s, e, n] }, null, 2) + '\n');

  const regions: Json[] = [
    { type: 'Feature', properties: { code: '990101000000', name: COUNTY_NAME, level: 'county', parentCode: null, urban: false }, geometry: multiPolygon(county.coords) },
  ];
  for (const t of county.townships)
    regions.push({ type: 'Feature', properties: { code: t.code, name: t.name, level: 'township', parentCode: '990101000000', urban: t.kind === 'street' }, geometry: multiPolygon(t.coords) });
  for (const t of county.townships)
    for (const v of t.villages)
      regions.push({ type: 'Feature', properties: { code: v.code, name: v.name, level: 'village', parentCode: t.code, urban: v.kind === 'community' }, geometry: multiPolygon(v.coords) });
  files.set('regions.geojson', featureCollection(regions));

  const allGrids = [...county.grids, ...dedicatedGrids].sort((a, b) => (a.code < b.code ? -1 : 1));
  files.set(
    'grids.geojson',
    featureCollection(
      allGrids.map((g) => ({
        type: 'Feature',
        properties: { code: g.code, name: g.name, villageCode: g.village.code, layer: g.layer, households: g.households, population: g.population },
        geometry: multiPolygon(g.coords),
      })),
    ),
  );
  files.set(
    'households.geojson',
    featureCollection(
      households.map((h) => ({
        type: 'Feature',
        properties: { gridCode: h.grid.code, households: h.households, population: h.population },
        geometry: { type: 'Point', coordinates: toLonLat(h.p) },
      })),
    ),
  );
  files.set(
    'sites.geojson',
    featureCollection(
      sites.map((x) => {
        const props: Record<string, Json> = { ref: x.ref, category: x.category, name: x.name, attrs: x.attrs as Json };
        if (x.entrances) props.entrances = x.entrances.map(toLonLat);
        return { type: 'Feature', properties: props, geometry: geometryJson(x.geom) as unknown as Json };
      }),
    ),
  );
  files.set('units.json', jsonLines(staffing.units as unknown as Json[]));
  files.set(
    'people.json',
    jsonLines(
      staffing.people.map((p) => {
        const o: Record<string, Json> = { ref: p.ref, name: p.name, gender: p.gender, phone: p.phone, unitCode: p.unitCode, villageCode: p.villageCode };
        if (p.account) o.account = p.account;
        return o;
      }),
    ),
  );
  files.set('assignments.json', jsonLines(staffing.assignments as unknown as Json[]));
  files.set('incidents.json', jsonLines(incidents as unknown as Json[]));
  files.set(
    'planted-cases.json',
    jsonLines(
      planted.map((c) => ({
        venueRef: c.venue.ref,
        schoolRef: c.school.site.ref,
        method: c.method,
        intendedDistanceM: c.intendedDistanceM,
        measuredDistanceM: c.measuredDistanceM,
      })),
    ),
  );
  for (const text of files.values()) assertClean(JSON.parse(text));

  const count = (c: string) => sites.filter((x) => x.category === c).length;
  const stats = {
    ms: Math.round(performance.now() - t0),
    townships: county.townships.length,
    villages: county.villages.length,
    communities: county.villages.filter((v) => v.kind === 'community').length,
    grids: county.grids.length,
    dedicated: dedicatedGrids.length,
    households: county.grids.reduce((a, g) => a + g.households, 0),
    population: county.grids.reduce((a, g) => a + g.population, 0),
    householdPoints: households.length,
    sites: sites.length,
    byCategory: Object.fromEntries(CATEGORY_ORDER.map((c) => [c, count(c)])),
    people: staffing.people.length,
    assignments: staffing.assignments.length,
    incidents: incidents.length,
    planted: planted.length,
    areaKm2: round(county.area / 1e6, 1),
  };
  files.set('__stats', JSON.stringify(stats));
  return files;
}

function main(): void {
  const check = process.argv.includes('--check');
  const files = generate();
  const stats = files.get('__stats')!;
  files.delete('__stats');
  console.log(stats);
  if (check) {
    const bad: string[] = [];
    for (const [name, text] of files) {
      const path = join(OUT_DIR, name);
      if (!existsSync(path) || readFileSync(path, 'utf8') !== text) bad.push(name);
    }
    if (bad.length) {
      console.error('differs from the checked-in demo data: ' + bad.join(', '));
      process.exit(1);
    }
    console.log('demo data is up to date (' + files.size + ' files)');
    return;
  }
  mkdirSync(OUT_DIR, { recursive: true });
  for (const [name, text] of files) writeFileSync(join(OUT_DIR, name), text);
  console.log('wrote ' + [...files.keys()].join(', ') + ' to ' + OUT_DIR);
}

main();
