/**
 * The drawing gestures of the site editor, on Terra Draw (as in planning/plan-draw.ts): draw a new
 * footprint as a point, a line or a polygon; move a point (tap where it goes); reshape a line or a
 * polygon (drag its vertices, or the whole shape). The result goes to the form, then to the server,
 * whose answer is what the map shows afterwards.
 */
import type { Geometry } from 'geojson';
import type { Map as MlMap } from 'maplibre-gl';
import {
  TerraDraw,
  TerraDrawLineStringMode,
  TerraDrawPointMode,
  TerraDrawPolygonMode,
  TerraDrawSelectMode,
} from 'terra-draw';
import { TerraDrawMapLibreGLAdapter } from 'terra-draw-maplibre-gl-adapter';
import type { SiteDrawTask } from './site-edit.svelte';

const CYAN = '#0c8fb0';
const BLUE = '#1f4e8c';
const MODE_OF = { point: 'point', line: 'linestring', polygon: 'polygon' } as const;

export class SiteDraw {
  readonly draw: TerraDraw;
  #ready = false;
  #task: SiteDrawTask | null = null;
  #featureId: string | number | null = null;

  constructor(map: MlMap, onGeometry: (g: Geometry) => void) {
    const editable = { draggable: true, coordinates: { draggable: true, midpoints: true, deletable: true } };
    this.draw = new TerraDraw({
      adapter: new TerraDrawMapLibreGLAdapter({ map, coordinatePrecision: 7, prefixId: 'site-td' }),
      modes: [
        new TerraDrawPointMode({ styles: { pointColor: CYAN, pointWidth: 7, pointOutlineColor: '#ffffff', pointOutlineWidth: 2 } }),
        new TerraDrawLineStringMode({ styles: { lineStringColor: CYAN, lineStringWidth: 3 } }),
        new TerraDrawPolygonMode({
          styles: { fillColor: CYAN, fillOpacity: 0.15, outlineColor: CYAN, outlineWidth: 2, closingPointColor: '#ffffff', closingPointOutlineColor: CYAN, closingPointWidth: 5, closingPointOutlineWidth: 2 },
        }),
        new TerraDrawSelectMode({
          allowManualDeselection: false,
          allowManualSelection: false,
          keyEvents: null,
          flags: { polygon: { feature: editable }, linestring: { feature: editable } },
          styles: {
            selectedPolygonColor: CYAN, selectedPolygonFillOpacity: 0.12, selectedPolygonOutlineColor: CYAN, selectedPolygonOutlineWidth: 2.5,
            selectedLineStringColor: CYAN, selectedLineStringWidth: 3,
            selectionPointColor: '#ffffff', selectionPointOutlineColor: BLUE, selectionPointWidth: 5, selectionPointOutlineWidth: 2,
            midPointColor: CYAN, midPointOutlineColor: '#ffffff', midPointWidth: 3,
          },
        }),
      ],
    });
    this.draw.on('ready', () => {
      this.#ready = true;
      this.#apply();
    });
    this.draw.on('finish', (id, ctx) => {
      const f = this.draw.getSnapshotFeature(id);
      if (!f) return;
      if (ctx.action === 'draw') {
        // one footprint at a time: a new gesture replaces the previous one
        if (this.#featureId !== null && this.#featureId !== id && this.draw.hasFeature(this.#featureId)) this.draw.removeFeatures([this.#featureId]);
        this.#featureId = id;
        onGeometry(f.geometry as Geometry);
      } else if (ctx.mode === 'select' && id === this.#featureId) {
        onGeometry(f.geometry as Geometry);
      }
    });
    this.draw.start();
  }

  /** Serves a task: draw a new footprint, or put a site's footprint under the handles. */
  setTask(task: SiteDrawTask | null): void {
    this.#task = task;
    if (this.#ready) this.#apply();
  }

  #apply(): void {
    this.draw.setMode('static');
    this.draw.clear();
    this.#featureId = null;
    const task = this.#task;
    if (!task) return;
    if (task.kind === 'draw') {
      this.draw.setMode(MODE_OF[task.geometryKind]);
      return;
    }
    const g = task.geometry;
    if (g.type === 'Point') {
      // a point moves by a tap where it goes
      this.draw.setMode('point');
      return;
    }
    const shape = g.type === 'MultiPolygon' ? { type: 'Polygon' as const, coordinates: g.coordinates[0] }
      : g.type === 'MultiLineString' ? { type: 'LineString' as const, coordinates: g.coordinates[0] } : g;
    if (shape.type !== 'Polygon' && shape.type !== 'LineString') return;
    const id = this.draw.getFeatureId();
    const [result] = this.draw.addFeatures([{ type: 'Feature', id, geometry: shape, properties: { mode: shape.type === 'Polygon' ? 'polygon' : 'linestring' } }]);
    if (!result?.valid) return;
    this.#featureId = id;
    this.draw.setMode('select');
    this.draw.selectFeature(id);
  }

  destroy(): void {
    this.#ready = false;
    this.draw.stop();
  }
}
