/**
 * The remaining key sites: hospitals and clinics, dedicated grids, venues (kept away from schools),
 * cameras, police rooms, patrol points, rental housing.
 */
import type { Rng } from './rng.ts';
import { type XY, dist, rectangle, ringArea, snapXY, ringCentroid, ringIsSimple } from './geo.ts';
import type { CountyModel, GridRec } from './hierarchy.ts';
import type { Placer, FreeOptions } from './placer.ts';
import { type Category, type Site, pointSite, polygonSite } from './site.ts';
import { COUNTY_NAME, ROADS, surname } from './names.ts';
import { type VenueNamer, address } from './venues.ts';
import type { School } from './schools.ts';
import type { HouseholdPoint } from './households.ts';
import type { PhonePool } from './people.ts';
import { blob } from './waters.ts';

export interface Dedicated {
  name: string;
  ring: XY[];
}

function gridsWhere(county: CountyModel, f: (g: GridRec) => boolean): GridRec[] {
  return county.grids.filter(f);
}

const isSeatGrid = (g: GridRec) => g.village.kind === 'community' && g.village.township.kind === 'street';
const isTownGrid = (g: GridRec) => g.village.kind === 'community' && g.village.township.kind !== 'street';
const isVillageGrid = (g: GridRec) => g.village.kind === 'village';

/** Weighted pick of a grid by households. */
function pickGrid(rng: Rng, grids: GridRec[]): GridRec {
  return rng.weighted(grids, grids.map((g) => g.households));
}

function placePolygon(rng: Rng, placer: Placer, centre: () => XY | null, w: number, h: number, opts: Parameters<Placer['polygonFree']>[1]): XY[] | null {
  for (let i = 0; i < 400; i++) {
    const c = centre();
    if (!c) continue;
    const ring = rectangle(c, w, h, rng.float(-0.4, 0.4)).map(snapXY);
    if (placer.polygonFree(ring, opts)) return ring;
  }
  return null;
}

export interface HospitalResult {
  sites: Site[];
  dedicated: Dedicated[];
}

/** Hospitals (polygons), health centres, clinics; plus the non-school dedicated grids. */
export function buildHospitalsAndParks(rng: Rng, county: CountyModel, placer: Placer, reservoir: XY[]): HospitalResult {
  const sites: Site[] = [];
  const dedicated: Dedicated[] = [];
  const seatGrids = gridsWhere(county, isSeatGrid);
  const inSeat = () => placer.pointInGrid(rng, rng.pick(seatGrids), { edge: 0, water: 0, river: 0, campus: 0, block: 0 }, 10);
  const hospitals: [string, number, number, string, number][] = [
    [`${COUNTY_NAME}人民医院`, 230, 180, 'general', 900],
    [`${COUNTY_NAME}中医院`, 170, 130, 'tcm', 450],
    [`${COUNTY_NAME}妇幼保健院`, 120, 90, 'maternal_child', 200],
  ];
  hospitals.forEach(([name, w, h, kind, beds], i) => {
    const ring = placePolygon(rng, placer, inSeat, w, h, { campus: 80, water: 30, river: 30, block: 150 });
    if (!ring) throw new Error('no room for ' + name);
    const entrance = snapXY([(ring[0][0] + ring[1][0]) / 2, (ring[0][1] + ring[1][1]) / 2]);
    const full = [ring[0], entrance, ring[1], ring[2], ring[3]];
    sites.push(polygonSite('hospital', name, full, placer.gridAt(ringCentroid(full))!, { kind, level: i === 0 ? 'secondary_a' : 'secondary', beds }, [entrance]));
    placer.addBlock([full]);
    if (i < 2) dedicated.push({ name: name + '专属网格', ring: full });
  });
  // township health centres at each seat, community health service centres in town
  for (const t of county.townships) {
    if (t.kind === 'street') continue;
    const p = placer.pointNear(rng, t.seat, 700, { campus: 30 });
    if (!p) throw new Error('no room for health centre');
    sites.push(pointSite('hospital', `${t.name}卫生院`, p, placer.gridAt(p)!, { kind: 'township_health_centre', beds: rng.int(20, 90) }, [p]));
  }
  for (const t of county.townships.filter((x) => x.kind === 'street')) {
    const g = pickGrid(rng, seatGrids.filter((x) => x.village.township === t));
    const p = placer.pointInGrid(rng, g, { campus: 30 });
    if (!p) continue;
    sites.push(pointSite('hospital', `${t.name}社区卫生服务中心`, p, g, { kind: 'community_health_centre', beds: rng.int(0, 30) }, [p]));
  }
  // village clinics (村卫生室), one per village; private clinics in town
  for (const v of county.villages.filter((x) => x.kind === 'village')) {
    const g = pickGrid(rng, v.grids);
    const p = placer.pointInGrid(rng, g, { campus: 20 });
    if (!p) continue;
    sites.push(pointSite('hospital', `${v.name}卫生室`, p, g, { kind: 'village_clinic', doctors: rng.int(1, 3) }, [p]));
  }
  const clinicNames = new Set<string>();
  for (let i = 0; i < 45; i++) {
    const g = pickGrid(rng, rng.chance(0.7) ? seatGrids : gridsWhere(county, isTownGrid));
    const p = placer.pointInGrid(rng, g, { campus: 20 });
    if (!p) continue;
    let name = '';
    do name = `${surname(rng)}${rng.pick(['氏', '', '记'])}${rng.pick(['诊所', '中医诊所', '口腔诊所', '内科诊所', '中西医结合诊所'])}`;
    while (clinicNames.has(name));
    clinicNames.add(name);
    sites.push(pointSite('hospital', name, p, g, { kind: 'clinic', doctors: rng.int(1, 4) }, [p]));
  }

  // enterprise parks, the bus station and the scenic area around the reservoir (dedicated grids only)
  const fringe = gridsWhere(county, (g) => g.village.township.kind === 'street' && g.village.kind === 'village');
  const inFringe = () => placer.pointInGrid(rng, rng.pick(fringe), { edge: 0, water: 0, river: 0, campus: 0, block: 0 }, 10);
  const park = placeIrregular(rng, placer, inFringe, 950, 600);
  if (!park) throw new Error('no room for the industrial park');
  dedicated.push({ name: `${COUNTY_NAME}产业集聚区专属网格`, ring: park });
  const logistics = placeIrregular(rng, placer, inFringe, 480, 330);
  if (!logistics) throw new Error('no room for the logistics park');
  dedicated.push({ name: `${COUNTY_NAME}商贸物流园专属网格`, ring: logistics });
  const station = placePolygon(rng, placer, inSeat, 190, 140, { campus: 60, water: 20, river: 20, block: 100 });
  if (!station) throw new Error('no room for the bus station');
  dedicated.push({ name: `${COUNTY_NAME}汽车客运站专属网格`, ring: station });
  placer.addBlock([station]);
  dedicated.push({ name: '龙潭湖风景区专属网格', ring: scenicRing(reservoir, county) });
  return { sites, dedicated };
}

