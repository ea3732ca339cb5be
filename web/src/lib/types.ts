/** Shapes of the platform API (docs/contract.md). Geometry is GeoJSON, lon/lat WGS84. */
import type { Feature, FeatureCollection, Geometry } from 'geojson';
import type { Capabilities, Role } from '../../../server/auth/capabilities';

/** [west, south, east, north] in degrees. */
export type BBox = [number, number, number, number];

export interface BasemapConfig {
  kind: 'none' | 'tianditu' | 'xyz';
  url?: string;
  /** Tianditu key (tk) when the server offers Tianditu. */
  key?: string;
  attribution?: string;
}

export interface AppConfig {
  demo: boolean;
  /** null before any county is loaded. */
  county: { code: string; name: string; nameEn?: string; bbox: BBox } | null;
  basemap: BasemapConfig;
}

export interface User {
  id: number | string;
  username: string;
  displayName: string;
  /** For display only (the top bar's label): what the user may do is `may`. */
  role: Role;
  scopeCode: string;
  scopeName: string;
  /** What the user may do (GET /api/auth/me); the interface shows and hides controls from this alone. */
  may: Capabilities;
}

/** `prefecture`: a 4-digit scope above the counties (no region row; its children are its counties). */
export type RegionLevel = 'prefecture' | 'county' | 'township' | 'village';

export interface RegionProps {
  code: string;
  name: string;
  level: RegionLevel;
  parentCode: string | null;
  urban: boolean;
  childCount?: number;
}

export interface RegionStats {
  townships?: number;
  villages?: number;
  grids?: number;
  households?: number;
  population?: number;
  sites?: number;
}

export interface RegionDetailProps extends RegionProps {
  ancestors: Array<{ code: string; name: string; level: RegionLevel }>;
  bbox: BBox | null;
  stats?: RegionStats;
}

export type GridLayerKind = 'comprehensive' | 'dedicated';

export interface GridProps {
  id: number | string;
  code: string;
  name: string;
  layer: GridLayerKind;
  villageCode: string;
  villageName?: string;
  households?: number | null;
  population?: number | null;
  version?: number;
  validFrom?: string | null;
  validTo?: string | null;
}

export type Duty = 'leader' | 'full_time' | 'part_time' | 'police' | 'mediator';

export interface GridDetailProps extends GridProps {
  township?: { code: string; name: string } | null;
  members?: Array<{ personId: number | string; name: string; duty: Duty | string; phone?: string | null }>;
  sitesByCategory?: Array<{ category: string; name: string; nameEn?: string; count: number }>;
  areaKm2?: number | null;
}

export interface SiteProps {
  id: number | string;
  category: string;
  name: string;
  regionCode?: string | null;
  gridId?: number | string | null;
  attrs?: Record<string, unknown> | null;
  entrances?: Array<[number, number]> | null;
}

export interface SiteDetailProps extends SiteProps {
  villageName?: string | null;
  gridCode?: string | null;
  gridName?: string | null;
}

export interface SiteCategory {
  code: string;
  name: string;
  nameEn: string;
  geometryKind: 'point' | 'line' | 'polygon' | 'any';
  hasEntrances: boolean;
  color: string;
  icon?: string | null;
  attrSchema?: unknown;
}

export type RegionFeature = Feature<Geometry | null, RegionProps>;
export type RegionCollection = FeatureCollection<Geometry | null, RegionProps>;
export type RegionDetail = Feature<Geometry | null, RegionDetailProps>;
export type GridCollection = FeatureCollection<Geometry, GridProps>;
export type GridDetail = Feature<Geometry, GridDetailProps>;
export type SiteCollection = FeatureCollection<Geometry, SiteProps>;
export type SiteDetail = Feature<Geometry, SiteDetailProps>;
