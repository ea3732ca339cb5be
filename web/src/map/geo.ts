/**
 * Small, pure geometry helpers for the map: label anchor points and a tint for each grid so that
 * neighbouring grids differ. Coordinates are lon/lat degrees; the areas compared are planar in
 * degrees, which is enough to rank the parts of one feature.
 */
import type { Feature, FeatureCollection, Geometry, Point, Position } from 'geojson';

/** [west, south, east, north] in degrees (the client's box; the server takes it as `w,s,e,n`). */
export type BBox = [number, number, number, number];

/**
 * A geometry as the server's schemas declare it (`{ type, coordinates }`, not yet narrowed to the
 * GeoJSON union), or one of ours: the geometry answers are RFC 7946 GeoJSON, so the web reads them as such.
 */
export type AnyGeometry = Geometry | { type: string; coordinates: unknown[] };
/** A geometry from an answer, read as GeoJSON. */
export const asGeometry = <G extends Geometry = Geometry>(g: AnyGeometry | null | undefined): G | null => (g ?? null) as G | null;
/** `w,s,e,n` as the server's bbox parameter takes it. */
export const bboxParam = (b: BBox) => b.map((n) => n.toFixed(6)).join(',');

type Ring = Position[];

/** Signed planar area of a ring (degrees²; positive when counter-clockwise). */
function ringArea(ring: Ring): number {
  let sum = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    sum += (ring[j][0] - ring[i][0]) * (ring[j][1] + ring[i][1]);
  }
  return sum / 2;
}

function ringCentroid(ring: Ring): Position {
  let a = 0;
  let cx = 0;
  let cy = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const f = ring[j][0] * ring[i][1] - ring[i][0] * ring[j][1];
    a += f;
    cx += (ring[j][0] + ring[i][0]) * f;
    cy += (ring[j][1] + ring[i][1]) * f;
  }
  if (a === 0) return ring[0];
  return [cx / (3 * a), cy / (3 * a)];
}

/** Crossings of the horizontal line y with the polygon's edges (all rings), sorted by x. */
function crossings(rings: Ring[], y: number): number[] {
  const xs: number[] = [];
  for (const ring of rings) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [x1, y1] = ring[j];
      const [x2, y2] = ring[i];
      if (y1 > y !== y2 > y) xs.push(x1 + ((y - y1) * (x2 - x1)) / (y2 - y1));
    }
  }
  return xs.sort((a, b) => a - b);
}

function pointInPolygon(rings: Ring[], p: Position): boolean {
  const xs = crossings(rings, p[1]);
  let inside = false;
  for (const x of xs) if (x < p[0]) inside = !inside;
  return inside;
}

/**
 * A point well inside a polygon for its label: the centroid when it lies inside, otherwise the middle
 * of the widest inside span of a horizontal line through the centroid (or through the middle of the
 * bounding box). Holes are respected.
 */
export function polygonLabelPoint(rings: Ring[]): Position {
  const outer = rings[0];
  const c = ringCentroid(outer);
  if (pointInPolygon(rings, c)) return c;
  let minY = Infinity;
  let maxY = -Infinity;
  for (const [, y] of outer) {
    minY = Math.min(minY, y);
    maxY = Math.max(maxY, y);
  }
  for (const y of [c[1], (minY + maxY) / 2, minY + (maxY - minY) * 0.3, minY + (maxY - minY) * 0.7]) {
    const xs = crossings(rings, y);
    let best: Position | null = null;
    let bestWidth = 0;
    for (let i = 0; i + 1 < xs.length; i += 2) {
      const w = xs[i + 1] - xs[i];
      if (w > bestWidth) {
        bestWidth = w;
        best = [(xs[i] + xs[i + 1]) / 2, y];
      }
    }
    if (best) return best;
  }
  return outer[0];
}

/** Where to put the label or icon of a feature: the largest polygon part, the middle of the longest line. */
export function labelPoint(geometry: Geometry | null): Position | null {
  if (!geometry) return null;
  switch (geometry.type) {
    case 'Point':
      return geometry.coordinates;
    case 'MultiPoint':
      return geometry.coordinates[0] ?? null;
    case 'LineString':
      return lineMiddle(geometry.coordinates);
    case 'MultiLineString': {
      const longest = [...geometry.coordinates].sort((a, b) => lineLength(b) - lineLength(a))[0];
      return longest ? lineMiddle(longest) : null;
    }
    case 'Polygon':
      return geometry.coordinates.length ? polygonLabelPoint(geometry.coordinates) : null;
    case 'MultiPolygon': {
      const largest = [...geometry.coordinates].sort((a, b) => Math.abs(ringArea(b[0])) - Math.abs(ringArea(a[0])))[0];
      return largest ? polygonLabelPoint(largest) : null;
    }
    case 'GeometryCollection':
      return geometry.geometries.length ? labelPoint(geometry.geometries[0]) : null;
  }
}

