/**
 * Finding free spots for sites: inside a comprehensive grid (not on its border), away from waters,
 * rivers, school campuses and other footprints.
 */
import type { Rng } from './rng.ts';
import { type XY, type Poly, bboxOf, distPointLine, distPointPoly, distPointPolyBoundary, pointInPoly, snapXY } from './geo.ts';
import type { CountyModel, GridRec } from './hierarchy.ts';
import { BucketIndex } from './spatial.ts';

export interface Footprint {
  poly: Poly;
}

export interface FreeOptions {
  /** min distance from the grid's border (m) */
  edge?: number;
  water?: number;
  river?: number;
  campus?: number;
  block?: number;
  point?: number;
}

const DEFAULTS: Required<FreeOptions> = { edge: 3, water: 10, river: 12, campus: 10, block: 5, point: 0 };

export class Placer {
  private waters = new BucketIndex<Footprint>(400);
  private rivers = new BucketIndex<XY[]>(400);
  private campuses = new BucketIndex<Footprint>(400);
  private blocks = new BucketIndex<Footprint>(400);
  private points = new BucketIndex<XY>(100);

  constructor(readonly county: CountyModel) {}

  addWater(poly: Poly): void {
    this.waters.insert({ poly }, bboxOf(poly[0]));
  }
  addRiver(line: XY[]): void {
    for (let i = 0; i + 1 < line.length; i += 10) {
      const part = line.slice(i, Math.min(line.length, i + 11));
      this.rivers.insert(part, bboxOf(part));
    }
  }
  addCampus(poly: Poly): void {
    this.campuses.insert({ poly }, bboxOf(poly[0]));
  }
  addBlock(poly: Poly): void {
    this.blocks.insert({ poly }, bboxOf(poly[0]));
  }
  addPoint(p: XY): void {
    this.points.insert(p, [p[0], p[1], p[0], p[1]]);
  }

  gridAt(p: XY): GridRec | undefined {
    return this.county.gridIndex.locate(p);
  }

  distWater(p: XY, r: number): number {
    let m = Infinity;
    for (const w of this.waters.near(p, r)) m = Math.min(m, distPointPoly(p, w.poly));
    return m;
  }
  distRiver(p: XY, r: number): number {
    let m = Infinity;
    for (const l of this.rivers.near(p, r)) m = Math.min(m, distPointLine(p, l));
    return m;
  }
  distCampus(p: XY, r: number): number {
    let m = Infinity;
    for (const c of this.campuses.near(p, r)) m = Math.min(m, distPointPoly(p, c.poly));
    return m;
  }
  distBlock(p: XY, r: number): number {
    let m = Infinity;
    for (const c of this.blocks.near(p, r)) m = Math.min(m, distPointPoly(p, c.poly));
    return m;
  }
  distPoint(p: XY, r: number): number {
    let m = Infinity;
    for (const q of this.points.near(p, r)) m = Math.min(m, Math.hypot(p[0] - q[0], p[1] - q[1]));
    return m;
  }

  /** Is p a free spot? Returns its grid or undefined. */
  free(p: XY, opts: FreeOptions = {}): GridRec | undefined {
    const o = { ...DEFAULTS, ...opts };
    const g = this.gridAt(p);
    if (!g) return undefined;
    if (distPointPolyBoundary(p, g.poly) < o.edge) return undefined;
    if (o.water > 0 && this.distWater(p, o.water) < o.water) return undefined;
    if (o.river > 0 && this.distRiver(p, o.river) < o.river) return undefined;
    if (o.campus > 0 && this.distCampus(p, o.campus) < o.campus) return undefined;
    if (o.block > 0 && this.distBlock(p, o.block) < o.block) return undefined;
    if (o.point > 0 && this.distPoint(p, o.point) < o.point) return undefined;
    return g;
  }

  /** A random free point inside grid g (snapped to the output precision), or null. */
  pointInGrid(rng: Rng, g: GridRec, opts: FreeOptions = {}, tries = 200): XY | null {
    const [w, s, e, n] = bboxOf(g.poly[0]);
    for (let i = 0; i < tries; i++) {
      const p = snapXY([rng.float(w, e), rng.float(s, n)]);
      if (!pointInPoly(p, g.poly)) continue;
      if (this.free(p, opts) === g) return p;
    }
    return null;
  }

  /** A random free point within `radius` of centre (gaussian-ish), or null. */
  pointNear(rng: Rng, centre: XY, radius: number, opts: FreeOptions = {}, tries = 200): XY | null {
    for (let i = 0; i < tries; i++) {
      const a = rng.float(0, 2 * Math.PI);
      const r = radius * Math.sqrt(rng.next());
      const p = snapXY([centre[0] + r * Math.cos(a), centre[1] + r * Math.sin(a)]);
      if (this.free(p, opts)) return p;
    }
    return null;
  }

  /** Is the whole polygon inside the county, off waters, rivers, campuses and blocks? */
  polygonFree(ring: XY[], opts: { water?: number; river?: number; campus?: number; block?: number } = {}): boolean {
    const o = { water: 20, river: 25, campus: 30, block: 20, ...opts };
    // sample the ring densely
    const pts: XY[] = [];
    for (let i = 0; i < ring.length; i++) {
      const a = ring[i];
      const b = ring[(i + 1) % ring.length];
      const len = Math.hypot(b[0] - a[0], b[1] - a[1]);
      const k = Math.max(1, Math.ceil(len / 15));
      for (let j = 0; j < k; j++) pts.push([a[0] + ((b[0] - a[0]) * j) / k, a[1] + ((b[1] - a[1]) * j) / k]);
    }
    let cx = 0;
    let cy = 0;
    for (const p of ring) {
      cx += p[0];
      cy += p[1];
    }
    pts.push([cx / ring.length, cy / ring.length]);
    for (const p of pts) {
      if (!this.gridAt(p)) return false;
      if (distPointPolyBoundary(p, this.county.poly) < 30) return false;
      if (o.water > 0 && this.distWater(p, o.water) < o.water) return false;
      if (o.river > 0 && this.distRiver(p, o.river) < o.river) return false;
      if (o.campus > 0 && this.distCampus(p, o.campus) < o.campus) return false;
      if (o.block > 0 && this.distBlock(p, o.block) < o.block) return false;
    }
    // nothing of the existing footprints may lie inside the new ring either
    const [w, s, e, n] = bboxOf(ring);
    const poly: Poly = [ring];
    const box: [number, number, number, number] = [w, s, e, n];
    for (const f of [...this.waters.query(box), ...this.campuses.query(box), ...this.blocks.query(box)])
      if (f.poly[0].some((q) => pointInPoly(q, poly))) return false;
    for (const l of this.rivers.query(box)) if (l.some((q) => pointInPoly(q, poly))) return false;
    return true;
  }
}
