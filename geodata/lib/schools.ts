/**
 * Schools and kindergartens (campus polygons with gates on the boundary), and the venues planted at
 * known geodesic distances from them.
 */
import type { Rng } from './rng.ts';
import {
  type XY,
  type LonLat,
  dist,
  distPointPoly,
  geoDirect,
  geoDist,
  geoDistPointRing,
  geoDistRingRing,
  rectangle,
  ringArea,
  round,
  snapXY,
  toLonLat,
  toXY,
} from './geo.ts';
import type { CountyModel, GridRec, TownshipRec, VillageRec } from './hierarchy.ts';
import type { Placer } from './placer.ts';
import { type Category, type Site, pointSite, polygonSite } from './site.ts';
import { COUNTY_NAME } from './names.ts';
import type { VenueNamer } from './venues.ts';

export type Stage = 'primary' | 'middle' | 'high';

export interface School {
  site: Site;
  kind: 'school' | 'kindergarten';
  stage: Stage | null;
  /** corners of the campus rectangle (snapped, CCW) */
  corners: XY[];
  /** campus ring including gate vertices (snapped, CCW, open) */
  ring: XY[];
  gates: XY[];
  /** side index (corner i → i+1) of each gate */
  gateSides: number[];
  students: number;
  township: TownshipRec;
  rural: boolean;
}

interface Spec {
  name: string;
  kind: 'school' | 'kindergarten';
  stage: Stage | null;
  w: number;
  h: number;
  gates: number;
  students: number;
  where: () => XY | null;
  township: TownshipRec;
  rural: boolean;
}

const KG_BRANDS = ['小太阳', '童心', '蓝天', '金色童年', '贝贝', '启明星', '小橙子', '爱心', '七色花', '小天鹅'];

function closedLL(ring: XY[]): LonLat[] {
  const r = ring.map(toLonLat);
  r.push(r[0]);
  return r;
}