/** A blobby polygon (enterprise park); it may overlap comprehensive grids but not campuses or waters. */
function placeIrregular(rng: Rng, placer: Placer, centre: () => XY | null, a: number, b: number): XY[] | null {
  for (let i = 0; i < 300; i++) {
    const c = centre();
    if (!c) continue;
    const ring = blob(rng, c, a, b, rng.float(0, Math.PI), 14, 0.12);
    if (!ringIsSimple(ring) || ringArea(ring) <= 0) continue;
    if (placer.polygonFree(ring, { campus: 80, water: 40, river: 40, block: 80 })) return ring;
  }
  return null;
}

/** The reservoir pushed outwards by ~350 m, clipped radially so that it stays inside the county. */
function scenicRing(reservoir: XY[], county: CountyModel): XY[] {
  const c = ringCentroid(reservoir);
  const out: XY[] = [];
  for (let i = 0; i < reservoir.length; i += 2) {
    const p = reservoir[i];
    const d = dist(p, c);
    let k = (d + 350) / d;
    while (k > 1 && !county.gridIndex.locate([c[0] + (p[0] - c[0]) * k, c[1] + (p[1] - c[1]) * k])) k -= 0.05;
    out.push(snapXY([c[0] + (p[0] - c[0]) * k, c[1] + (p[1] - c[1]) * k]));
  }
  if (!ringIsSimple(out) || ringArea(out) <= 0) throw new Error('scenic area ring invalid');
  return out;
}

// ------------------------------------------------------------------------------------------ venues

const VENUE_PLAN: [Category, number, number, number][] = [
  // category, in the county seat, in township seats, in villages
  ['internet_cafe', 18, 8, 0],
  ['entertainment', 10, 4, 0],
  ['game_hall', 8, 3, 0],
  ['bar', 12, 2, 0],
  ['tobacco', 58, 40, 42],
  ['lottery', 48, 24, 8],
  ['hotel', 42, 16, 0],
];

