/**
 * A grid member's own area ("my area", GET /api/me/area) and where the phone is: the member's grids,
 * the key sites and open incidents in them, the browser's position, and whether it is inside one of
 * the member's grids. Inside/outside is computed here for instant feedback; the server stays the
 * authority on check-ins (it measures the distance itself).
 */
import { booleanPointInPolygon, distance as turfDistance, pointToLineDistance, pointToPolygonDistance } from '@turf/turf';
import type { Feature, Geometry, MultiPolygon, Polygon } from 'geojson';
import { t } from '../i18n/i18n.svelte';
import { ApiError } from '../lib/api';
import { problemText } from '../lib/problem-text';
import { peopleApi, type CheckIn, type MyArea } from '../people/people-api';

export interface Position { lon: number; lat: number; accuracyM: number | null; at: number }
export type GeoStatus = 'idle' | 'locating' | 'ok' | 'denied' | 'unavailable';

export type CheckInOutcome =
  | { ok: true; checkIn: CheckIn }
  | { ok: false; tooFar?: { distanceM: number; maxDistanceM: number }; message: string };

class MyAreaState {
  area = $state.raw<MyArea | null>(null);
  loading = $state(false);
  error = $state<string | null>(null);
  position = $state.raw<Position | null>(null);
  geoStatus = $state<GeoStatus>('idle');
  /** The last check-in answer per site id, so the panel can say what happened. */
  checkIns = $state.raw<Record<number, CheckInOutcome>>({});
  #watch: number | null = null;

  /** The grid (of mine) the position is in, or null when outside all of them. */
  readonly here = $derived.by(() => {
    const p = this.position;
    const grids = this.area?.grids.features ?? [];
    if (!p) return null;
    return grids.find((g) => booleanPointInPolygon([p.lon, p.lat], g as Feature<Polygon | MultiPolygon>)) ?? null;
  });

  /** Metres from the position to the nearest of my grids (0 inside). */
  readonly distanceToMyGridsM = $derived.by(() => {
    const p = this.position;
    const grids = this.area?.grids.features ?? [];
    if (!p || !grids.length) return null;
    if (this.here) return 0;
    let best = Infinity;
    for (const g of grids) {
      const polys = g.geometry.type === 'Polygon' ? [g.geometry.coordinates] : g.geometry.coordinates;
      for (const coordinates of polys) {
        best = Math.min(best, Math.abs(pointToPolygonDistance([p.lon, p.lat], { type: 'Polygon', coordinates }, { units: 'meters' })));
      }
    }
    return best;
  });

  async load(): Promise<void> {
    this.loading = true;
    this.error = null;
    try {
      this.area = await peopleApi.myArea();
    } catch (e) {
      this.error = problemText(e);
    } finally {
      this.loading = false;
    }
  }

  /** Starts following the phone's position (asks for permission the first time). */
  locate(): void {
    if (this.#watch !== null) return;
    if (!('geolocation' in navigator)) {
      this.geoStatus = 'unavailable';
      return;
    }
    this.geoStatus = 'locating';
    this.#watch = navigator.geolocation.watchPosition(
      (pos) => {
        this.position = { lon: pos.coords.longitude, lat: pos.coords.latitude, accuracyM: pos.coords.accuracy ?? null, at: pos.timestamp };
        this.geoStatus = 'ok';
      },
      (err) => {
        this.geoStatus = err.code === err.PERMISSION_DENIED ? 'denied' : 'unavailable';
        this.stop();
      },
      { enableHighAccuracy: true, maximumAge: 10_000, timeout: 30_000 },
    );
  }

  /**
   * A fresh fix (no cached position): taken just before a check-in, and when the member asks for it.
   * Watching alone may hold a position that is minutes old on some phones.
   */
  refresh(): Promise<Position | null> {
    if (!('geolocation' in navigator)) {
      this.geoStatus = 'unavailable';
      return Promise.resolve(null);
    }
    if (this.geoStatus !== 'ok') this.geoStatus = 'locating';
    return new Promise((resolve) => {
      navigator.geolocation.getCurrentPosition(
        (pos) => {
          this.position = { lon: pos.coords.longitude, lat: pos.coords.latitude, accuracyM: pos.coords.accuracy ?? null, at: pos.timestamp };
          this.geoStatus = 'ok';
          resolve(this.position);
        },
        (err) => {
          if (!this.position) this.geoStatus = err.code === err.PERMISSION_DENIED ? 'denied' : 'unavailable';
          resolve(this.position);
        },
        { enableHighAccuracy: true, maximumAge: 0, timeout: 15_000 },
      );
    });
  }

  stop(): void {
    if (this.#watch !== null) navigator.geolocation.clearWatch(this.#watch);
    this.#watch = null;
  }

  /** Metres from the position to a site's footprint (0 inside a polygon): a hint; the server measures for real. */
  distanceTo(geometry: Geometry): number | null {
    const p = this.position;
    if (!p) return null;
    const here: [number, number] = [p.lon, p.lat];
    const options = { units: 'meters' as const };
    switch (geometry.type) {
      case 'Point': return turfDistance(here, geometry.coordinates, options);
      case 'MultiPoint': return Math.min(...geometry.coordinates.map((c) => turfDistance(here, c, options)));
      case 'LineString': return pointToLineDistance(here, geometry, options);
      case 'MultiLineString': return Math.min(...geometry.coordinates.map((c) => pointToLineDistance(here, { type: 'LineString', coordinates: c }, options)));
      case 'Polygon': return Math.max(0, pointToPolygonDistance(here, geometry, options));
      case 'MultiPolygon': return Math.max(0, Math.min(...geometry.coordinates.map((c) => pointToPolygonDistance(here, { type: 'Polygon', coordinates: c }, options))));
      default: return null;
    }
  }

  isMySite(siteId: number): boolean {
    return !!this.area?.sites.features.some((f) => f.properties.id === siteId);
  }

  async checkIn(siteId: number): Promise<CheckInOutcome> {
    const p = await this.refresh();
    let outcome: CheckInOutcome;
    if (!p) {
      outcome = { ok: false, message: t('patrol.needPosition') };
    } else {
      try {
        const checkIn = await peopleApi.checkIn({ siteId, lon: p.lon, lat: p.lat, ...(p.accuracyM !== null ? { accuracyM: Math.round(p.accuracyM) } : {}) });
        outcome = { ok: true, checkIn };
      } catch (e) {
        if (e instanceof ApiError && typeof e.problem.distanceM === 'number') {
          outcome = { ok: false, tooFar: { distanceM: e.problem.distanceM, maxDistanceM: Number(e.problem.maxDistanceM) }, message: problemText(e) };
        } else {
          outcome = { ok: false, message: problemText(e) };
        }
      }
    }
    this.checkIns = { ...this.checkIns, [siteId]: outcome };
    return outcome;
  }

  reset(): void {
    this.stop();
    this.area = null;
    this.position = null;
    this.geoStatus = 'idle';
    this.checkIns = {};
  }
}

export const myArea = new MyAreaState();