export function buildSchools(rng: Rng, county: CountyModel, placer: Placer): School[] {
  const schools: School[] = [];
  const pointIn = (grids: GridRec[]) => () => {
    const g = rng.pick(grids);
    return placer.pointInGrid(rng, g, { edge: 0, water: 0, river: 0, campus: 0, block: 0 }, 20);
  };
  const near = (c: XY, r: number) => () => placer.pointNear(rng, c, r, { edge: 0, water: 0, river: 0, campus: 0, block: 0 }, 20);
  const specs: Spec[] = [];
  const streets = county.townships.filter((t) => t.kind === 'street');
  const urbanGrids = (t?: TownshipRec) => county.grids.filter((g) => g.village.kind === 'community' && g.village.township.kind === 'street' && (!t || g.village.township === t));
  const streetOf = (i: number) => streets[i % streets.length];
  const cn = COUNTY_NAME;
  const ord = ['一', '二', '三', '四', '五', '六'];
  // county seat
  for (let i = 0; i < 3; i++)
    specs.push({ name: `${cn}第${ord[i]}高级中学`, kind: 'school', stage: 'high', w: rng.float(205, 250), h: rng.float(165, 230), gates: 2, students: rng.int(2600, 4600), where: pointIn(urbanGrids()), township: streetOf(i), rural: false });
  const middleNames = [`${cn}第一初级中学`, `${cn}第二初级中学`, `${cn}第三初级中学`, `${cn}第四初级中学`, `${cn}第五初级中学`, `${cn}实验中学`];
  middleNames.forEach((name, i) => specs.push({ name, kind: 'school', stage: 'middle', w: rng.float(150, 215), h: rng.float(120, 175), gates: 2, students: rng.int(900, 2400), where: pointIn(urbanGrids(streetOf(i))), township: streetOf(i), rural: false }));
  for (let i = 0; i < 12; i++) {
    const t = streetOf(i + 2);
    const name = i < 3 ? `${cn}${i === 0 ? '' : '第' + ord[i]}实验小学` : '';
    specs.push({ name, kind: 'school', stage: 'primary', w: rng.float(115, 175), h: rng.float(95, 150), gates: rng.chance(0.7) ? 2 : 1, students: rng.int(1100, 2900), where: pointIn(urbanGrids(t)), township: t, rural: false });
  }
  for (let i = 0; i < 16; i++) {
    const t = streetOf(i + 4);
    const name = i < 3 ? `${cn}${['实验', '第二实验', '机关'][i]}幼儿园` : i < 9 ? '' : `${cn}${KG_BRANDS[i - 9]}幼儿园`;
    specs.push({ name, kind: 'kindergarten', stage: null, w: rng.float(60, 100), h: rng.float(60, 90), gates: rng.chance(0.3) ? 2 : 1, students: rng.int(150, 480), where: pointIn(urbanGrids(t)), township: t, rural: false });
  }
  // towns and townships
  for (const t of county.townships.filter((x) => x.kind !== 'street')) {
    const short = t.name.slice(0, -1);
    const town = t.kind === 'town';
    specs.push({ name: `${t.name}中心小学`, kind: 'school', stage: 'primary', w: rng.float(100, 150), h: rng.float(80, 120), gates: rng.chance(0.5) ? 2 : 1, students: rng.int(500, 1300), where: near(t.seat, 1100), township: t, rural: true });
    specs.push({ name: `${t.name}初级中学`, kind: 'school', stage: 'middle', w: rng.float(140, 200), h: rng.float(110, 160), gates: rng.chance(0.5) ? 2 : 1, students: rng.int(450, 1400), where: near(t.seat, 1300), township: t, rural: true });
    specs.push({ name: `${t.name}中心幼儿园`, kind: 'kindergarten', stage: null, w: rng.float(60, 90), h: rng.float(60, 80), gates: 1, students: rng.int(120, 320), where: near(t.seat, 1100), township: t, rural: true });
    if (short.length === 0) throw new Error('bad township name');
    const villages = t.villages.filter((v) => v.kind === 'village');
    const picks = rng.sample(villages, town ? 3 : 1);
    picks.forEach((v, i) => {
      const kg = town && i === 2;
      specs.push({
        name: `${v.name.slice(0, -1)}${kg ? '幼儿园' : '小学'}`,
        kind: kg ? 'kindergarten' : 'school',
        stage: kg ? null : 'primary',
        w: kg ? rng.float(60, 80) : rng.float(60, 100),
        h: kg ? rng.float(60, 70) : rng.float(60, 85),
        gates: 1,
        students: kg ? rng.int(40, 140) : rng.int(60, 320),
        where: pointIn(v.grids),
        township: t,
        rural: true,
      });
    });
  }

  const usedNames = new Set<string>();
  for (const spec of specs) {
    let placed = false;
    for (let attempt = 0; attempt < 400 && !placed; attempt++) {
      const c = spec.where();
      if (!c) continue;
      const angle = rng.float(-0.5, 0.5) + (rng.chance(0.5) ? 0 : Math.PI / 2);
      const corners = rectangle(c, spec.w, spec.h, angle).map(snapXY);
      const sides = rng.shuffle([0, 1, 2, 3]).slice(0, spec.gates).sort((a, b) => a - b);
      const ring: XY[] = [];
      const gates: XY[] = [];
      for (let k = 0; k < 4; k++) {
        ring.push(corners[k]);
        if (sides.includes(k)) {
          const a = corners[k];
          const b = corners[(k + 1) % 4];
          const t = rng.float(0.35, 0.65);
          const gp = snapXY([a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t]);
          ring.push(gp);
          gates.push(gp);
        }
      }
      if (ringArea(ring) <= 0) continue;
      if (!placer.polygonFree(ring, { campus: 200, water: 40, river: 40, block: 60 })) continue;
      const g = placer.gridAt(c);
      if (!g) continue;
      const village: VillageRec = g.village;
      let name = spec.name;
      if (!name) {
        const base = village.kind === 'community' ? village.name.replace(/社区$/, '') : village.name.slice(0, -1);
        name = spec.kind === 'kindergarten' ? `${cn}${base}幼儿园` : `${cn}${base}小学`;
      }
      if (usedNames.has(name)) continue;
      usedNames.add(name);
      const attrs: Record<string, unknown> =
        spec.kind === 'school'
          ? { stage: spec.stage, students: spec.students, teachers: Math.round(spec.students / rng.float(13, 17)), boarding: spec.stage !== 'primary' && rng.chance(spec.rural ? 0.7 : 0.4), public: true }
          : { students: spec.students, classes: Math.max(2, Math.round(spec.students / 30)), public: !KG_BRANDS.some((b) => name.includes(b)) };
      const site = polygonSite(spec.kind, name, ring, g, attrs, gates);
      schools.push({ site, kind: spec.kind, stage: spec.stage, corners, ring, gates, gateSides: sides, students: spec.students, township: spec.township, rural: spec.rural });
      placer.addCampus([ring]);
      placed = true;
    }
    if (!placed) throw new Error('could not place ' + (spec.name || spec.kind));
  }
  return schools;
}

