/**
 * Opt-in raster base maps. "none" is the default and adds nothing. Tianditu (天地图) serves WGS84 /
 * CGCS2000 tiles in Web Mercator (the "_w" tile matrix set), which line up with our WGS84 data
 * without any datum shift; it needs the user's key `tk`.
 */
import type { BasemapConfig } from '../lib/shapes';

export interface BasemapChoice {
  kind: 'none' | 'tianditu' | 'xyz';
  /** Tianditu key. */
  tk?: string;
  /** XYZ template with {z} {x} {y} (and optionally {s} for a–c subdomains). */
  url?: string;
  attribution?: string;
}

export interface RasterLayerDef {
  id: string;
  tiles: string[];
  attribution: string;
  maxzoom: number;
}

export const TIANDITU_ATTRIBUTION = '天地图 © 国家地理信息公共服务平台';

function tiandituTiles(layer: 'vec' | 'cva', tk: string): string[] {
  return Array.from(
    { length: 8 },
    (_, i) =>
      `https://t${i}.tianditu.gov.cn/${layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=${layer}` +
      `&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=${encodeURIComponent(tk)}`,
  );
}

/** Whether a template is an absolute http(s) URL with {z}, {x} and {y}. */
export function isXyzTemplate(url: string): boolean {
  return /^https?:\/\/\S+$/i.test(url) && ['{z}', '{x}', '{y}'].every((p) => url.includes(p));
}

function expandSubdomains(url: string): string[] {
  return url.includes('{s}') ? ['a', 'b', 'c'].map((s) => url.replace('{s}', s)) : [url];
}

/** The server's default (from /api/config) as a choice. */
export function choiceFromConfig(config: BasemapConfig | undefined): BasemapChoice {
  if (!config || config.kind === 'none') return { kind: 'none' };
  if (config.kind === 'xyz') return { kind: 'xyz', url: config.url, attribution: config.attribution };
  return { kind: 'tianditu', tk: config.key, url: config.url, attribution: config.attribution };
}

/** Raster layers for a choice, bottom first; empty for "none" or an incomplete choice. */
export function rasterLayers(choice: BasemapChoice): RasterLayerDef[] {
  if (choice.kind === 'tianditu') {
    const attribution = choice.attribution || TIANDITU_ATTRIBUTION;
    if (choice.tk) {
      return [
        { id: 'basemap-tianditu-vec', tiles: tiandituTiles('vec', choice.tk), attribution, maxzoom: 18 },
        { id: 'basemap-tianditu-cva', tiles: tiandituTiles('cva', choice.tk), attribution, maxzoom: 18 },
      ];
    }
    // A server default may give a complete template (with its own key) instead of a tk.
    if (choice.url && isXyzTemplate(choice.url)) {
      return [{ id: 'basemap-tianditu-vec', tiles: expandSubdomains(choice.url), attribution, maxzoom: 18 }];
    }
    return [];
  }
  if (choice.kind === 'xyz' && choice.url && isXyzTemplate(choice.url)) {
    return [{ id: 'basemap-xyz', tiles: expandSubdomains(choice.url), attribution: choice.attribution ?? '', maxzoom: 19 }];
  }
  return [];
}
