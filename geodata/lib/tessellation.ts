/**
 * The finest level: a Voronoi tessellation of Poisson-disc seeds with variable density, turned into a
 * planar mesh with shared vertex ids. Every Voronoi edge is subdivided and jittered once, so both cells
 * on either side of it use exactly the same vertices (no gaps, no overlaps, no T-junctions). Parents
 * are dissolved from their children's rings by dropping interior edges, so they share vertices too.
 */
import { Delaunay } from 'd3-delaunay';
import type { Rng } from './rng.ts';
import { type XY, type LonLat, dist, ringArea, ringIsSimple, segmentsIntersect, toLonLat, toXY, pointInRing } from './geo.ts';

export type Box = [number, number, number, number];

/** Bridson Poisson-disc sampling with a spatially varying radius rFn (metres). */
export function poissonDisc(rng: Rng, box: Box, rFn: (p: XY) => number, rMin: number, rMax: number): XY[] {
  const [x0, y0, x1, y1] = box;
  const cs = rMin;
  const nx = Math.ceil((x1 - x0) / cs);
  const ny = Math.ceil((y1 - y0) / cs);
  const buckets: number[][] = Array.from({ length: nx * ny }, () => []);
  const pts: XY[] = [];
  const radius: number[] = [];
  const reach = Math.ceil(rMax / cs);
  const bucketOf = (p: XY) => Math.floor((p[0] - x0) / cs) + nx * Math.floor((p[1] - y0) / cs);
  const fits = (p: XY, r: number): boolean => {
    if (p[0] < x0 || p[0] >= x1 || p[1] < y0 || p[1] >= y1) return false;
    const bx = Math.floor((p[0] - x0) / cs);
    const by = Math.floor((p[1] - y0) / cs);
    for (let j = Math.max(0, by - reach); j <= Math.min(ny - 1, by + reach); j++) {
      for (let i = Math.max(0, bx - reach); i <= Math.min(nx - 1, bx + reach); i++) {
        for (const q of buckets[i + nx * j]) {
          const need = Math.max(r, radius[q]);
          if (dist(p, pts[q]) < need) return false;
        }
      }
    }
    return true;
  };
  const add = (p: XY, r: number) => {
    pts.push(p);
    radius.push(r);
    buckets[bucketOf(p)].push(pts.length - 1);
  };
  const start: XY = [(x0 + x1) / 2, (y0 + y1) / 2];
  add(start, rFn(start));
  const active = [0];
  while (active.length > 0) {
    const k = Math.floor(rng.next() * active.length);
    const i = active[k];
    const p = pts[i];
    const r = radius[i];
    let found = false;
    for (let attempt = 0; attempt < 30; attempt++) {
      const a = rng.next() * 2 * Math.PI;
      const d = r * (1 + rng.next());
      const c: XY = [p[0] + d * Math.cos(a), p[1] + d * Math.sin(a)];
      const rc = rFn(c);
      if (fits(c, rc)) {
        add(c, rc);
        active.push(pts.length - 1);
        found = true;
        break;
      }
    }
    if (!found) {
      active[k] = active[active.length - 1];
      active.pop();
    }
  }
  return pts;
}

/** Voronoi cells as rings of triangle (= Voronoi vertex) ids. Hull cells (unbounded) are null. */
export interface Voronoi {
  seeds: XY[];
  /** Voronoi vertex positions, indexed by Delaunay triangle id */
  verts: XY[];
  /** CCW ring of vertex ids per cell, or null for unbounded cells */
  rings: (number[] | null)[];
  /** cells sharing an edge, per cell */
  neighbors: number[][];
}