export interface PlantedCase {
  venue: Site;
  school: School;
  method: 'boundary' | 'entrance';
  intendedDistanceM: number;
  measuredDistanceM: number;
}

interface PlantSpec {
  category: Category;
  kind?: string;
  target: 'school' | 'kindergarten';
  method: 'boundary' | 'entrance';
  intended: number;
  polygon: boolean;
}

/** Geodesic distance from the campus boundary (boundary method). */
export function boundaryDistance(school: School, venue: Site): number {
  const campus = closedLL(school.ring);
  if (venue.geom.type === 'Point') return geoDistPointRing(toLonLat(venue.geom.p), campus);
  if (venue.geom.type === 'Polygon') return geoDistRingRing(closedLL(venue.geom.ring), campus);
  throw new Error('unsupported venue geometry');
}

/** Geodesic distance from the nearest school gate to the nearest venue entrance (entrance method). */
export function entranceDistance(school: School, venue: Site): number {
  let m = Infinity;
  for (const g of school.gates) for (const e of venue.entrances ?? []) m = Math.min(m, geoDist(toLonLat(g), toLonLat(e)));
  return m;
}

export function plantVenues(rng: Rng, placer: Placer, namer: VenueNamer, schools: School[]): PlantedCase[] {
  const specs: PlantSpec[] = [];
  const within = () => round(rng.float(60, 150), 1);
  const justIn = () => round(rng.float(190, 199), 1);
  const justOut = () => round(rng.float(201, 210), 1);
  const add = (category: Category, n: [number, number, number], kind?: string) => {
    for (let i = 0; i < n[0]; i++) specs.push({ category, kind, target: 'school', method: 'boundary', intended: within(), polygon: rng.chance(0.4) });
    for (let i = 0; i < n[1]; i++) specs.push({ category, kind, target: 'school', method: 'boundary', intended: justIn(), polygon: rng.chance(0.4) });
    for (let i = 0; i < n[2]; i++) specs.push({ category, kind, target: 'school', method: 'boundary', intended: justOut(), polygon: rng.chance(0.4) });
  };
  add('internet_cafe', [6, 4, 4]);
  add('entertainment', [3, 2, 2]);
  add('game_hall', [2, 1, 1]);
  add('bar', [2, 1, 1]);
  // kindergartens: a KTV or bar at 90–110 m (the 100 m rule)
  for (let i = 0; i < 6; i++) {
    const intended = i % 2 === 0 ? round(rng.float(90, 99), 1) : round(rng.float(101, 110), 1);
    specs.push({ category: i < 4 ? 'entertainment' : 'bar', kind: i < 4 ? 'ktv' : undefined, target: 'kindergarten', method: 'boundary', intended, polygon: rng.chance(0.4) });
  }
  // tobacco shops 40–60 m from a school gate (entrance method, 50 m rule)
  for (let i = 0; i < 10; i++) {
    const intended = i % 2 === 0 ? round(rng.float(40, 49), 1) : round(rng.float(51, 60), 1);
    specs.push({ category: 'tobacco', target: 'school', method: 'entrance', intended, polygon: false });
  }

  const hosted = new Map<School, number>();
  const cases: PlantedCase[] = [];
  const others = (s: School) => schools.filter((o) => o !== s);
  const farFromOthers = (pts: XY[], s: School) => {
    for (const o of others(s)) {
      if (dist(o.ring[0], pts[0]) > 2000) continue;
      for (const p of pts) if (distPointPoly(p, [o.ring]) < 258) return false;
    }
    return true;
  };
  for (const spec of specs) {
    const pool = rng.shuffle(
      schools.filter((s) => (spec.target === 'kindergarten' ? s.kind === 'kindergarten' : s.kind === 'school' && (s.stage === 'primary' || s.stage === 'middle'))),
    );
    // venues belong in towns: prefer the county seat and township seats
    pool.sort((a, b) => Number(a.rural && a.site.grid.village.kind === 'village') - Number(b.rural && b.site.grid.village.kind === 'village'));
    let done = false;
    for (const school of pool) {
      if ((hosted.get(school) ?? 0) >= 2) continue;
      for (let attempt = 0; attempt < 40 && !done; attempt++) {
        const res = spec.method === 'boundary' ? plantBoundary(rng, school, spec) : plantEntrance(rng, school, spec);
        if (!res) continue;
        const { pts, geomPts } = res;
        let ok = true;
        for (const p of geomPts) {
          if (!placer.free(p, { edge: 1, water: 10, river: 10, campus: 0, block: 10, point: 20 })) ok = false;
          if (distPointPoly(p, [school.ring]) < 5) ok = false;
        }
        if (!ok || !farFromOthers(geomPts, school)) continue;
        const g = placer.gridAt(pts.anchor)!;
        const { name, attrs } = namer.venue(spec.category, g, spec.kind);
        const venue: Site =
          res.ring
            ? polygonSite(spec.category, name, res.ring, placer.gridAt(res.ring[0]) ?? g, attrs, [res.entrance])
            : pointSite(spec.category, name, res.entrance, g, attrs, [res.entrance]);
        if (venue.geom.type === 'Polygon') venue.grid = placer.gridAt(centroidOf(venue.geom.ring)) ?? venue.grid;
        const measured = spec.method === 'boundary' ? boundaryDistance(school, venue) : entranceDistance(school, venue);
        if (Math.abs(measured - spec.intended) > 0.05) continue;
        if (spec.method === 'entrance') {
          // the chosen gate must be the school's nearest gate to this shop by a clear margin
          const d = school.gates.map((gt) => geoDist(toLonLat(gt), toLonLat(res.entrance)));
          const sorted = [...d].sort((a, b) => a - b);
          if (sorted.length > 1 && sorted[1] - sorted[0] < 10) continue;
        }
        for (const p of geomPts) placer.addPoint(p);
        cases.push({ venue, school, method: spec.method, intendedDistanceM: spec.intended, measuredDistanceM: round(measured, 3) });
        hosted.set(school, (hosted.get(school) ?? 0) + 1);
        done = true;
      }
      if (done) break;
    }
    if (!done) throw new Error(`could not plant ${spec.category} at ${spec.intended} m`);
  }
  return cases;
}

