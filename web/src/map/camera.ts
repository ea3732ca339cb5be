/**
 * Camera moves that panels ask for: show a region, grid or site (`fitBBox`), or bring it into view
 * with as little movement as possible (`ensureVisible`). Users who ask for reduced motion jump.
 */
import type { Map as MlMap } from 'maplibre-gl';
import { type BBox, bboxContains } from './geo';

const prefersReducedMotion = () =>
  typeof matchMedia !== 'undefined' && matchMedia('(prefers-reduced-motion: reduce)').matches;

/** Moves the camera to show a bounding box (degrees). */
export function fitBBox(map: MlMap, bbox: BBox, maxZoom = 16.5): void {
  const small = map.getContainer().clientWidth < 500;
  map.fitBounds(
    [
      [bbox[0], bbox[1]],
      [bbox[2], bbox[3]],
    ],
    { padding: small ? 20 : 40, maxZoom, duration: prefersReducedMotion() ? 0 : 700 },
  );
}

/** Pans (or zooms out) just enough that the box (degrees) is in view; used after a panel opens. */
export function ensureVisible(map: MlMap, bbox: BBox): void {
  const b = map.getBounds();
  const view: BBox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()];
  if (bboxContains(view, bbox)) return;
  const fits = bbox[2] - bbox[0] < (view[2] - view[0]) * 0.9 && bbox[3] - bbox[1] < (view[3] - view[1]) * 0.9;
  if (fits) {
    map.easeTo({
      center: [(bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2],
      duration: prefersReducedMotion() ? 0 : 500,
    });
  } else {
    fitBBox(map, bbox, map.getZoom());
  }
}
