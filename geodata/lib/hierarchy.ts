/**
 * County → township/street → village/community → comprehensive grid, built bottom-up from one mesh:
 * grid = one Voronoi cell; villages are contiguous groups of cells; townships contiguous groups of
 * cells that are unions of whole villages; every parent is dissolved from its children's rings.
 */
import type { Rng } from './rng.ts';
import { type XY, type LonLat, type Poly, dist, ringArea, ringCentroid } from './geo.ts';
import { type Box, type Mesh, type Voronoi, poissonDisc, voronoi, buildMesh, dissolve } from './tessellation.ts';
import { components, growRegions, partition } from './partition.ts';
import { PolyIndex } from './spatial.ts';
import { COMMUNITY_WORDS, UniqueNames, cnNumber, townBase, villageBase } from './names.ts';

export const COUNTY_CODE = '990101';

export interface GridRec {
  code: string;
  name: string;
  layer: 'comprehensive' | 'dedicated';
  village: VillageRec;
  households: number;
  population: number;
  /** Voronoi cell id, -1 for dedicated grids */
  cell: number;
  /** metric polygon (outer ring + holes), snapped to the rounded lon/lat */
  poly: Poly;
  /** GeoJSON MultiPolygon coordinates */
  coords: LonLat[][][];
  centroid: XY;
  area: number;
}

export interface VillageRec {
  code: string;
  name: string;
  kind: 'community' | 'village';
  township: TownshipRec;
  cells: number[];
  grids: GridRec[];
  dedicated: GridRec[];
  coords: LonLat[][][];
  poly: Poly;
  centroid: XY;
  area: number;
}

export interface TownshipRec {
  code: string;
  name: string;
  kind: 'street' | 'town' | 'xiang';
  cells: number[];
  villages: VillageRec[];
  coords: LonLat[][][];
  poly: Poly;
  /** the township seat (government) */
  seat: XY;
  area: number;
}

export interface CountyModel {
  mesh: Mesh;
  vor: Voronoi;
  coords: LonLat[][][];
  poly: Poly;
  area: number;
  seat: XY;
  /** urban core radius function around the seat */
  urbanR: (theta: number) => number;
  townships: TownshipRec[];
  villages: VillageRec[];
  grids: GridRec[];
  gridIndex: PolyIndex<GridRec>;
  cellGrid: Map<number, GridRec>;
  isUrbanCell: (c: number) => boolean;
  /** distance (m) from a point to the nearest town seat (rural townships) */
  townSeats: XY[];
}

function harmonics(rng: Rng, from: number, to: number, amp: number): (t: number) => number {
  const terms: [number, number, number][] = [];
  for (let k = from; k <= to; k++) terms.push([k, (amp * rng.float(0.5, 1)) / Math.pow(k, 0.9), rng.float(0, 2 * Math.PI)]);
  return (t) => terms.reduce((s, [k, a, p]) => s + a * Math.sin(k * t + p), 0);
}

/** Reading order used for every code sequence: rows north→south, west→east within a row. */
export function readingOrder<T>(items: T[], centroid: (t: T) => XY, rowHeight: number): T[] {
  if (items.length === 0) return [];
  const top = Math.max(...items.map((t) => centroid(t)[1]));
  const row = (t: T) => Math.floor((top - centroid(t)[1]) / rowHeight);
  return [...items].sort((a, b) => row(a) - row(b) || centroid(a)[0] - centroid(b)[0]);
}

function toCoords(mesh: Mesh, polys: number[][][]): LonLat[][][] {
  return polys.map((p) =>
    p.map((r) => {
      const ring = r.map((i) => mesh.ll[i]);
      ring.push(ring[0]);
      return ring;
    }),
  );
}

function toPoly(mesh: Mesh, polys: number[][][]): Poly {
  if (polys.length !== 1) throw new Error('expected one polygon, got ' + polys.length);
  return polys[0].map((r) => r.map((i) => mesh.xy[i]));
}

function polyArea(poly: Poly): number {
  return poly.reduce((s, r) => s + ringArea(r), 0);
}