function voronoiOnce(seeds: XY[]): Voronoi {
  const d = Delaunay.from(seeds);
  const { triangles, halfedges, inedges } = d;
  const nt = triangles.length / 3;
  const verts: XY[] = new Array(nt);
  for (let t = 0; t < nt; t++) {
    const a = seeds[triangles[3 * t]];
    const b = seeds[triangles[3 * t + 1]];
    const c = seeds[triangles[3 * t + 2]];
    const dx = b[0] - a[0];
    const dy = b[1] - a[1];
    const ex = c[0] - a[0];
    const ey = c[1] - a[1];
    const bl = dx * dx + dy * dy;
    const cl = ex * ex + ey * ey;
    const ab = 2 * (dx * ey - dy * ex);
    verts[t] = [a[0] + (ey * bl - dy * cl) / ab, a[1] + (dx * cl - ex * bl) / ab];
  }
  const rings: (number[] | null)[] = [];
  const edgeCell = new Map<string, number>();
  for (let i = 0; i < seeds.length; i++) {
    const e0 = inedges[i];
    if (e0 === -1) {
      rings.push(null);
      continue;
    }
    const ring: number[] = [];
    let e = e0;
    let closed = false;
    for (;;) {
      ring.push(Math.floor(e / 3));
      e = e % 3 === 2 ? e - 2 : e + 1;
      if (triangles[e] !== i) break;
      e = halfedges[e];
      if (e === -1) break;
      if (e === e0) {
        closed = true;
        break;
      }
    }
    if (!closed) {
      rings.push(null);
      continue;
    }
    if (ringArea(ring.map((t) => verts[t])) < 0) ring.reverse();
    rings.push(ring);
    for (let k = 0; k < ring.length; k++) edgeCell.set(ring[k] + ',' + ring[(k + 1) % ring.length], i);
  }
  const neighbors: number[][] = rings.map((ring) => {
    if (!ring) return [];
    const out: number[] = [];
    for (let k = 0; k < ring.length; k++) {
      const j = edgeCell.get(ring[(k + 1) % ring.length] + ',' + ring[k]);
      if (j !== undefined) out.push(j);
    }
    return out;
  });
  return { seeds, verts, rings, neighbors };
}

/**
 * Voronoi diagram whose bounded cells have no edge shorter than minEdge metres: seeds of cells with a
 * short edge (near-cocircular seeds) are nudged and the diagram recomputed.
 */
export function voronoi(rng: Rng, seedsIn: XY[], minEdge: number, relevant: (p: XY) => boolean): Voronoi {
  const seeds = seedsIn.map((p) => [p[0], p[1]] as XY);
  for (let iter = 0; iter < 100; iter++) {
    const v = voronoiOnce(seeds);
    let nudged = 0;
    for (let i = 0; i < seeds.length; i++) {
      const ring = v.rings[i];
      if (!ring || !relevant(seeds[i])) continue;
      for (let k = 0; k < ring.length; k++) {
        if (dist(v.verts[ring[k]], v.verts[ring[(k + 1) % ring.length]]) < minEdge) {
          const a = rng.next() * 2 * Math.PI;
          seeds[i] = [seeds[i][0] + 15 * Math.cos(a), seeds[i][1] + 15 * Math.sin(a)];
          nudged++;
          break;
        }
      }
    }
    if (nudged === 0) return v;
  }
  throw new Error('could not remove short Voronoi edges');
}

/** Planar mesh over the selected cells: shared vertices, rounded lon/lat. */
export interface Mesh {
  /** metric image of each rounded vertex */
  xy: XY[];
  ll: LonLat[];
  /** open CCW ring of mesh vertex ids per selected cell */
  rings: Map<number, number[]>;
}

interface EdgeInfo {
  a: number; // base vertex (smaller id)
  b: number;
  inner: number[]; // mesh ids of intermediate vertices, from a to b
  amp: number;
  f1: number;
  f2: number;
  p1: number;
  p2: number;
}

/**
 * Subdivide and jitter every edge of the selected cells once, round all vertices, and straighten any
 * edge whose jitter makes segments touch (checked globally) until the mesh is clean.
 */
