import { type RawBuilder, sql } from 'kysely';
import { inCountiesMeeting } from '../db/geo.ts';

/**
 * What each vector tile layer holds at each zoom, as SQL. Both encoders (ST_AsMVT on PostgreSQL,
 * geojson-vt + vt-pbf in JavaScript) read the same source rows, so they can only differ in how
 * they quantize and encode, never in which features a tile holds.
 *
 * A source yields one row per feature: `fid` (the MVT feature id: the database id, or the
 * 12-digit region code as a number), the layer's property columns, and `g`, the geometry in Web
 * Mercator (EPSG:3857), already simplified for the zoom and clipped to the buffered tile.
 */

export const TILE_LAYERS = ['regions', 'grids', 'sites', 'incidents'] as const;
export type TileLayer = (typeof TILE_LAYERS)[number];

export const MAX_ZOOM = 22;
/** Tile coordinate space and the buffer around it, as in ST_AsMVTGeom's defaults for MapLibre. */
export const EXTENT = 4096;
export const BUFFER = 64;

/** Zoom rules, exported so the web map and the docs can follow them. */
export const ZOOMS = {
  /** Townships are drawn from here; below, only county outlines. */
  townships: 6,
  /** Villages join the regions layer from here (they replace grids at lower zooms). */
  villages: 10,
  /**
   * Grids (comprehensive and dedicated, current versions only) from here; none below. z10, not 11:
   * the web map opens a county at z≈10.2 and shows its grids there (a z10 tile holds ≤ ~2,500).
   */
  grids: 10,
  /**
   * Below this zoom a grid tile is an overview (a county or a prefecture in view, ~1,500 grids per
   * tile): only what the map draws there (id, code for the tint, layer), no label points.
   */
  gridDetails: 12,
  /** Sites start here, as points, with the few categories that matter at a prefecture's scale... */
  sites: 8,
  /** ...the important categories (as their shapes) from here... */
  importantSites: 10,
  /** ...and every category from here. */
  allSites: 14,
  /** Open incidents from here... */
  incidents: 8,
  /**
   * ...as counts per small cell (what the heatmap needs) below this zoom, one feature per incident
   * from here. A prefecture's z8 tile held its 212,000 open incidents one by one: 4.4 MB, 1.8 s.
   */
  incidentPoints: 12,
} as const;

/** An incident cell below ZOOMS.incidentPoints: 32 tile units, 4 px of a 512-px tile. */
export const INCIDENT_CELL_UNITS = 32;

/** The categories worth drawing when the whole county is in view (their own spatial index: migration 0019). */
export const IMPORTANT_SITE_CATEGORIES = ['school', 'kindergarten', 'water', 'hospital'];
/** The categories drawn (as points) when a whole prefecture is in view: campuses, a few per township. */
export const OVERVIEW_SITE_CATEGORIES = ['school', 'kindergarten'];
/** Incident states that no longer need attention; everything else is drawn. */
export const FINISHED_INCIDENT_STATES = ['closed', 'rejected'];

/** Property names per layer, in the order they are selected (MVT property keys, camelCase). */
export const LAYER_PROPERTIES: Record<TileLayer, readonly string[]> = {
  // parentCode: what a click on the map opens; label: this tile holds the region's label point
  regions: ['code', 'name', 'level', 'parentCode', 'label'],
  // label: this tile holds the grid's label point, so a map labels a grid cut by tile edges once
  grids: ['id', 'code', 'name', 'layer', 'villageCode', 'households', 'population', 'label'],
  // label: as for grids, where a polygon site's symbol goes (points: inside this tile, not its buffer)
  sites: ['id', 'category', 'name', 'label'],
  incidents: ['id', 'code', 'category', 'state', 'level', 'priority'],
};

/** Grid properties in overview tiles (below ZOOMS.gridDetails). */
export const OVERVIEW_GRID_PROPERTIES = ['id', 'code', 'layer'] as const;
/**
 * Incident cells below ZOOMS.incidentPoints: the state, how many open incidents of that state the
 * cell holds, and their heatmap weight (urgent 1, high 0.8, others 0.5 each, as the map weighs points).
 */
export const INCIDENT_CELL_PROPERTIES = ['state', 'count', 'weight'] as const;

/** The properties a layer's features carry at zoom z. */
export function layerProperties(layer: TileLayer, z: number): readonly string[] {
  if (layer === 'grids' && z < ZOOMS.gridDetails) return OVERVIEW_GRID_PROPERTIES;
  if (layer === 'incidents' && z < ZOOMS.incidentPoints) return INCIDENT_CELL_PROPERTIES;
  return LAYER_PROPERTIES[layer];
}

export interface TileAddress {
  layer: TileLayer;
  z: number;
  x: number;
  y: number;
}

/** Half the Web Mercator world width in metres, as PostGIS's ST_TileEnvelope uses it. */
const HALF_WORLD = 20037508.342789244;
/** The sphere Web Mercator projects onto (WGS84's semi-major axis). */
const EARTH_RADIUS = 6378137;