/** Regular venues: never within 250 m of a school or kindergarten (260 m planar margin). */
export function buildVenues(rng: Rng, county: CountyModel, placer: Placer, namer: VenueNamer): Site[] {
  const sites: Site[] = [];
  const seat = gridsWhere(county, isSeatGrid);
  const town = gridsWhere(county, (g) => isTownGrid(g) || (isVillageGrid(g) && g.village.township.kind === 'street'));
  const village = gridsWhere(county, (g) => isVillageGrid(g) && g.village.township.kind !== 'street');
  for (const [category, nSeat, nTown, nVillage] of VENUE_PLAN) {
    const opts: FreeOptions = category === 'hotel' ? { campus: 30, point: 15 } : { campus: 262, point: 15 };
    const batches: [GridRec[], number][] = [
      [seat, nSeat],
      [town, nTown],
      [village, nVillage],
    ];
    for (const [grids, n] of batches) {
      let placed = 0;
      for (let attempt = 0; placed < n && attempt < n * 200; attempt++) {
        const g = pickGrid(rng, grids);
        const p = placer.pointInGrid(rng, g, opts, 30);
        if (!p) continue;
        const { name, attrs } = namer.venue(category, g);
        if (rng.chance(category === 'tobacco' || category === 'lottery' ? 0.05 : 0.3)) {
          // a small building footprint with the door on its front wall
          const w = rng.float(12, 30);
          const h = rng.float(10, 22);
          const rect = rectangle(p, w, h, rng.float(0, Math.PI)).map(snapXY);
          const door = snapXY([(rect[0][0] + rect[1][0]) / 2, (rect[0][1] + rect[1][1]) / 2]);
          const ring = [rect[0], door, rect[1], rect[2], rect[3]];
          if (ring.every((q) => placer.free(q, { ...opts, point: 0, edge: 0.5 })) && ringArea(ring) > 0) {
            sites.push(polygonSite(category, name, ring, placer.gridAt(p)!, attrs, [door]));
            placer.addPoint(p);
            placed++;
            continue;
          }
        }
        sites.push(pointSite(category, name, p, g, attrs, [p]));
        placer.addPoint(p);
        placed++;
      }
      if (placed < n) throw new Error(`placed only ${placed}/${n} ${category}`);
    }
  }
  return sites;
}

// ---------------------------------------------------------------------------------- public safety

const CAMERA_TYPES = ['bullet', 'dome', 'ptz', 'face', 'plate'];