export function buildMesh(
  rng: Rng,
  vor: Voronoi,
  selected: Set<number>,
  spacing: (mid: XY) => number,
  amplitude: (mid: XY, onOutline: boolean) => number,
): Mesh {
  const xy: XY[] = [];
  const ll: LonLat[] = [];
  const baseId = new Map<number, number>();
  const newVertex = (p: XY): number => {
    const l = toLonLat(p);
    ll.push(l);
    xy.push(toXY(l));
    return xy.length - 1;
  };
  const setVertex = (id: number, p: XY) => {
    const l = toLonLat(p);
    ll[id] = l;
    xy[id] = toXY(l);
  };
  const vid = (t: number): number => {
    let id = baseId.get(t);
    if (id === undefined) {
      id = newVertex(vor.verts[t]);
      baseId.set(t, id);
    }
    return id;
  };
  const edges = new Map<string, EdgeInfo>();
  const cellOfEdge = new Map<string, number>();
  const cells = [...selected].sort((p, q) => p - q);
  for (const c of cells) {
    const ring = vor.rings[c]!;
    for (let k = 0; k < ring.length; k++) cellOfEdge.set(ring[k] + ',' + ring[(k + 1) % ring.length], c);
  }
  const place = (e: EdgeInfo) => {
    const A = vor.verts[e.a];
    const B = vor.verts[e.b];
    const L = dist(A, B);
    const nxv = -(B[1] - A[1]) / L;
    const nyv = (B[0] - A[0]) / L;
    const k = e.inner.length + 1;
    for (let i = 1; i < k; i++) {
      const t = i / k;
      const env = Math.pow(4 * t * (1 - t), 1.3);
      const noise = 0.65 * Math.sin(2 * Math.PI * e.f1 * t + e.p1) + 0.35 * Math.sin(2 * Math.PI * e.f2 * t + e.p2);
      const off = e.amp * L * env * noise;
      setVertex(e.inner[i - 1], [A[0] + (B[0] - A[0]) * t + nxv * off, A[1] + (B[1] - A[1]) * t + nyv * off]);
    }
  };
  for (const c of cells) {
    const ring = vor.rings[c]!;
    for (let k = 0; k < ring.length; k++) {
      const t1 = ring[k];
      const t2 = ring[(k + 1) % ring.length];
      const a = Math.min(t1, t2);
      const b = Math.max(t1, t2);
      const key = a + ',' + b;
      if (edges.has(key)) continue;
      vid(a);
      vid(b);
      const A = vor.verts[a];
      const B = vor.verts[b];
      const mid: XY = [(A[0] + B[0]) / 2, (A[1] + B[1]) / 2];
      const L = dist(A, B);
      const n = Math.max(1, Math.round(L / spacing(mid)));
      const other = cellOfEdge.get(t2 + ',' + t1);
      const onOutline = other === undefined;
      const e: EdgeInfo = {
        a,
        b,
        inner: [],
        amp: amplitude(mid, onOutline),
        f1: rng.float(0.5, 1.2),
        f2: rng.float(1.5, 3),
        p1: rng.float(0, 2 * Math.PI),
        p2: rng.float(0, 2 * Math.PI),
      };
      for (let i = 1; i < n; i++) e.inner.push(newVertex(A));
      place(e);
      edges.set(key, e);
    }
  }
  const ringOf = (c: number): number[] => {
    const ring = vor.rings[c]!;
    const out: number[] = [];
    for (let k = 0; k < ring.length; k++) {
      const t1 = ring[k];
      const t2 = ring[(k + 1) % ring.length];
      const e = edges.get(Math.min(t1, t2) + ',' + Math.max(t1, t2))!;
      out.push(vid(t1));
      if (t1 === e.a) out.push(...e.inner);
      else for (let i = e.inner.length - 1; i >= 0; i--) out.push(e.inner[i]);
    }
    return out;
  };

  // straighten edges until no two segments of different edges touch except at shared vertices
  for (let round = 0; round < 20; round++) {
    const bad = findCrossingEdges(xy, edges, vid);
    for (const c of cells) {
      const r = ringOf(c);
      if (!ringIsSimple(r.map((i) => xy[i])) || ringArea(r.map((i) => xy[i])) <= 0) {
        const ring = vor.rings[c]!;
        for (let k = 0; k < ring.length; k++) {
          const t1 = ring[k];
          const t2 = ring[(k + 1) % ring.length];
          bad.add(Math.min(t1, t2) + ',' + Math.max(t1, t2));
        }
      }
    }
    let changed = 0;
    for (const key of bad) {
      const e = edges.get(key)!;
      if (e.amp !== 0) {
        e.amp = 0;
        place(e);
        changed++;
      }
    }
    if (bad.size === 0) break;
    if (changed === 0) throw new Error('mesh has crossing straight edges');
  }
  const rings = new Map<number, number[]>();
  for (const c of cells) rings.set(c, ringOf(c));
  return { xy, ll, rings };
}