/** The tile's Web Mercator box [minx, miny, maxx, maxy], widened by `margin` tile widths per side. */
export function mercatorBounds(z: number, x: number, y: number, margin = 0): [number, number, number, number] {
  const size = (2 * HALF_WORLD) / 2 ** z;
  return [
    -HALF_WORLD + (x - margin) * size,
    HALF_WORLD - (y + 1 + margin) * size,
    -HALF_WORLD + (x + 1 + margin) * size,
    HALF_WORLD - (y - margin) * size,
  ];
}

/** The tile's lon/lat box [w, s, e, n] (degrees), widened by `margin` tile widths per side. */
export function lonLatBounds(z: number, x: number, y: number, margin = 0): [number, number, number, number] {
  const [minx, miny, maxx, maxy] = mercatorBounds(z, x, y, margin);
  const lon = (mx: number) => Math.max(-180, Math.min(180, (mx / HALF_WORLD) * 180));
  const lat = (my: number) => (Math.atan(Math.sinh((my / HALF_WORLD) * Math.PI)) * 180) / Math.PI;
  return [lon(minx), lat(miny), lon(maxx), lat(maxy)];
}

/** One tile unit in metres (EPSG:3857) at zoom z. */
export function tileUnit(z: number): number {
  return (2 * HALF_WORLD) / 2 ** z / EXTENT;
}

/**
 * Simplification tolerance: half a pixel of a 512-px tile (4 tile units), i.e. about one device
 * pixel on a high-density screen. Coarser shows as wobbly shared edges between grids.
 */
const SIMPLIFY_UNITS = 4;
/** Line and polygon sites smaller than this (tile units, about 3 px) are drawn as points. */
const SITE_POINT_UNITS = 24;

/**
 * A constant list of categories written into the statement, not bound as a parameter: the planner
 * can then prove that the query only wants rows of sites_important_geom_idx (migration 0019).
 */
function categoryList(categories: readonly string[]): RawBuilder<unknown> {
  if (!categories.every((c) => /^[a-z_]+$/.test(c))) throw new Error('category codes are lower-case words');
  return sql.raw(`array[${categories.map((c) => `'${c}'`).join(', ')}]::text[]`);
}

