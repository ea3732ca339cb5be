/**
 * The drawing gestures of the planning tools, on Terra Draw: a polygon (draw a grid), a line (split),
 * and vertex editing of one grid (reshape). Terra Draw only captures the gesture; its result goes to
 * the server, whose answer is what the map shows afterwards.
 */
import type { LineString, Polygon, Position } from 'geojson';
import type { Map as MlMap } from 'maplibre-gl';
import {
  TerraDraw,
  TerraDrawLineStringMode,
  TerraDrawPolygonMode,
  TerraDrawSelectMode,
  type SnapToCustom,
} from 'terra-draw';
import { TerraDrawMapLibreGLAdapter } from 'terra-draw-maplibre-gl-adapter';

export type DrawMode = 'static' | 'polygon' | 'linestring' | 'select';

export interface PlanDrawCallbacks {
  polygon(geometry: Polygon): void;
  line(geometry: LineString): void;
  reshaped(geometry: Polygon): void;
  /** Vertices gestures may snap to (the draft's grids, minus the one being reshaped), lon/lat. */
  snapVertices(): Position[];
}

const BLUE = '#1f4e8c';
const CYAN = '#0c8fb0';
const SNAP_PX = 10;

export class PlanDraw {
  readonly draw: TerraDraw;
  #ready = false;
  #pendingMode: DrawMode = 'static';
  #editedId: string | number | null = null;

  constructor(map: MlMap, cb: PlanDrawCallbacks) {
    // Snap a gesture's point to the nearest vertex of a draft grid within a few pixels: the server snaps
    // too (2 m), but seeing the snap while drawing tells the planner the boundaries will be shared.
    const snap: SnapToCustom = (event, ctx) => {
      let best: Position | undefined;
      let bestD = SNAP_PX;
      for (const v of cb.snapVertices()) {
        const p = ctx.project(v[0], v[1]);
        const d = Math.hypot(p.x - event.containerX, p.y - event.containerY);
        if (d < bestD) {
          bestD = d;
          best = v;
        }
      }
      return best;
    };
    this.draw = new TerraDraw({
      adapter: new TerraDrawMapLibreGLAdapter({ map, coordinatePrecision: 7, prefixId: 'plan-td' }),
      modes: [
        new TerraDrawPolygonMode({
          snapping: { toCustom: snap },
          styles: { fillColor: CYAN, fillOpacity: 0.15, outlineColor: CYAN, outlineWidth: 2, closingPointColor: '#ffffff', closingPointOutlineColor: CYAN, closingPointWidth: 5, closingPointOutlineWidth: 2 },
        }),
        new TerraDrawLineStringMode({
          snapping: { toCustom: snap },
          styles: { lineStringColor: '#d92d20', lineStringWidth: 3 },
        }),
        new TerraDrawSelectMode({
          allowManualDeselection: false,
          allowManualSelection: false,
          keyEvents: null,
          flags: {
            polygon: {
              feature: {
                draggable: false,
                selfIntersectable: true,
                coordinates: { draggable: true, midpoints: true, deletable: true, snappable: { toCustom: snap } },
              },
            },
          },
          styles: {
            selectedPolygonColor: CYAN,
            selectedPolygonFillOpacity: 0.12,
            selectedPolygonOutlineColor: CYAN,
            selectedPolygonOutlineWidth: 2.5,
            selectionPointColor: '#ffffff',
            selectionPointOutlineColor: BLUE,
            selectionPointWidth: 5,
            selectionPointOutlineWidth: 2,
            midPointColor: CYAN,
            midPointOutlineColor: '#ffffff',
            midPointWidth: 3,
          },
        }),
      ],
    });
    this.draw.on('ready', () => {
      this.#ready = true;
      this.draw.setMode(this.#pendingMode);
    });
    this.draw.on('finish', (id, ctx) => {
      const f = this.draw.getSnapshotFeature(id);
      if (!f) return;
      if (ctx.mode === 'polygon' && ctx.action === 'draw' && f.geometry.type === 'Polygon') {
        this.draw.removeFeatures([id]);
        cb.polygon(f.geometry);
      } else if (ctx.mode === 'linestring' && ctx.action === 'draw' && f.geometry.type === 'LineString') {
        this.draw.removeFeatures([id]);
        cb.line(f.geometry);
      } else if (ctx.mode === 'select' && id === this.#editedId && f.geometry.type === 'Polygon'
        && (ctx.action === 'dragCoordinate' || ctx.action === 'deleteCoordinate')) {
        cb.reshaped(f.geometry);
      }
    });
    this.draw.start();
  }

  /** Switches gesture; 'static' leaves the map to pan and to the draft's own click handling. */
  setMode(mode: DrawMode): void {
    this.#pendingMode = mode;
    if (!this.#ready) return;
    if (mode !== 'select') this.clearEdit();
    this.draw.setMode(mode);
  }

  /** Puts one grid's polygon under vertex editing (select mode). */
  edit(geometry: Polygon): void {
    this.clearEdit();
    if (!this.#ready) return;
    const id = this.draw.getFeatureId();
    const [result] = this.draw.addFeatures([{ type: 'Feature', id, geometry, properties: { mode: 'polygon' } }]);
    if (!result?.valid) return;
    this.#editedId = id;
    this.draw.setMode('select');
    this.draw.selectFeature(id);
  }

  clearEdit(): void {
    if (this.#editedId !== null && this.draw.hasFeature(this.#editedId)) this.draw.removeFeatures([this.#editedId]);
    this.#editedId = null;
  }

  /** Whether a gesture is under way (a polygon or line being drawn). */
  get drawing(): boolean {
    return this.#ready && this.draw.getModeState() === 'drawing';
  }

  destroy(): void {
    this.#ready = false;
    this.draw.stop();
  }
}