function findCrossingEdges(xy: XY[], edges: Map<string, EdgeInfo>, vid: (t: number) => number): Set<string> {
  type Seg = { p: number; q: number; edge: string };
  const segs: Seg[] = [];
  for (const [key, e] of edges) {
    const chain = [vid(e.a), ...e.inner, vid(e.b)];
    for (let i = 0; i + 1 < chain.length; i++) segs.push({ p: chain[i], q: chain[i + 1], edge: key });
  }
  const cs = 150;
  const grid = new Map<string, number[]>();
  segs.forEach((s, idx) => {
    const a = xy[s.p];
    const b = xy[s.q];
    for (let gx = Math.floor(Math.min(a[0], b[0]) / cs); gx <= Math.floor(Math.max(a[0], b[0]) / cs); gx++)
      for (let gy = Math.floor(Math.min(a[1], b[1]) / cs); gy <= Math.floor(Math.max(a[1], b[1]) / cs); gy++) {
        const k = gx + ',' + gy;
        let l = grid.get(k);
        if (!l) grid.set(k, (l = []));
        l.push(idx);
      }
  });
  const bad = new Set<string>();
  for (const list of grid.values()) {
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) {
        const s = segs[list[i]];
        const t = segs[list[j]];
        const shared = s.p === t.p || s.p === t.q || s.q === t.p || s.q === t.q;
        if (shared) {
          // sharing a vertex is fine unless the two segments overlap collinearly
          const v = s.p === t.p || s.p === t.q ? s.p : s.q;
          const a = s.p === v ? s.q : s.p;
          const b = t.p === v ? t.q : t.p;
          const o = xy;
          const cross = (o[a][0] - o[v][0]) * (o[b][1] - o[v][1]) - (o[a][1] - o[v][1]) * (o[b][0] - o[v][0]);
          const dot = (o[a][0] - o[v][0]) * (o[b][0] - o[v][0]) + (o[a][1] - o[v][1]) * (o[b][1] - o[v][1]);
          if (cross === 0 && dot > 0) {
            bad.add(s.edge);
            bad.add(t.edge);
          }
          continue;
        }
        if (segmentsIntersect(xy[s.p], xy[s.q], xy[t.p], xy[t.q])) {
          bad.add(s.edge);
          bad.add(t.edge);
        }
      }
    }
  }
  return bad;
}

/**
 * Dissolve a set of cells: keep the directed edges whose reverse is not in the set and link them into
 * rings. Returns polygons as [outer, ...holes] of mesh vertex ids (outer CCW, holes CW, open rings).
 */
export function dissolve(mesh: Mesh, cells: Iterable<number>): number[][][] {
  const directed = new Set<string>();
  const list: [number, number][] = [];
  for (const c of cells) {
    const r = mesh.rings.get(c);
    if (!r) throw new Error('cell not in mesh: ' + c);
    for (let k = 0; k < r.length; k++) {
      const a = r[k];
      const b = r[(k + 1) % r.length];
      directed.add(a + ',' + b);
      list.push([a, b]);
    }
  }
  const next = new Map<number, number>();
  for (const [a, b] of list) {
    if (directed.has(b + ',' + a)) continue;
    if (next.has(a)) throw new Error('region boundary touches itself at a vertex');
    next.set(a, b);
  }
  const rings: number[][] = [];
  const seen = new Set<number>();
  const starts = [...next.keys()].sort((p, q) => p - q);
  for (const s of starts) {
    if (seen.has(s)) continue;
    const ring: number[] = [];
    let v = s;
    do {
      seen.add(v);
      ring.push(v);
      v = next.get(v)!;
    } while (v !== s);
    rings.push(ring);
  }
  const outers: number[][] = [];
  const holes: number[][] = [];
  for (const r of rings) (ringArea(r.map((i) => mesh.xy[i])) > 0 ? outers : holes).push(r);
  const polys: number[][][] = outers.map((o) => [o]);
  for (const h of holes) {
    const p = mesh.xy[h[0]];
    const owner = polys.find((pl) => pointInRing(p, pl[0].map((i) => mesh.xy[i])));
    if (!owner) throw new Error('hole without outer ring');
    owner.push(h);
  }
  // deterministic order: biggest polygon first
  polys.sort((a, b) => ringArea(b[0].map((i) => mesh.xy[i])) - ringArea(a[0].map((i) => mesh.xy[i])));
  return polys;
}