function centroidOf(ring: XY[]): XY {
  let x = 0;
  let y = 0;
  for (const p of ring) {
    x += p[0];
    y += p[1];
  }
  return [x / ring.length, y / ring.length];
}

interface PlantResult {
  pts: { anchor: XY };
  geomPts: XY[];
  entrance: XY;
  ring?: XY[];
}

/** A venue whose nearest point is `intended` metres (geodesic) from the campus boundary. */
function plantBoundary(rng: Rng, school: School, spec: PlantSpec): PlantResult | null {
  const k = rng.int(0, 3);
  const a = school.corners[k];
  const b = school.corners[(k + 1) % 4];
  const len = dist(a, b);
  const ux = (b[0] - a[0]) / len;
  const uy = (b[1] - a[1]) / len;
  const nx = uy; // outward normal of a CCW ring: to the right of the edge
  const ny = -ux;
  const u = rng.float(0.3, 0.7);
  const base: XY = [a[0] + (b[0] - a[0]) * u, a[1] + (b[1] - a[1]) * u];
  const side = rng.float(14, 24);
  const wall = rng.chance(0.5);
  const campus = closedLL(school.ring);
  let d = spec.intended;
  const build = (dd: number): { ring?: XY[]; entrance: XY; measure: () => number } => {
    if (!spec.polygon) {
      const p = snapXY([base[0] + nx * dd, base[1] + ny * dd]);
      return { entrance: p, measure: () => geoDistPointRing(toLonLat(p), campus) };
    }
    const h = Math.min(side / 2, len * 0.2);
    const near1: XY = [base[0] + nx * dd - ux * h, base[1] + ny * dd - uy * h];
    const near2: XY = [base[0] + nx * dd + ux * h, base[1] + ny * dd + uy * h];
    const far2: XY = [near2[0] + nx * side, near2[1] + ny * side];
    const far1: XY = [near1[0] + nx * side, near1[1] + ny * side];
    // door in the middle of a side wall (not the wall facing the campus)
    const door: XY = wall ? [(near2[0] + far2[0]) / 2, (near2[1] + far2[1]) / 2] : [(far1[0] + near1[0]) / 2, (far1[1] + near1[1]) / 2];
    // CCW: near1 → near2 is along +u, then outward; orientation check below
    let ring = wall ? [near1, near2, door, far2, far1] : [near1, near2, far2, far1, door];
    ring = ring.map(snapXY);
    if (ringArea(ring) < 0) ring.reverse();
    const entrance = ring.find((p) => p[0] === snapXY(door)[0] && p[1] === snapXY(door)[1])!;
    return { ring, entrance, measure: () => geoDistRingRing(closedLL(ring), campus) };
  };
  let res = build(d);
  for (let it = 0; it < 12; it++) {
    const m = res.measure();
    if (Math.abs(m - spec.intended) < 0.01) break;
    d += spec.intended - m;
    res = build(d);
  }
  const geomPts = res.ring ?? [res.entrance];
  return { pts: { anchor: res.ring ? centroidOf(res.ring) : res.entrance }, geomPts, entrance: res.entrance, ring: res.ring };
}