export function buildSafety(rng: Rng, county: CountyModel, placer: Placer, schools: School[]): Site[] {
  const sites: Site[] = [];
  const seat = gridsWhere(county, isSeatGrid);
  const town = gridsWhere(county, isTownGrid);
  const villageGrids = gridsWhere(county, isVillageGrid);
  const dirs = ['东北角', '西北角', '东南角', '西南角', '东侧', '西侧', '南侧', '北侧'];
  const usedCam = new Set<string>();
  const camName = (g: GridRec, near?: string): string => {
    for (let i = 0; i < 100; i++) {
      let n: string;
      if (near) n = `${near}${rng.pick(['正门', '侧门', '门口', '东侧', '西侧'])}${rng.pick(['枪机', '球机', '人脸卡口'])}${rng.int(1, 9)}`;
      else if (g.village.township.kind === 'street') {
        const a = rng.pick(ROADS);
        let b = rng.pick(ROADS);
        while (b === a) b = rng.pick(ROADS);
        n = rng.chance(0.6) ? `${a}与${b}交叉口${rng.pick(dirs)}` : `${a}${rng.int(1, 260)}号${rng.pick(['门前', '路口', '对面'])}`;
      } else if (g.village.kind === 'community') n = `${g.village.township.name.slice(0, -1)}${rng.pick(['大街', '东街', '西街', '南街', '北街'])}${rng.pick(['路口', '中段', '东口', '西口'])}${rng.int(1, 9)}号杆`;
      else n = `${g.village.name}${rng.pick(['村口', '村委会门前', '文化广场', '主街', '桥头', '路口'])}${rng.int(1, 9)}号杆`;
      if (!usedCam.has(n)) {
        usedCam.add(n);
        return n;
      }
    }
    throw new Error('camera names exhausted');
  };
  const camera = (g: GridRec, p: XY, name: string) =>
    sites.push(
      pointSite('camera', name, p, g, {
        direction: rng.int(0, 359),
        type: rng.weighted(CAMERA_TYPES, [5, 3, 2, 1, 1]),
        project: rng.weighted(['雪亮工程', '天网工程', '社会面接入'], [6, 3, 2]),
        online: rng.chance(0.94),
      }),
    );
  // two cameras at most school gates
  for (const s of schools) {
    for (const gate of s.gates.slice(0, 2)) {
      if (!rng.chance(0.8)) continue;
      const p = placer.pointNear(rng, gate, 25, { campus: 3, point: 3 }, 50);
      if (!p) continue;
      camera(placer.gridAt(p)!, p, camName(s.site.grid, s.site.name));
    }
  }
  const spread = (grids: GridRec[], n: number, f: (g: GridRec, p: XY) => void, opts: FreeOptions = { campus: 5, point: 8 }) => {
    let placed = 0;
    for (let attempt = 0; placed < n && attempt < n * 50; attempt++) {
      const g = pickGrid(rng, grids);
      const p = placer.pointInGrid(rng, g, opts, 20);
      if (!p) continue;
      f(g, p);
      placer.addPoint(p);
      placed++;
    }
  };
  const camCount = 1500 - sites.length;
  spread(seat, Math.round(camCount * 0.58), (g, p) => camera(g, p, camName(g)));
  spread(town, Math.round(camCount * 0.17), (g, p) => camera(g, p, camName(g)));
  spread(villageGrids, camCount - Math.round(camCount * 0.58) - Math.round(camCount * 0.17), (g, p) => camera(g, p, camName(g)));

  // police: a station per township, community police rooms, campus police rooms
  for (const t of county.townships) {
    const p = placer.pointNear(rng, t.seat, 600, { campus: 30 });
    if (!p) throw new Error('no room for police station');
    sites.push(pointSite('police_room', `${COUNTY_NAME.slice(0, 4)}县公安局${t.name.replace(/(街道|镇|乡)$/, '')}派出所`, p, placer.gridAt(p)!, { kind: 'station', officers: rng.int(8, 30) }, [p]));
  }
  const communities = rng.sample(county.villages.filter((v) => v.kind === 'community'), 22);
  for (const v of communities) {
    const g = pickGrid(rng, v.grids);
    const p = placer.pointInGrid(rng, g, { campus: 20 });
    if (!p) continue;
    sites.push(pointSite('police_room', `${v.name}警务室`, p, g, { kind: 'community', officers: rng.int(1, 3) }, [p]));
  }
  for (const s of schools.filter((x) => x.stage === 'high' || (x.stage === 'middle' && !x.rural))) {
    const p = placer.pointNear(rng, s.gates[0], 30, { campus: 2 }, 60);
    if (!p) continue;
    sites.push(pointSite('police_room', `${s.site.name}校园警务室`, p, placer.gridAt(p)!, { kind: 'campus', officers: rng.int(1, 2) }, [p]));
  }
  // patrol points: school guard posts (护学岗) at gates, street and village patrol points
  const windows = ['07:00-08:00', '11:30-12:30', '17:00-18:00', '20:00-22:00', '22:00-02:00'];
  const usedPatrol = new Set<string>();
  const patrol = (g: GridRec, p: XY, name: string, kind: string, w: string[]) => {
    let n = name;
    for (let i = 2; usedPatrol.has(n); i++) n = `${name}${i}`;
    usedPatrol.add(n);
    sites.push(pointSite('patrol_point', n, p, g, { kind, windows: w }));
  };
  for (const s of schools) {
    if (s.rural && s.site.grid.village.kind === 'village') continue;
    const p = placer.pointNear(rng, s.gates[0], 30, { campus: 3, point: 3 }, 60);
    if (!p) continue;
    patrol(placer.gridAt(p)!, p, `${s.site.name}护学岗`, 'campus_guard', ['07:00-08:00', '11:30-12:30', '17:00-18:00']);
  }
  spread(seat, 400, (g, p) => patrol(g, p, `${address(rng, g).replace(/\d+号$/, '')}巡逻点`, 'street', rng.sample(windows, rng.int(1, 2)).sort()));
  spread(town, 140, (g, p) => patrol(g, p, `${g.village.name}巡逻点`, 'street', rng.sample(windows, rng.int(1, 2)).sort()));
  spread(villageGrids, 300, (g, p) => patrol(g, p, `${g.village.name}治安巡防点`, 'village', rng.sample(windows, rng.int(1, 2)).sort()));
  return sites;
}

/** Rental housing next to residential points, mostly in town. */
export function buildRentals(rng: Rng, placer: Placer, namer: VenueNamer, households: HouseholdPoint[], phones: PhonePool): Site[] {
  const sites: Site[] = [];
  const pools: [HouseholdPoint[], number][] = [
    [households.filter((h) => isSeatGrid(h.grid)), 1000],
    [households.filter((h) => isTownGrid(h.grid)), 250],
    [households.filter((h) => isVillageGrid(h.grid) && h.grid.village.township.kind === 'street'), 150],
    [households.filter((h) => isVillageGrid(h.grid) && h.grid.village.township.kind !== 'street'), 100],
  ];
  for (const [pool, n] of pools) {
    let placed = 0;
    for (let attempt = 0; placed < n && attempt < n * 40; attempt++) {
      const h = rng.weighted(pool, pool.map((x) => x.households));
      const p = placer.pointNear(rng, h.p, 40, { campus: 10, point: 6 }, 10);
      if (!p || placer.gridAt(p) !== h.grid) continue;
      const { name, attrs } = namer.rental(h.grid, phones.take());
      sites.push(pointSite('rental_housing', name, p, h.grid, attrs));
      placer.addPoint(p);
      placed++;
    }
    if (placed < n) throw new Error(`placed only ${placed}/${n} rentals`);
  }
  return sites;
}

