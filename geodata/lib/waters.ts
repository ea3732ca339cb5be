/**
 * Waters (防溺水): meandering rivers split into reaches per township, reservoirs, lakes, ponds, pits.
 */
import type { Rng } from './rng.ts';
import { type XY, type Poly, dist, ringArea, ringIsSimple, snapXY, toLonLat, pointInPoly, bboxOf } from './geo.ts';
import type { CountyModel, GridRec, TownshipRec, VillageRec } from './hierarchy.ts';
import type { Placer } from './placer.ts';
import type { Staffing, Person } from './people.ts';
import { type Site, polygonSite } from './site.ts';

const WINDOWS = ['06:00-08:00', '11:30-13:30', '16:30-18:30', '18:00-20:00', '19:00-21:00'];

/** Star-shaped irregular blob around c (open CCW ring, snapped). */
export function blob(rng: Rng, c: XY, a: number, b: number, angle: number, n: number, rough: number): XY[] {
  const terms = (n >= 64 ? [2, 3, 4, 5, 6, 7, 8, 9] : [2, 3, 4, 5]).map((k) => [k, (rough * rng.float(0.4, 1)) / k, rng.float(0, 2 * Math.PI)]);
  const ca = Math.cos(angle);
  const sa = Math.sin(angle);
  const ring: XY[] = [];
  for (let i = 0; i < n; i++) {
    const t = (2 * Math.PI * i) / n;
    const f = 1 + terms.reduce((s, [k, amp, p]) => s + amp * Math.sin(k * t + p), 0);
    const x = a * f * Math.cos(t);
    const y = b * f * Math.sin(t);
    ring.push(snapXY([c[0] + x * ca - y * sa, c[1] + x * sa + y * ca]));
  }
  return ring;
}

/** A meandering river from start to end, sampled every `step` metres; a graph over the chord, so it never loops. */
function meander(rng: Rng, start: XY, end: XY, step: number, amp: number): XY[] {
  const L = dist(start, end);
  const ux = (end[0] - start[0]) / L;
  const uy = (end[1] - start[1]) / L;
  const low = [1, 2, 3].map((k) => [k, rng.float(0.3, 1) * amp * 6 / k, rng.float(0, 2 * Math.PI)]);
  const wl = rng.float(900, 1600);
  const mAmp = rng.float(0.6, 1) * amp;
  const ph = rng.float(0, 2 * Math.PI);
  const mod = rng.float(0, 2 * Math.PI);
  const pts: XY[] = [];
  const n = Math.ceil(L / step);
  for (let i = 0; i <= n; i++) {
    const s = (i / n) * L;
    const env = Math.sin((Math.PI * s) / L);
    let off = low.reduce((acc, [k, a, p]) => acc + a * Math.sin((k * Math.PI * s) / L + p), 0) * env;
    off += mAmp * (0.6 + 0.4 * Math.sin((2 * Math.PI * s) / 7000 + mod)) * Math.sin((2 * Math.PI * s) / wl + ph) * Math.min(1, env * 4);
    pts.push([start[0] + ux * s - uy * off, start[1] + uy * s + ux * off]);
  }
  pts[pts.length - 1] = end;
  return pts;
}

export interface WaterContext {
  rng: Rng;
  county: CountyModel;
  placer: Placer;
  staffing: Staffing;
}

function responsible(ctx: WaterContext, rng: Rng, village: VillageRec, township: TownshipRec): Record<string, { name: string; phone: string }> {
  const s = ctx.staffing;
  const who = (p: Person) => ({ name: p.name, phone: p.phone });
  const levels: Record<string, { name: string; phone: string }> = {
    village: who(s.villageLeaders.get(village.code)![0]),
    township: who(s.unitStaff.get(s.townshipUnit(township))![1]),
    county: who(s.unitStaff.get('water')![rng.int(0, 1)]),
  };
  const u = rng.next();
  if (u < 0.07) delete levels.village;
  else if (u < 0.12) delete levels.township;
  else if (u < 0.14) delete levels.county;
  else if (u < 0.16) {
    delete levels.village;
    delete levels.township;
  }
  return levels;
}

function equipment(rng: Rng, kind: string): Record<string, number> {
  const big = kind === 'reservoir' || kind === 'lake' || kind === 'river';
  const u = rng.next();
  if (u < 0.1) return { warningSigns: 0, lifeBuoys: 0, ropes: 0, poles: 0 };
  const e = {
    warningSigns: big ? rng.int(3, 16) : rng.int(1, 3),
    lifeBuoys: big ? rng.int(2, 10) : rng.int(1, 2),
    ropes: big ? rng.int(2, 8) : rng.int(1, 2),
    poles: big ? rng.int(1, 6) : rng.int(1, 2),
  };
  if (u < 0.3) {
    const k = rng.pick(['lifeBuoys', 'ropes', 'poles', 'warningSigns'] as const);
    e[k] = 0;
  }
  return e;
}

