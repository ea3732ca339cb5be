/**
 * Coordinates and geometry helpers.
 *
 * The generator works in a local metric plane (x east, y north, metres) around the county centre and
 * converts to WGS84 lon/lat rounded to 1e-7°. Planar predicates (containment, intersections) are
 * evaluated on the metric image of the *rounded* lon/lat, which is an affine map of it, so they give the
 * same answers as PostGIS's planar geometry functions on the output. Legal distances are geodesic on
 * the WGS84 ellipsoid (geographiclib).
 */
import GL from 'geographiclib-geodesic';
import type * as GLT from 'geographiclib-geodesic';

const { Geodesic } = GL as unknown as typeof GLT;
export const WGS84 = Geodesic.WGS84;

export type XY = [number, number];
export type LonLat = [number, number];

export const LON0 = 113.2;
export const LAT0 = 33.95;

const A = 6378137;
const F = 1 / 298.257223563;
const E2 = F * (2 - F);
const PHI0 = (LAT0 * Math.PI) / 180;
const W = Math.sqrt(1 - E2 * Math.sin(PHI0) ** 2);
/** metres per degree of longitude / latitude at LAT0 */
export const KX = ((A / W) * Math.cos(PHI0) * Math.PI) / 180;
export const KY = (((A * (1 - E2)) / W ** 3) * Math.PI) / 180;

/** Round to 7 decimals (about 1 cm). */
export function r7(v: number): number {
  const r = Math.round(v * 1e7) / 1e7;
  return r === 0 ? 0 : r;
}

export function round(v: number, digits: number): number {
  const f = 10 ** digits;
  const r = Math.round(v * f) / f;
  return r === 0 ? 0 : r;
}

/** metric → rounded lon/lat */
export function toLonLat(p: XY): LonLat {
  return [r7(LON0 + p[0] / KX), r7(LAT0 + p[1] / KY)];
}

/** lon/lat → metric (exact affine image) */
export function toXY(ll: LonLat): XY {
  return [(ll[0] - LON0) * KX, (ll[1] - LAT0) * KY];
}

/** Snap a metric point to the metric image of its rounded lon/lat. */
export function snapXY(p: XY): XY {
  return toXY(toLonLat(p));
}

// ---------------------------------------------------------------- planar geometry (metres)

export function dist(a: XY, b: XY): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1]);
}

/** Signed area of an open ring (positive = counter-clockwise). */
export function ringArea(ring: XY[]): number {
  let s = 0;
  for (let i = 0, n = ring.length; i < n; i++) {
    const a = ring[i];
    const b = ring[(i + 1) % n];
    s += a[0] * b[1] - b[0] * a[1];
  }
  return s / 2;
}

/** Area centroid of an open ring. */
export function ringCentroid(ring: XY[]): XY {
  let cx = 0;
  let cy = 0;
  let s = 0;
  const o = ring[0];
  for (let i = 0, n = ring.length; i < n; i++) {
    const a = ring[i];
    const b = ring[(i + 1) % n];
    const ax = a[0] - o[0];
    const ay = a[1] - o[1];
    const bx = b[0] - o[0];
    const by = b[1] - o[1];
    const c = ax * by - bx * ay;
    s += c;
    cx += (ax + bx) * c;
    cy += (ay + by) * c;
  }
  return [o[0] + cx / (3 * s), o[1] + cy / (3 * s)];
}