export function buildCounty(rng: Rng): CountyModel {
  // ---- outline: an irregular ellipse about 40 km × 38 km
  const outlineNoise = harmonics(rng.fork('outline'), 2, 8, 0.17);
  const outlineFine = harmonics(rng.fork('outline-fine'), 9, 15, 0.05);
  const outlineR = (t: number) => {
    const base = 1 / Math.sqrt((Math.cos(t) / 18300) ** 2 + (Math.sin(t) / 18000) ** 2);
    return base * (1 + outlineNoise(t) + outlineFine(t));
  };
  const inOutline = (p: XY, margin = 0) => Math.hypot(p[0], p[1]) < outlineR(Math.atan2(p[1], p[0])) - margin;

  // ---- the county seat: a compact urban core, streets reach a little further
  const seat: XY = [1600, 900];
  const urbanNoise = harmonics(rng.fork('urban'), 2, 4, 0.16);
  const urbanR = (t: number) => 2650 * (1 + urbanNoise(t));
  const streetR = (t: number) => urbanR(t) + 1700;
  const rel = (p: XY): [number, number] => {
    const dx = p[0] - seat[0];
    const dy = p[1] - seat[1];
    return [Math.hypot(dx, dy), Math.atan2(dy, dx)];
  };
  const inUrban = (p: XY) => {
    const [d, t] = rel(p);
    return d < urbanR(t);
  };
  const inStreets = (p: XY) => {
    const [d, t] = rel(p);
    return d < streetR(t);
  };

  // ---- 15 town seats, spread out over the rural part
  const trng = rng.fork('towns');
  const townSeats: XY[] = [];
  for (let i = 0; i < 15; i++) {
    let best: XY = [0, 0];
    let bestScore = -Infinity;
    for (let c = 0; c < 80; c++) {
      const p: XY = [trng.float(-24000, 24000), trng.float(-23000, 23000)];
      if (!inOutline(p, 3200)) continue;
      const [ds, ts] = rel(p);
      if (ds < streetR(ts) + 3000) continue;
      const dmin = Math.min(ds * 0.8, ...townSeats.map((q) => dist(p, q)));
      if (dmin > bestScore) {
        bestScore = dmin;
        best = p;
      }
    }
    townSeats.push(best);
  }

  // ---- seeds: dense in the county seat, denser around town seats, larger grids in the western hills
  const rUrban = 205;
  const rRural = 625;
  const rFn = (p: XY): number => {
    const [d, t] = rel(p);
    const ru = urbanR(t);
    let r: number;
    if (d < ru) r = rUrban;
    else if (d < ru + 1200) r = rUrban + ((d - ru) / 1200) * (470 - rUrban);
    else if (d < ru + 3000) r = 470 + ((d - ru - 1200) / 1800) * (rRural - 470);
    else r = rRural;
    r *= 1 + 0.12 * Math.max(0, Math.min(1, -p[0] / 18000));
    for (const s of townSeats) {
      const ds = dist(p, s);
      if (ds < 700) r = Math.min(r, 330);
      else if (ds < 1600) r = Math.min(r, 330 + ((ds - 700) / 900) * (rRural - 330));
    }
    return r;
  };
  const box: Box = [-27000, -26000, 27000, 26000];
  const seeds = poissonDisc(rng.fork('seeds'), box, rFn, rUrban, rRural * 1.13);
  const vor = voronoi(rng.fork('nudge'), seeds, 5, (p) => inOutline(p, -3000));
  const nb = (c: number) => vor.neighbors[c];
  const pos = (c: number) => vor.seeds[c];

  // ---- select the county's cells: inside the outline, one piece, no holes
  let sel = vor.seeds.map((_, i) => i).filter((i) => vor.rings[i] && inOutline(vor.seeds[i]));
  const comps = components(sel, nb).sort((a, b) => b.length - a.length || a[0] - b[0]);
  sel = comps[0];
  const selSet = new Set(sel);
  const outside = vor.seeds.map((_, i) => i).filter((i) => !selSet.has(i));
  for (const comp of components(outside, nb)) {
    const touchesHull = comp.some((c) => !vor.rings[c] || vor.neighbors[c].length < vor.rings[c]!.length);
    if (!touchesHull) for (const c of comp) selSet.add(c);
  }
  sel = [...selSet].sort((a, b) => a - b);

  // ---- mesh: straight urban blocks, gently wiggling rural borders, a natural outline
  const nearTown = (p: XY) => Math.min(...townSeats.map((s) => dist(p, s)));
  const mesh = buildMesh(
    rng.fork('mesh'),
    vor,
    selSet,
    (mid) => (inUrban(mid) ? 1e9 : nearTown(mid) < 900 ? 220 : 140),
    (mid, onOutline) => (onOutline ? 0.13 : inUrban(mid) ? 0 : nearTown(mid) < 900 ? 0.04 : 0.1),
  );

  // ---- townships: 6 streets around the seat, 15 towns grown from their seats
  const prng = rng.fork('partition');
  const cost = new Map<number, number>(sel.map((c) => [c, prng.float(0.85, 1.15)]));
  const costFn = (c: number) => cost.get(c)!;
  const nearestCell = (cells: number[], p: XY) =>
    cells.reduce((best, c) => (dist(pos(c), p) < dist(pos(best), p) ? c : best), cells[0]);
  let streetCells = sel.filter((c) => inStreets(pos(c)));
  const seatCell = nearestCell(streetCells, seat);
  streetCells = components(streetCells, nb).find((comp) => comp.includes(seatCell))!;
  const streetSet = new Set(streetCells);
  let ruralCells = sel.filter((c) => !streetSet.has(c));
  const ruralComps = components(ruralCells, nb).sort((a, b) => b.length - a.length || a[0] - b[0]);
  for (const comp of ruralComps.slice(1)) for (const c of comp) streetSet.add(c);
  streetCells = [...streetSet].sort((a, b) => a - b);
  ruralCells = ruralComps[0];

  const streetAngles = [10, 85, 160, 235, 305].map((a) => (a * Math.PI) / 180);
  const streetSeeds = [seatCell];
  for (const a of streetAngles) {
    const r = urbanR(a) * 0.62;
    streetSeeds.push(nearestCell(streetCells.filter((c) => !streetSeeds.includes(c)), [seat[0] + r * Math.cos(a), seat[1] + r * Math.sin(a)]));
  }
  const streetAssign = growRegions({
    cells: streetCells,
    neighbors: nb,
    pos,
    seeds: streetSeeds,
    targets: [0.9, 1.05, 1, 1.1, 0.95, 1.05],
    cost: costFn,
  });
  const townSeedCells = townSeats.map((s) => nearestCell(ruralCells, s));
  const townAssign = growRegions({
    cells: ruralCells,
    neighbors: nb,
    pos,
    seeds: townSeedCells,
    targets: townSeats.map(() => prng.float(0.75, 1.3)),
    cost: costFn,
  });

  const names = new UniqueNames();
  const streetNames = ['城关街道', '东城街道', '北城街道', '西城街道', '南城街道', '新华街道'];
  for (const n of streetNames) names.reserve(n.slice(0, 2));
  const townships: TownshipRec[] = [];
  const group = (assign: Map<number, number>, k: number) => {
    const g: number[][] = Array.from({ length: k }, () => []);
    for (const [c, r] of [...assign.entries()].sort((a, b) => a[0] - b[0])) g[r].push(c);
    return g;
  };
  group(streetAssign, 6).forEach((cells, i) => {
    townships.push({ code: '', name: streetNames[i], kind: 'street', cells, villages: [], coords: [], poly: [], seat: pos(streetSeeds[i]), area: 0 });
  });
  const townGroups = group(townAssign, 15);
  const bySize = townGroups.map((_, i) => i).sort((a, b) => townGroups[a].length - townGroups[b].length || a - b);
  const xiang = new Set(bySize.slice(0, 5));
  const nrng = rng.fork('names');
  const usedFirst = new Set<string>();
  townGroups.forEach((cells, i) => {
    const base = names.make(nrng, (r) => {
      for (;;) {
        const b = townBase(r);
        if (!usedFirst.has(b[0])) return b;
      }
    });
    usedFirst.add(base[0]);
    townships.push({
      code: '',
      name: base + (xiang.has(i) ? '乡' : '镇'),
      kind: xiang.has(i) ? 'xiang' : 'town',
      cells,
      villages: [],
      coords: [],
      poly: [],
      seat: townSeats[i],
      area: 0,
    });
  });

  // ---- villages and communities inside each township
  const vrng = rng.fork('villages');
  const isUrbanCell = (c: number) => inUrban(pos(c));
  const villages: VillageRec[] = [];
  const splitInto = (cells: number[], kind: 'community' | 'village', avg: number, t: TownshipRec) => {
    for (const comp of components(cells, nb)) {
      const k = Math.max(1, Math.round(comp.length / avg));
      const targets = Array.from({ length: k }, () => vrng.float(0.65, 1.35));
      for (const g of partition(vrng, comp, nb, pos, targets, costFn)) {
        villages.push({ code: '', name: '', kind, township: t, cells: g, grids: [], dedicated: [], coords: [], poly: [], centroid: [0, 0], area: 0 });
      }
    }
  };
  for (const t of townships) {
    if (t.kind === 'street') {
      splitInto(t.cells.filter(isUrbanCell), 'community', 5.6, t);
      splitInto(t.cells.filter((c) => !isUrbanCell(c)), 'village', 4.2, t);
    } else if (t.kind === 'town') {
      const seatCell = nearestCell(t.cells, t.seat);
      const near = components(t.cells.filter((c) => dist(pos(c), t.seat) < 950), nb).find((comp) => comp.includes(seatCell))!;
      const nearSet = new Set(near);
      if (near.length >= 7) {
        for (const g of partition(vrng, near, nb, pos, [1, 1], costFn))
          villages.push({ code: '', name: '', kind: 'community', township: t, cells: g, grids: [], dedicated: [], coords: [], poly: [], centroid: [0, 0], area: 0 });
      } else {
        villages.push({ code: '', name: '', kind: 'community', township: t, cells: near, grids: [], dedicated: [], coords: [], poly: [], centroid: [0, 0], area: 0 });
      }
      splitInto(t.cells.filter((c) => !nearSet.has(c)), 'village', 4.6, t);
    } else {
      splitInto(t.cells, 'village', 4.4, t);
    }
  }
  // merge single-cell villages into a neighbour in the same township
  for (;;) {
    const cellVillage = new Map<number, VillageRec>();
    for (const v of villages) for (const c of v.cells) cellVillage.set(c, v);
    const tiny = villages.find((v) => v.cells.length < 2);
    if (!tiny) break;
    const cands = new Set<VillageRec>();
    for (const c of tiny.cells) for (const n of nb(c)) {
      const v = cellVillage.get(n);
      if (v && v !== tiny && v.township === tiny.township) cands.add(v);
    }
    const list = [...cands].sort((a, b) => Number(b.kind === tiny.kind) - Number(a.kind === tiny.kind) || a.cells.length - b.cells.length || a.cells[0] - b.cells[0]);
    if (list.length === 0) break;
    list[0].cells = [...list[0].cells, ...tiny.cells].sort((a, b) => a - b);
    villages.splice(villages.indexOf(tiny), 1);
  }

  // ---- geometry of every level
  const countyPolys = dissolve(mesh, sel);
  if (countyPolys.length !== 1 || countyPolys[0].length !== 1) throw new Error('county must be one polygon without holes');
  const countyPoly = toPoly(mesh, countyPolys);
  for (const t of townships) {
    const p = dissolve(mesh, t.cells);
    t.coords = toCoords(mesh, p);
    t.poly = toPoly(mesh, p);
    t.area = polyArea(t.poly);
    t.villages = villages.filter((v) => v.township === t);
  }
  for (const v of villages) {
    const p = dissolve(mesh, v.cells);
    v.coords = toCoords(mesh, p);
    v.poly = toPoly(mesh, p);
    v.area = polyArea(v.poly);
    v.centroid = ringCentroid(v.poly[0]);
  }

  // ---- codes: streets 001.., towns 101.., xiang 201..; communities 001.., villages 201..
  const countyArea = polyArea(countyPoly);
  /** row height of the reading order: the side of the group's average square */
  const rowOf = (list: { area: number }[]) => Math.sqrt(list.reduce((s, x) => s + x.area, 0) / Math.max(1, list.length));
  const tCentroid = (t: TownshipRec) => ringCentroid(t.poly[0]);
  const ordered: TownshipRec[] = [];
  (
    [
      ['street', 1],
      ['town', 101],
      ['xiang', 201],
    ] as const
  ).forEach(([kind, start]) => {
    const group = townships.filter((t) => t.kind === kind);
    readingOrder(group, tCentroid, rowOf(group)).forEach((t, i) => {
      t.code = COUNTY_CODE + String(start + i).padStart(3, '0') + '000';
      ordered.push(t);
    });
  });
  townships.splice(0, townships.length, ...ordered);

  const grids: GridRec[] = [];
  const hrng = rng.fork('households');
  for (const t of townships) {
    const commList = t.villages.filter((v) => v.kind === 'community');
    const villList = t.villages.filter((v) => v.kind === 'village');
    const comm = readingOrder(commList, (v) => v.centroid, rowOf(commList));
    const vill = readingOrder(villList, (v) => v.centroid, rowOf(villList));
    comm.forEach((v, i) => (v.code = t.code.slice(0, 9) + String(1 + i).padStart(3, '0')));
    vill.forEach((v, i) => (v.code = t.code.slice(0, 9) + String(201 + i).padStart(3, '0')));
    t.villages = [...comm, ...vill];
    const tBase = t.name.slice(0, t.name.length - (t.kind === 'street' ? 2 : 1));
    comm.forEach((v, i) => {
      if (t.kind === 'street') v.name = names.make(nrng, (r) => r.pick(COMMUNITY_WORDS)) + '社区';
      else v.name = (i === 0 ? tBase : names.make(nrng, (r) => tBase + r.pick(['东街', '西街', '南街', '北街', '新区', '新村']))) + '社区';
    });
    vill.forEach((v) => (v.name = names.make(nrng, villageBase) + '村'));
    for (const v of t.villages) {
      const cellInfo = v.cells.map((c) => {
        const ring = mesh.rings.get(c)!.map((i) => mesh.xy[i]);
        return { c, ring, centroid: ringCentroid(ring), area: ringArea(ring) };
      });
      const gRow = Math.sqrt(v.area / v.cells.length);
      readingOrder(cellInfo, (x) => x.centroid, gRow).forEach((x, i) => {
        const seq = i + 1;
        const urbanGrid = v.kind === 'community';
        let households: number;
        let ppl: number;
        if (urbanGrid && t.kind === 'street') {
          households = Math.round(Math.max(150, Math.min(500, 300 + 75 * hrng.normal())));
          ppl = hrng.float(2.6, 2.9);
        } else if (urbanGrid) {
          households = Math.round(Math.max(150, Math.min(450, 250 + 65 * hrng.normal())));
          ppl = hrng.float(2.7, 3.0);
        } else {
          const west = 1 - 0.2 * Math.max(0, Math.min(1, -x.centroid[0] / 18000));
          households = Math.round(Math.max(40, Math.min(200, (100 + 35 * hrng.normal()) * west)));
          ppl = hrng.float(2.9, 3.2);
        }
        const g: GridRec = {
          code: v.code + String(seq).padStart(3, '0'),
          name: urbanGrid ? `${v.name}第${seq}网格` : `${v.name}第${cnNumber(seq)}村民小组网格`,
          layer: 'comprehensive',
          village: v,
          households,
          population: Math.round(households * ppl),
          cell: x.c,
          poly: [x.ring],
          coords: [[[...mesh.rings.get(x.c)!.map((i) => mesh.ll[i]), mesh.ll[mesh.rings.get(x.c)![0]]]]],
          centroid: x.centroid,
          area: x.area,
        };
        v.grids.push(g);
        grids.push(g);
      });
    }
  }
  const orderedVillages = townships.flatMap((t) => t.villages);
  const gridIndex = new PolyIndex<GridRec>();
  const cellGrid = new Map<number, GridRec>();
  for (const g of grids) {
    gridIndex.add(g);
    cellGrid.set(g.cell, g);
  }
  return {
    mesh,
    vor,
    coords: toCoords(mesh, countyPolys),
    poly: countyPoly,
    area: countyArea,
    seat,
    urbanR,
    townships,
    villages: orderedVillages,
    grids,
    gridIndex,
    cellGrid,
    isUrbanCell,
    townSeats: townships.filter((t) => t.kind !== 'street').map((t) => t.seat),
  };
}

