/** Client-side area, for instant feedback only: the server measures on the spheroid and decides. */
import type { Polygon, Position } from 'geojson';

const EARTH_RADIUS = 6378137;
const rad = (d: number) => (d * Math.PI) / 180;

/** Approximate geodesic area of a polygon on the sphere, m² (outer ring minus holes): a preview figure only. */
export function polygonAreaM2(polygon: Polygon): number {
  const ring = (coords: Position[]) => {
    const pts = coords.length > 1 && coords[0][0] === coords.at(-1)![0] && coords[0][1] === coords.at(-1)![1] ? coords.slice(0, -1) : coords;
    const n = pts.length;
    if (n < 3) return 0;
    let total = 0;
    for (let i = 0; i < n; i++) {
      const prev = pts[(i + n - 1) % n];
      const next = pts[(i + 1) % n];
      total += (rad(next[0]) - rad(prev[0])) * Math.sin(rad(pts[i][1]));
    }
    return Math.abs((total * EARTH_RADIUS * EARTH_RADIUS) / 2);
  };
  const [outer, ...holes] = polygon.coordinates;
  return Math.max(0, ring(outer ?? []) - holes.reduce((s, h) => s + ring(h), 0));
}