/** Even–odd point in open ring. */
export function pointInRing(p: XY, ring: XY[]): boolean {
  let inside = false;
  const [x, y] = p;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const xi = ring[i][0];
    const yi = ring[i][1];
    const xj = ring[j][0];
    const yj = ring[j][1];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Polygon = [outer, ...holes] (open rings). */
export type Poly = XY[][];

export function pointInPoly(p: XY, poly: Poly): boolean {
  if (!pointInRing(p, poly[0])) return false;
  for (let i = 1; i < poly.length; i++) if (pointInRing(p, poly[i])) return false;
  return true;
}

export function distPointSeg(p: XY, a: XY, b: XY): number {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const l2 = dx * dx + dy * dy;
  let t = l2 === 0 ? 0 : ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / l2;
  t = Math.max(0, Math.min(1, t));
  return Math.hypot(p[0] - (a[0] + t * dx), p[1] - (a[1] + t * dy));
}

export function distPointRing(p: XY, ring: XY[]): number {
  let m = Infinity;
  for (let i = 0, n = ring.length; i < n; i++) {
    const d = distPointSeg(p, ring[i], ring[(i + 1) % n]);
    if (d < m) m = d;
  }
  return m;
}

export function distPointPolyBoundary(p: XY, poly: Poly): number {
  let m = Infinity;
  for (const r of poly) m = Math.min(m, distPointRing(p, r));
  return m;
}

/** Distance from point to polygon area (0 inside). */
export function distPointPoly(p: XY, poly: Poly): number {
  return pointInPoly(p, poly) ? 0 : distPointPolyBoundary(p, poly);
}

export function distPointLine(p: XY, line: XY[]): number {
  let m = Infinity;
  for (let i = 0; i + 1 < line.length; i++) m = Math.min(m, distPointSeg(p, line[i], line[i + 1]));
  return m;
}

export function orient(a: XY, b: XY, c: XY): number {
  return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
}

function onSeg(a: XY, b: XY, p: XY): boolean {
  return (
    Math.min(a[0], b[0]) <= p[0] &&
    p[0] <= Math.max(a[0], b[0]) &&
    Math.min(a[1], b[1]) <= p[1] &&
    p[1] <= Math.max(a[1], b[1])
  );
}

/** Closed-segment intersection test (touching counts). */
export function segmentsIntersect(a: XY, b: XY, c: XY, d: XY): boolean {
  const o1 = orient(a, b, c);
  const o2 = orient(a, b, d);
  const o3 = orient(c, d, a);
  const o4 = orient(c, d, b);
  if (((o1 > 0 && o2 < 0) || (o1 < 0 && o2 > 0)) && ((o3 > 0 && o4 < 0) || (o3 < 0 && o4 > 0))) return true;
  if (o1 === 0 && onSeg(a, b, c)) return true;
  if (o2 === 0 && onSeg(a, b, d)) return true;
  if (o3 === 0 && onSeg(c, d, a)) return true;
  if (o4 === 0 && onSeg(c, d, b)) return true;
  return false;
}

/** True if the open ring is simple (no two non-adjacent edges touch, no repeated vertex). */
export function ringIsSimple(ring: XY[]): boolean {
  const n = ring.length;
  if (n < 3) return false;
  for (let i = 0; i < n; i++) {
    const a = ring[i];
    const b = ring[(i + 1) % n];
    if (a[0] === b[0] && a[1] === b[1]) return false;
    for (let j = i + 1; j < n; j++) {
      const adjacent = j === i + 1 || (i === 0 && j === n - 1);
      const c = ring[j];
      const d = ring[(j + 1) % n];
      if (adjacent) {
        // adjacent edges share one vertex; they must not fold back onto each other
        const shared = j === i + 1 ? b : a;
        const p = j === i + 1 ? a : b;
        const q = j === i + 1 ? d : c;
        if (orient(p, shared, q) === 0 && (q[0] - shared[0]) * (p[0] - shared[0]) + (q[1] - shared[1]) * (p[1] - shared[1]) > 0)
          return false;
        continue;
      }
      if (segmentsIntersect(a, b, c, d)) return false;
    }
  }
  return true;
}

export function bboxOf(points: XY[]): [number, number, number, number] {
  let w = Infinity;
  let s = Infinity;
  let e = -Infinity;
  let n = -Infinity;
  for (const [x, y] of points) {
    if (x < w) w = x;
    if (y < s) s = y;
    if (x > e) e = x;
    if (y > n) n = y;
  }
  return [w, s, e, n];
}

/** Open ring (metric) → closed ring of rounded lon/lat. */
export function ringToLonLat(ring: XY[]): LonLat[] {
  const out = ring.map(toLonLat);
  out.push(out[0]);
  return out;
}

/** Rectangle centred at c, size w×h metres, rotated by `angle` radians, CCW, open ring. */
export function rectangle(c: XY, w: number, h: number, angle: number): XY[] {
  const ca = Math.cos(angle);
  const sa = Math.sin(angle);
  const corners: XY[] = [
    [-w / 2, -h / 2],
    [w / 2, -h / 2],
    [w / 2, h / 2],
    [-w / 2, h / 2],
  ];
  return corners.map(([x, y]) => [c[0] + x * ca - y * sa, c[1] + x * sa + y * ca]);
}

// ---------------------------------------------------------------- geodesic (WGS84, metres)

export function geoDist(a: LonLat, b: LonLat): number {
  return WGS84.Inverse(a[1], a[0], b[1], b[0]).s12 as number;
}

/**
 * Geodesic distance from point p to the geodesic segment a–b (golden-section search along the
 * segment; the distance is unimodal along a short geodesic).
 */
export function geoDistPointSeg(p: LonLat, a: LonLat, b: LonLat): number {
  const line = WGS84.InverseLine(a[1], a[0], b[1], b[0]);
  const len = line.s13 as unknown as number;
  const f = (s: number): number => {
    const q = line.Position(s);
    return WGS84.Inverse(p[1], p[0], q.lat2 as number, q.lon2 as number).s12 as number;
  };
  let lo = 0;
  let hi = len;
  const g = (Math.sqrt(5) - 1) / 2;
  let x1 = hi - g * (hi - lo);
  let x2 = lo + g * (hi - lo);
  let f1 = f(x1);
  let f2 = f(x2);
  for (let i = 0; i < 60 && hi - lo > 1e-5; i++) {
    if (f1 < f2) {
      hi = x2;
      x2 = x1;
      f2 = f1;
      x1 = hi - g * (hi - lo);
      f1 = f(x1);
    } else {
      lo = x1;
      x1 = x2;
      f1 = f2;
      x2 = lo + g * (hi - lo);
      f2 = f(x2);
    }
  }
  return Math.min(f1, f2, f(0), f(len));
}

/** Geodesic distance from a point to a closed lon/lat ring's boundary. */
export function geoDistPointRing(p: LonLat, ring: LonLat[]): number {
  // pre-select candidate segments with the planar metric (good to well under 1 %)
  const pxy = toXY(p);
  const xy = ring.map(toXY);
  const planar: number[] = [];
  let best = Infinity;
  for (let i = 0; i + 1 < xy.length; i++) {
    const d = distPointSeg(pxy, xy[i], xy[i + 1]);
    planar.push(d);
    if (d < best) best = d;
  }
  let m = Infinity;
  for (let i = 0; i < planar.length; i++) {
    if (planar[i] <= best * 1.01 + 1) m = Math.min(m, geoDistPointSeg(p, ring[i], ring[i + 1]));
  }
  return m;
}

/** Geodesic distance between two disjoint closed lon/lat rings (vertex-to-segment both ways). */
export function geoDistRingRing(r1: LonLat[], r2: LonLat[]): number {
  let m = Infinity;
  for (let i = 0; i + 1 < r1.length; i++) m = Math.min(m, geoDistPointRing(r1[i], r2));
  for (let i = 0; i + 1 < r2.length; i++) m = Math.min(m, geoDistPointRing(r2[i], r1));
  return m;
}

/** Geodesic direct problem: from lon/lat, azimuth (deg clockwise from north), distance (m). */
export function geoDirect(p: LonLat, azi: number, s: number): LonLat {
  const r = WGS84.Direct(p[1], p[0], azi, s);
  return [r.lon2 as number, r.lat2 as number];
}