function patrolPoints(rng: Rng, pts: XY[], k: number): { lon: number; lat: number; window: string }[] {
  const out: { lon: number; lat: number; window: string }[] = [];
  const chosen = rng.sample(pts, k);
  for (const p of chosen) {
    const [lon, lat] = toLonLat(p);
    out.push({ lon, lat, window: rng.pick(WINDOWS) });
  }
  return out;
}

/** Points just outside a polygon ring (15 m out from the vertex, away from the centroid). */
function shorePoints(ring: XY[]): XY[] {
  let cx = 0;
  let cy = 0;
  for (const p of ring) {
    cx += p[0];
    cy += p[1];
  }
  cx /= ring.length;
  cy /= ring.length;
  return ring.map((p) => {
    const d = Math.hypot(p[0] - cx, p[1] - cy);
    return [p[0] + ((p[0] - cx) / d) * 15, p[1] + ((p[1] - cy) / d) * 15] as XY;
  });
}

function waterAttrs(ctx: WaterContext, rng: Rng, kind: string, g: GridRec, extra: Record<string, unknown>, patrolFrom: XY[], guard: number): Record<string, unknown> {
  const depth: Record<string, [number, number]> = { river: [1.5, 4.5], lake: [2, 6], reservoir: [8, 26], pond: [1.2, 3.5], pit: [2, 8] };
  const [d0, d1] = depth[kind];
  const patrols = kind === 'pond' || kind === 'pit' ? rng.int(0, 2) : rng.int(1, 3);
  return {
    kind,
    ...extra,
    depthM: Math.round(rng.float(d0, d1) * 10) / 10,
    responsible: responsible(ctx, rng, g.village, g.village.township),
    equipment: equipment(rng, kind),
    guardRailM: guard,
    patrolPoints: patrolPoints(rng, patrolFrom.filter((p) => ctx.placer.gridAt(p)), patrols),
  };
}

/** Fraction of grid g covered by polygon (sampled). */
function coverage(g: GridRec, poly: Poly): number {
  const [w, s, e, n] = bboxOf(g.poly[0]);
  let inside = 0;
  let total = 0;
  for (let i = 0; i < 16; i++)
    for (let j = 0; j < 16; j++) {
      const p: XY = [w + ((i + 0.5) * (e - w)) / 16, s + ((j + 0.5) * (n - s)) / 16];
      if (!pointInPoly(p, g.poly)) continue;
      total++;
      if (pointInPoly(p, poly)) inside++;
    }
  return total === 0 ? 1 : inside / total;
}

function maxCoverage(county: CountyModel, ring: XY[]): number {
  const [w, s, e, n] = bboxOf(ring);
  let m = 0;
  for (const g of county.grids) {
    const [gw, gs, ge, gn] = bboxOf(g.poly[0]);
    if (ge < w || gw > e || gn < s || gs > n) continue;
    m = Math.max(m, coverage(g, [ring]));
  }
  return m;
}

export interface MajorWaters {
  sites: Site[];
  reservoir: XY[];
  riverLines: XY[][];
}

