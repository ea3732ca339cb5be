/** The site record shared by the site generators. Geometry is metric, already snapped to 1e-7°. */
import { type XY, type LonLat, ringArea, toLonLat } from './geo.ts';
import type { GridRec } from './hierarchy.ts';

export const CATEGORY_ORDER = [
  'school',
  'kindergarten',
  'water',
  'rental_housing',
  'internet_cafe',
  'entertainment',
  'game_hall',
  'bar',
  'tobacco',
  'lottery',
  'hotel',
  'hospital',
  'camera',
  'police_room',
  'patrol_point',
] as const;
export type Category = (typeof CATEGORY_ORDER)[number];

/** Venue categories kept at least 250 m from every school and kindergarten unless planted. */
export const VENUE_CATEGORIES: Category[] = ['internet_cafe', 'entertainment', 'game_hall', 'bar', 'tobacco', 'lottery'];

export type SiteGeom = { type: 'Point'; p: XY } | { type: 'Polygon'; ring: XY[] } | { type: 'LineString'; line: XY[] };

export interface Site {
  ref: string;
  category: Category;
  name: string;
  attrs: Record<string, unknown>;
  geom: SiteGeom;
  entrances?: XY[];
  /** the comprehensive grid holding the site's representative point */
  grid: GridRec;
}

export function pointSite(category: Category, name: string, p: XY, grid: GridRec, attrs: Record<string, unknown>, entrances?: XY[]): Site {
  return { ref: '', category, name, attrs, geom: { type: 'Point', p }, entrances, grid };
}

export function polygonSite(category: Category, name: string, ring: XY[], grid: GridRec, attrs: Record<string, unknown>, entrances?: XY[]): Site {
  if (ringArea(ring) <= 0) throw new Error('site polygon must be counter-clockwise: ' + name);
  return { ref: '', category, name, attrs, geom: { type: 'Polygon', ring }, entrances, grid };
}

export function geometryJson(g: SiteGeom): { type: string; coordinates: unknown } {
  if (g.type === 'Point') return { type: 'Point', coordinates: toLonLat(g.p) };
  if (g.type === 'LineString') return { type: 'LineString', coordinates: g.line.map(toLonLat) };
  const ring: LonLat[] = g.ring.map(toLonLat);
  ring.push(ring[0]);
  return { type: 'Polygon', coordinates: [ring] };
}

/** A representative point: the point itself, a line's middle vertex, a polygon's first-edge interior point. */
export function representative(g: SiteGeom): XY {
  if (g.type === 'Point') return g.p;
  if (g.type === 'LineString') return g.line[Math.floor(g.line.length / 2)];
  let x = 0;
  let y = 0;
  for (const p of g.ring) {
    x += p[0];
    y += p[1];
  }
  return [x / g.ring.length, y / g.ring.length];
}