/** A tobacco shop whose door is `intended` metres (geodesic) from a school gate. */
function plantEntrance(rng: Rng, school: School, spec: PlantSpec): PlantResult | null {
  const gi = rng.int(0, school.gates.length - 1);
  const gate = school.gates[gi];
  const k = school.gateSides[gi];
  const a = school.corners[k];
  const b = school.corners[(k + 1) % 4];
  const len = dist(a, b);
  const nx = (b[1] - a[1]) / len;
  const ny = -(b[0] - a[0]) / len;
  const alpha = rng.float(-0.7, 0.7);
  const dx = nx * Math.cos(alpha) - ny * Math.sin(alpha);
  const dy = nx * Math.sin(alpha) + ny * Math.cos(alpha);
  const azi = (Math.atan2(dx, dy) * 180) / Math.PI;
  const g = toLonLat(gate);
  let d = spec.intended;
  let p = snapXY(toXY(geoDirect(g, azi, d)));
  for (let it = 0; it < 8; it++) {
    const m = geoDist(g, toLonLat(p));
    if (Math.abs(m - spec.intended) < 0.01) break;
    d += spec.intended - m;
    p = snapXY(toXY(geoDirect(g, azi, d)));
  }
  return { pts: { anchor: p }, geomPts: [p], entrance: p };
}