/** Rivers, reservoirs and lakes: placed before anything else. */
export function majorWaters(ctx: WaterContext): MajorWaters {
  const { county, placer } = ctx;
  const rng = ctx.rng.fork('major-waters');
  const sites: Site[] = [];
  const seat = county.seat;
  const riverLines: XY[][] = [];

  const addRiver = (name: string, line: XY[]) => {
    const reaches = splitByTownship(county, line);
    const count = new Map<string, number>();
    for (const { township, pts } of reaches) {
      const snapped = dedupe(pts.map(snapXY));
      if (snapped.length < 3 || lineLength(snapped) < 200) continue;
      const k = (count.get(township.code) ?? 0) + 1;
      count.set(township.code, k);
      const mid = snapped[Math.floor(snapped.length / 2)];
      const g = placer.gridAt(mid);
      if (!g) continue;
      const side = snapped.filter((_, i) => i % 7 === 3).map((p, i) => [p[0] + (i % 2 ? 12 : -12), p[1]] as XY);
      const urbanReach = county.isUrbanCell(g.cell);
      const attrs = waterAttrs(ctx, rng, 'river', g, { river: name, lengthM: Math.round(lineLength(snapped)) }, side, urbanReach ? rng.int(300, 1500) : rng.chance(0.5) ? 0 : rng.int(50, 400));
      const site: Site = { ref: '', category: 'water', name: `${name}（${township.name}${k === 1 ? '' : '第' + '一二三四五六七八'[k - 1]}段）`, attrs, geom: { type: 'LineString', line: snapped }, grid: g };
      sites.push(site);
      riverLines.push(snapped);
      placer.addRiver(snapped);
    }
  };
  // ---- rivers: 安澜河 west→east through the south of the seat, 青龙河 from the north joining it,
  //      幸福渠 (a canal) in the north-east; 柳溪河 leaves the reservoir later
  const r1 = meander(rng, [-26000, -4200], [26000, 900], 40, 260);
  let join = r1[0];
  for (const p of r1) if (Math.abs(p[0] - 9500) < Math.abs(join[0] - 9500)) join = p;
  addRiver('安澜河', r1);
  const r2 = meander(rng, [-5000, 25000], join, 40, 200);
  addRiver('青龙河', r2);
  // the canal runs from the western border into 青龙河
  let inflow = r2[0];
  for (const p of r2) if (Math.abs(p[1] - 13000) < Math.abs(inflow[1] - 13000)) inflow = p;
  addRiver('幸福渠', meander(rng, [-24000, 6500], inflow, 60, 40));

  // ---- reservoirs (west / south-west hills) and lakes, each kept from swallowing a whole grid
  const place = (
    name: string,
    kind: 'reservoir' | 'lake',
    region: () => XY,
    a: number,
    b: number,
    maxCov: number,
    guard: () => number,
  ): XY[] => {
    for (let attempt = 0; attempt < 400; attempt++) {
      const c = region();
      const ring = blob(rng, c, a, b, rng.float(0, Math.PI), kind === 'reservoir' ? 96 : 40, kind === 'reservoir' ? 0.3 : 0.22);
      if (!ringIsSimple(ring) || ringArea(ring) <= 0) continue;
      if (!placer.polygonFree(ring, { water: 150, river: 60, campus: 100, block: 50 })) continue;
      if (maxCoverage(county, ring) > maxCov) continue;
      const g = placer.gridAt(c) ?? placer.gridAt(ring[0])!;
      const area = Math.round(ringArea(ring));
      sites.push(polygonSite('water', name, ring, g, waterAttrs(ctx, rng, kind, g, { areaM2: area }, shorePoints(ring), guard())));
      placer.addWater([ring]);
      return ring;
    }
    throw new Error('could not place ' + name);
  };
  const townSeats = county.townSeats;
  const farFromSeats = (p: XY, d: number) => townSeats.every((s) => dist(p, s) > d) && dist(p, seat) > 7000;
  const reservoir = place(
    '龙潭水库',
    'reservoir',
    () => {
      for (;;) {
        const p: XY = [rng.float(-17000, -6000), rng.float(-14000, -8000)];
        if (placer.gridAt(p) && farFromSeats(p, 3200)) return p;
      }
    },
    1450,
    560,
    0.85,
    () => rng.int(300, 900),
  );
  place(
    '石门水库',
    'reservoir',
    () => {
      for (;;) {
        const p: XY = [rng.float(-14000, 2000), rng.float(7000, 15000)];
        if (placer.gridAt(p) && farFromSeats(p, 2500)) return p;
      }
    },
    750,
    260,
    0.75,
    () => rng.int(120, 400),
  );
  // 柳溪河 starts just below the reservoir's easternmost shore
  let east = reservoir[0];
  for (const p of reservoir) if (p[0] > east[0]) east = p;
  addRiver('柳溪河', meander(rng, [east[0] + 25, east[1]], [26000, -13500], 40, 180));
  const lakeSpot = (minD: number, maxD: number) => () => {
    for (;;) {
      const a = rng.float(0, 2 * Math.PI);
      const r = rng.float(minD, maxD);
      const p: XY = [seat[0] + r * Math.cos(a), seat[1] + r * Math.sin(a)];
      if (placer.gridAt(p)) return p;
    }
  };

  // ---- lakes: a small park lake in town, one east of town, one out in the country
  place('翠湖', 'lake', lakeSpot(300, 1600), 150, 95, 0.45, () => rng.int(200, 600));
  place('东湖', 'lake', lakeSpot(2800, 4200), 330, 190, 0.5, () => rng.int(150, 500));
  place(
    '白鹭湖',
    'lake',
    () => {
      for (;;) {
        const p: XY = [rng.float(3000, 16000), rng.float(-16000, -6000)];
        if (placer.gridAt(p) && farFromSeats(p, 2500)) return p;
      }
    },
    480,
    300,
    0.55,
    () => rng.int(0, 300),
  );
  return { sites, reservoir, riverLines };
}

function dedupe(pts: XY[]): XY[] {
  const out: XY[] = [];
  for (const p of pts) {
    const q = out[out.length - 1];
    if (!q || q[0] !== p[0] || q[1] !== p[1]) out.push(p);
  }
  return out;
}

function lineLength(l: XY[]): number {
  let s = 0;
  for (let i = 0; i + 1 < l.length; i++) s += dist(l[i], l[i + 1]);
  return s;
}