function lineLength(line: Position[]): number {
  let sum = 0;
  for (let i = 1; i < line.length; i++) sum += Math.hypot(line[i][0] - line[i - 1][0], line[i][1] - line[i - 1][1]);
  return sum;
}

function lineMiddle(line: Position[]): Position | null {
  if (line.length === 0) return null;
  const half = lineLength(line) / 2;
  let run = 0;
  for (let i = 1; i < line.length; i++) {
    const seg = Math.hypot(line[i][0] - line[i - 1][0], line[i][1] - line[i - 1][1]);
    if (run + seg >= half && seg > 0) {
      const f = (half - run) / seg;
      return [line[i - 1][0] + f * (line[i][0] - line[i - 1][0]), line[i - 1][1] + f * (line[i][1] - line[i - 1][1])];
    }
    run += seg;
  }
  return line[0];
}

/** One Point feature per input feature, at its label point, carrying the listed properties. */
export function labelPoints<P extends object>(
  fc: FeatureCollection<Geometry | null, P>,
  pick: (p: P) => Record<string, unknown>,
): FeatureCollection<Point> {
  const features: Feature<Point>[] = [];
  for (const f of fc.features) {
    const at = labelPoint(f.geometry);
    if (at) features.push({ type: 'Feature', geometry: { type: 'Point', coordinates: at }, properties: pick(f.properties) });
  }
  return { type: 'FeatureCollection', features };
}

function forEachPosition(geometry: Geometry | null, fn: (p: Position) => void): void {
  if (!geometry) return;
  switch (geometry.type) {
    case 'Point':
      fn(geometry.coordinates);
      break;
    case 'MultiPoint':
    case 'LineString':
      geometry.coordinates.forEach(fn);
      break;
    case 'MultiLineString':
    case 'Polygon':
      geometry.coordinates.forEach((r) => r.forEach(fn));
      break;
    case 'MultiPolygon':
      geometry.coordinates.forEach((p) => p.forEach((r) => r.forEach(fn)));
      break;
    case 'GeometryCollection':
      geometry.geometries.forEach((g) => forEachPosition(g, fn));
      break;
  }
}

/** Bounding box of a geometry, or null when it has no coordinates. */
export function geometryBBox(geometry: AnyGeometry | null): BBox | null {
  let w = Infinity;
  let s = Infinity;
  let e = -Infinity;
  let n = -Infinity;
  forEachPosition(asGeometry(geometry), ([x, y]) => {
    w = Math.min(w, x);
    s = Math.min(s, y);
    e = Math.max(e, x);
    n = Math.max(n, y);
  });
  return Number.isFinite(w) ? [w, s, e, n] : null;
}

/**
 * Gives every feature a colour index in [0, colours) so that features sharing a vertex (neighbouring
 * grids, which share their boundary vertices) differ where the palette allows: greedy colouring in the
 * order of `key` (the grid code), which is stable across reloads.
 */
export function assignTints<P>(features: Array<Feature<Geometry | null, P>>, key: (p: P) => string, colours: number): number[] {
  const order = features.map((_, i) => i).sort((a, b) => key(features[a].properties).localeCompare(key(features[b].properties)));
  const byVertex = new Map<string, number[]>();
  features.forEach((f, i) => {
    const seen = new Set<string>();
    forEachPosition(f.geometry, ([x, y]) => {
      const k = `${x.toFixed(6)},${y.toFixed(6)}`;
      if (seen.has(k)) return;
      seen.add(k);
      const list = byVertex.get(k);
      if (list) list.push(i);
      else byVertex.set(k, [i]);
    });
  });
  const neighbours: Array<Set<number>> = features.map(() => new Set());
  for (const list of byVertex.values()) {
    if (list.length < 2) continue;
    for (const a of list) for (const b of list) if (a !== b) neighbours[a].add(b);
  }
  const tint = new Array<number>(features.length).fill(-1);
  order.forEach((i, rank) => {
    const used = new Set<number>();
    for (const n of neighbours[i]) if (tint[n] >= 0) used.add(tint[n]);
    let c = 0;
    while (c < colours && used.has(c)) c++;
    tint[i] = c < colours ? c : rank % colours;
  });
  return tint;
}

/** Whether `outer` contains `inner` entirely (both [w,s,e,n]). */
export function bboxContains(outer: BBox, inner: BBox): boolean {
  return outer[0] <= inner[0] && outer[1] <= inner[1] && outer[2] >= inner[2] && outer[3] >= inner[3];
}

/** `b` grown by `fraction` of its size on every side. */
export function padBBox(b: BBox, fraction: number): BBox {
  const dx = (b[2] - b[0]) * fraction;
  const dy = (b[3] - b[1]) * fraction;
  return [b[0] - dx, b[1] - dy, b[2] + dx, b[3] + dy];
}