/** The source rows of a tile, or null when the layer has nothing at this zoom. */
export function tileSource(tile: TileAddress): RawBuilder<unknown> | null {
  const { layer, z, x, y } = tile;
  const [w, s, e, n] = lonLatBounds(z, x, y, BUFFER / EXTENT);
  const [w0, s0, e0, n0] = lonLatBounds(z, x, y);
  const [minx, miny, maxx, maxy] = mercatorBounds(z, x, y, BUFFER / EXTENT);
  // the index filter, on the stored lon/lat geometry, and the counties the buffered tile meets (a
  // tile holds 1–3 counties: on Citus, the shards it reads; docs/scaling.md)
  const envelope = sql`ST_MakeEnvelope(${w}, ${s}, ${e}, ${n}, 4326)`;
  const near = (column: string) => sql`${sql.raw(column)} && ${envelope}`;
  const inCounties = (column: string) => inCountiesMeeting(column, envelope);
  const box = sql`ST_MakeEnvelope(${minx}, ${miny}, ${maxx}, ${maxy}, 3857)`;
  const tolerance = SIMPLIFY_UNITS * tileUnit(z);
  // simplify the whole shape first, then clip: neighbouring tiles then draw the same edges. Grids
  // and regions keep their Mercator shape in a generated column (migration 0018).
  const area = (mercatorColumn: string) =>
    sql`ST_ClipByBox2D(ST_Simplify(${sql.raw(mercatorColumn)}, ${tolerance}::float8, true), ${box})`;
  // the label point is taken from the whole shape, so it is the same in every tile; the test is
  // half-open so that a point on a tile edge belongs to one tile only
  const inTile = (point: string) => sql`(ST_X(${sql.raw(point)}) >= ${w0}::float8 and ST_X(${sql.raw(point)}) < ${e0}::float8
    and ST_Y(${sql.raw(point)}) > ${s0}::float8 and ST_Y(${sql.raw(point)}) <= ${n0}::float8)`;
  // drops what clipping emptied, and points in the buffer's corners outside the box. `offset 0`
  // keeps PostgreSQL from pushing this filter into the subquery, which would compute g three times.
  const wrap = (inner: RawBuilder<unknown>) =>
    sql`select * from (${inner} offset 0) src where src.g is not null and not ST_IsEmpty(src.g) and src.g && ${box}`;

  switch (layer) {
    case 'regions': {
      const levels = z >= ZOOMS.villages ? ['county', 'township', 'village']
        : z >= ZOOMS.townships ? ['county', 'township'] : ['county'];
      // county first, villages last: later features draw on top
      return wrap(sql`select r.code::bigint as fid, r.code, r.name, r.level, r.parent_code as "parentCode",
          ${inTile('ST_PointOnSurface(r.boundary)')} as label, ${area('r.boundary_mercator')} as g
        from regions r
        where ${near('r.boundary')} and r.level = any(${levels}::text[])
        order by array_position(array['county', 'township', 'village'], r.level), r.code`);
    }
    case 'grids': {
      if (z < ZOOMS.grids) return null;
      if (z < ZOOMS.gridDetails) {
        return wrap(sql`select g.id as fid, g.id, g.code, l.kind as layer, ${area('g.geom_mercator')} as g
          from grids g join grid_layers l on l.id = g.layer_id
          where ${near('g.geom')} and ${inCounties('g.county_code')} and g.valid_to is null
          order by l.kind, g.code`);
      }
      return wrap(sql`select g.id as fid, g.id, g.code, g.name, l.kind as layer, g.village_code as "villageCode",
          g.households, g.population, ${inTile('p.p')} as label,
          ${area('g.geom_mercator')} as g
        from grids g join grid_layers l on l.id = g.layer_id
        cross join lateral (select ST_PointOnSurface(g.geom) as p) p
        where ${near('g.geom')} and ${inCounties('g.county_code')} and g.valid_to is null
        order by l.kind, g.code`);
    }
    case 'sites': {
      if (z < ZOOMS.sites) return null;
      if (z < ZOOMS.importantSites) {
        // an overview: campuses as points (where their symbol goes), each in the one tile holding it
        return wrap(sql`select s.id as fid, s.id, s.category, s.name, true as label, ST_Transform(m.p, 3857) as g
          from sites s
          cross join lateral (select ST_PointOnSurface(s.geom) as p) m
          where ${near('s.geom')} and ${inCounties('s.county_code')} and s.category = any(${categoryList(OVERVIEW_SITE_CATEGORIES)})
            and ${inTile('m.p')}
          order by s.id`);
      }
      const categoryFilter = z >= ZOOMS.allSites ? sql`true` : sql`s.category = any(${categoryList(IMPORTANT_SITE_CATEGORIES)})`;
      const small = SITE_POINT_UNITS * tileUnit(z);
      // a campus a few pixels wide reads better as a point than as a speck; its point is the same in
      // every tile (taken from the whole shape), so it is drawn once
      return wrap(sql`select s.id as fid, s.id, s.category, s.name, ${inTile('m.p')} as label,
          case when m.is_point then m.g
            when ST_XMax(m.g) - ST_XMin(m.g) < ${small}::float8 and ST_YMax(m.g) - ST_YMin(m.g) < ${small}::float8
              then ST_Transform(m.p, 3857)
            else ST_ClipByBox2D(ST_Simplify(m.g, ${tolerance}::float8, true), ${box}) end as g
        from sites s
        cross join lateral (select ST_Transform(s.geom, 3857) as g, geometrytype(s.geom) = 'POINT' as is_point,
          ST_PointOnSurface(s.geom) as p) m
        where ${near('s.geom')} and ${inCounties('s.county_code')} and ${categoryFilter}
        order by s.id`);
    }
    case 'incidents': {
      if (z < ZOOMS.incidents) return null;
      if (z < ZOOMS.incidentPoints) {
        // cells on a lattice aligned with the tiles (a cell never straddles a tile edge), each
        // feature at its cell's centre; one per cell and state. fid: the cell's lowest incident id.
        const cell = INCIDENT_CELL_UNITS * tileUnit(z);
        // Web Mercator in plain arithmetic (as ST_Transform to 3857 computes it, without a projection
        // call per incident), then the cell's integer coordinates
        const mx = sql`ST_X(i.location) * ${HALF_WORLD / 180}::float8`;
        const my = sql`ln(tan(pi() / 4 + radians(ST_Y(i.location)) / 2)) * ${EARTH_RADIUS}::float8`;
        return wrap(sql`select min(c.id) as fid, c.state, count(*)::int as count, sum(c.w)::float8 as weight,
            ST_SetSRID(ST_MakePoint((c.cx + 0.5) * ${cell}::float8, (c.cy + 0.5) * ${cell}::float8), 3857) as g
          from (select i.id, i.state, case i.priority when 'urgent' then 1 when 'high' then 0.8 else 0.5 end as w,
              floor(${mx} / ${cell}::float8)::bigint as cx, floor(${my} / ${cell}::float8)::bigint as cy
            from incidents i
            where ${near('i.location')} and ${inCounties('i.county_code')} and i.state <> all(${FINISHED_INCIDENT_STATES}::text[])) c
          group by c.cx, c.cy, c.state
          order by 1`);
      }
      return wrap(sql`select i.id as fid, i.id, i.code, i.category, i.state, i.level, i.priority,
          ST_Transform(i.location, 3857) as g
        from incidents i
        where ${near('i.location')} and ${inCounties('i.county_code')} and i.state <> all(${FINISHED_INCIDENT_STATES}::text[])
        order by i.id`);
    }
  }
}