/** Cut a polyline where it crosses township borders (crossings found by bisection), dropping parts outside. */
function splitByTownship(county: CountyModel, line: XY[]): { township: TownshipRec; pts: XY[] }[] {
  const tAt = (p: XY) => county.gridIndex.locate(p)?.village.township;
  const out: { township: TownshipRec; pts: XY[] }[] = [];
  let cur: { township: TownshipRec; pts: XY[] } | null = null;
  let prevT = tAt(line[0]);
  if (prevT) cur = { township: prevT, pts: [line[0]] };
  for (let i = 1; i < line.length; i++) {
    const p = line[i];
    const t = tAt(p);
    if (t === prevT) {
      if (cur) cur.pts.push(p);
      continue;
    }
    // bisection for the crossing between line[i-1] (prevT) and p (t)
    let lo = 0;
    let hi = 1;
    const a = line[i - 1];
    for (let k = 0; k < 45; k++) {
      const m = (lo + hi) / 2;
      const q: XY = [a[0] + (p[0] - a[0]) * m, a[1] + (p[1] - a[1]) * m];
      if (tAt(q) === prevT) lo = m;
      else hi = m;
    }
    const x: XY = [a[0] + (p[0] - a[0]) * hi, a[1] + (p[1] - a[1]) * hi];
    if (cur) {
      cur.pts.push(x);
      out.push(cur);
    }
    cur = t ? { township: t, pts: [x, p] } : null;
    prevT = t;
  }
  if (cur) out.push(cur);
  return out;
}

/** Ponds and pits in the countryside, some deliberately close to schools. */
export function minorWaters(ctx: WaterContext, schoolCampuses: { ring: XY[]; rural: boolean }[]): Site[] {
  const { county, placer } = ctx;
  const rng = ctx.rng.fork('minor-waters');
  const sites: Site[] = [];
  const ruralGrids = county.grids.filter((g) => g.village.kind === 'village');
  const dirs = ['东', '西', '南', '北', '东南', '西南', '东北', '西北'];
  const usedNames = new Set<string>();
  const nameFor = (g: GridRec, kind: 'pond' | 'pit') => {
    for (let i = 0; i < 50; i++) {
      const base = g.village.name;
      const n =
        kind === 'pond'
          ? base + rng.pick(dirs) + rng.pick(['坑塘', '大坑', '水塘', '池塘', '涝池'])
          : base + rng.pick(dirs) + rng.pick(['取土坑', '砖窑坑', '采砂坑', '废弃鱼塘']);
      if (!usedNames.has(n)) {
        usedNames.add(n);
        return n;
      }
    }
    return g.village.name + '坑塘' + sites.length;
  };
  const tryPlace = (kind: 'pond' | 'pit', centre: () => XY | null): boolean => {
    for (let attempt = 0; attempt < 60; attempt++) {
      const c = centre();
      if (!c) continue;
      const a = kind === 'pond' ? rng.float(20, 95) : rng.float(14, 55);
      const ring = blob(rng, c, a, a * rng.float(0.5, 0.9), rng.float(0, Math.PI), kind === 'pond' ? 16 : 12, 0.3);
      if (!ringIsSimple(ring) || ringArea(ring) <= 0) continue;
      if (!placer.polygonFree(ring, { water: 40, river: 20, campus: 60, block: 30 })) continue;
      const g = placer.gridAt(c);
      if (!g) continue;
      const guard = rng.chance(0.7) ? 0 : rng.int(20, 180);
      sites.push(polygonSite('water', nameFor(g, kind), ring, g, waterAttrs(ctx, rng, kind, g, { areaM2: Math.round(ringArea(ring)) }, shorePoints(ring), guard)));
      placer.addWater([ring]);
      return true;
    }
    return false;
  };
  // near schools: 80–400 m from rural campuses
  const rural = schoolCampuses.filter((s) => s.rural);
  for (const s of rng.sample(rural, 18)) {
    let cx = 0;
    let cy = 0;
    for (const p of s.ring) {
      cx += p[0];
      cy += p[1];
    }
    cx /= s.ring.length;
    cy /= s.ring.length;
    tryPlace(rng.chance(0.7) ? 'pond' : 'pit', () => {
      const ang = rng.float(0, 2 * Math.PI);
      const r = rng.float(180, 450);
      return [cx + r * Math.cos(ang), cy + r * Math.sin(ang)];
    });
  }
  const pick = () => {
    const g = rng.pick(ruralGrids);
    const [w, s, e, n] = bboxOf(g.poly[0]);
    const p: XY = [rng.float(w, e), rng.float(s, n)];
    return pointInPoly(p, g.poly) ? p : null;
  };
  let ponds = 0;
  let pits = 0;
  while (ponds < 112) if (tryPlace('pond', pick)) ponds++;
  while (pits < 52) if (tryPlace('pit', pick)) pits++;
  return sites;
}

