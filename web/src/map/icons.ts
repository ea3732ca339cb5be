/**
 * Site symbols drawn on a canvas at run time (no sprite sheet, no icon font, nothing fetched):
 * a disc in the category's colour with a white pictogram. Pictograms are 24×24 SVG path data.
 */
import type { Map as MlMap } from 'maplibre-gl';

interface Pictogram {
  d: string;
  /** Stroke the path (2 px) instead of filling it. */
  stroke?: boolean;
}

const PICTOGRAMS: Record<string, Pictogram> = {
  school: { d: 'M12 4 1.5 9 12 14l10.5-5Zm-6 7.6V15c0 1.8 2.7 3.2 6 3.2s6-1.4 6-3.2v-3.4L12 14.5Zm14.5-2.1h-1.4v6h1.4Z' },
  kindergarten: { d: 'M12 3.2 14.6 8.7l6 .7-4.4 4.1 1.2 5.9L12 16.5l-5.4 2.9 1.2-5.9-4.4-4.1 6-.7Z' },
  water: {
    d: 'M2.5 8.5c2-1.6 3.8-1.6 5.7 0s3.8 1.6 5.7 0 3.8-1.6 5.7 0M2.5 13c2-1.6 3.8-1.6 5.7 0s3.8 1.6 5.7 0 3.8-1.6 5.7 0M2.5 17.5c2-1.6 3.8-1.6 5.7 0s3.8 1.6 5.7 0 3.8-1.6 5.7 0',
    stroke: true,
  },
  rental_housing: { d: 'M12 3.5 2.5 11h2.6v9h5.2v-5.4h3.4V20h5.2v-9h2.6Z' },
  internet_cafe: { d: 'M3 4.5h18v11.5H3Zm2 2v7.5h14V6.5ZM9 18h6l1 2.5H8Z' },
  entertainment: { d: 'M9 5.5 20 3.5v11.2a2.9 2.9 0 1 1-2-2.7V7.3l-7 1.3v8.6a2.9 2.9 0 1 1-2-2.7Z' },
  game_hall: {
    d: 'M7 7h10a5 5 0 0 1 5 5v1.5a3.5 3.5 0 0 1-6.2 2.2L14.5 14h-5l-1.3 1.7A3.5 3.5 0 0 1 2 13.5V12a5 5 0 0 1 5-5Zm-.8 2.8v1.6H4.6v1.6h1.6v1.6h1.6V13h1.6v-1.6H7.8V9.8Zm9.8.3a1.1 1.1 0 1 0 0 2.2 1.1 1.1 0 0 0 0-2.2Zm2 2.4a1.1 1.1 0 1 0 0 2.2 1.1 1.1 0 0 0 0-2.2Z',
  },
  bar: { d: 'M4.5 4h15l-6.3 7.6V18H17v2H7v-2h3.8v-6.4Zm4.2 2 3.3 4 3.3-4Z' },
  tobacco: { d: 'M2 13h13.5v4.5H2Zm14.5 0h2.3v4.5h-2.3Zm3.3 0H22v4.5h-2.2ZM16.8 11.5c-.3-1.6 1.7-2.2 1.4-3.8-.2-1-1-1.6-1-2.7h1.3c0 .9.8 1.4 1 2.6.3 1.8-1.6 2.4-1.4 3.9Z' },
  lottery: { d: 'M3 6.5h18v3.3a2.2 2.2 0 0 0 0 4.4v3.3H3v-3.3a2.2 2.2 0 0 0 0-4.4ZM12 8.6l-1 2.1-2.3.3 1.7 1.6-.4 2.3 2-1.1 2 1.1-.4-2.3 1.7-1.6-2.3-.3Z' },
  hotel: { d: 'M2.5 5.5h2.2v8h16.8v6h-2.2v-2H4.7v2H2.5Zm4 2.5a2.2 2.2 0 1 1 0 4.4 2.2 2.2 0 0 1 0-4.4Zm4 .5h6.5a3.5 3.5 0 0 1 3.5 3.5v.5h-10Z' },
  hospital: { d: 'M9.2 3.5h5.6v5.7h5.7v5.6h-5.7v5.7H9.2v-5.7H3.5V9.2h5.7Z' },
  camera: { d: 'M2.5 7.2 16 4l1.6 6.4-13.5 3.2Zm15.9 1.1 3.1-.8.8 3.5-3.1.7ZM8 13.5l1.4 3.3H5v3.5H3v-9h2v3.5h2.3Z' },
  police_room: { d: 'M12 2.5 20 5.6v5.6c0 4.9-3.3 9-8 10.4-4.7-1.4-8-5.5-8-10.4V5.6Zm0 4.3-1.3 2.7-3 .4 2.2 2.1-.5 3 2.6-1.4 2.6 1.4-.5-3 2.2-2.1-3-.4Z' },
  patrol_point: { d: 'M5 2.5h2.2v19H5Zm3.2 1.2h11.3l-2.8 4.4 2.8 4.4H8.2Z' },
  default: { d: 'M12 7a5 5 0 1 1 0 10 5 5 0 0 1 0-10Z' },
};

/** The platform's icon names that differ from our pictogram keys. */
const ALIASES: Record<string, string> = {
  house: 'rental_housing',
  cafe: 'internet_cafe',
  ktv: 'entertainment',
  game: 'game_hall',
  police: 'police_room',
  patrol: 'patrol_point',
};

/** Known pictogram for a category (its `icon` name from the server, else its code), or the default dot. */
export function pictogramFor(category: { code: string; icon?: string | null }): Pictogram {
  const icon = category.icon ? ALIASES[category.icon] ?? category.icon : undefined;
  return (icon && PICTOGRAMS[icon]) || PICTOGRAMS[category.code] || PICTOGRAMS.default;
}

/**
 * Draws a site symbol: `size` CSS pixels across, rendered at `ratio` device pixels per CSS pixel.
 * Returns RGBA pixel data for `map.addImage(..., { pixelRatio: ratio })`.
 */
export function drawSiteIcon(
  category: { code: string; icon?: string | null; color?: string | null },
  size = 28,
  ratio = 2,
): { width: number; height: number; data: Uint8Array } {
  const px = Math.round(size * ratio);
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = px;
  const ctx = canvas.getContext('2d')!;
  ctx.scale(ratio, ratio);
  const r = size / 2;
  // A soft shadow so symbols stand off pale grid tints.
  ctx.fillStyle = 'rgba(16, 24, 40, 0.22)';
  ctx.beginPath();
  ctx.arc(r, r + 0.8, r - 1.2, 0, Math.PI * 2);
  ctx.fill();
  ctx.fillStyle = '#ffffff';
  ctx.beginPath();
  ctx.arc(r, r, r - 1.5, 0, Math.PI * 2);
  ctx.fill();
  ctx.fillStyle = category.color || '#667085';
  ctx.beginPath();
  ctx.arc(r, r, r - 3, 0, Math.PI * 2);
  ctx.fill();

  const picto = pictogramFor(category);
  const inner = (r - 3) * 2 * 0.62;
  ctx.save();
  ctx.translate(r - inner / 2, r - inner / 2);
  ctx.scale(inner / 24, inner / 24);
  const path = new Path2D(picto.d);
  if (picto.stroke) {
    ctx.strokeStyle = '#ffffff';
    ctx.lineWidth = 2.4;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.stroke(path);
  } else {
    ctx.fillStyle = '#ffffff';
    ctx.fill(path, 'evenodd');
  }
  ctx.restore();
  const img = ctx.getImageData(0, 0, px, px);
  return { width: px, height: px, data: new Uint8Array(img.data.buffer) };
}

/** The same symbol as a data: URL, for legends and lists in the panels. */
export function siteIconUrl(category: { code: string; icon?: string | null; color?: string | null }, size = 20): string {
  const { width, height, data } = drawSiteIcon(category, size, 2);
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  canvas.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(data), width, height), 0, 0);
  return canvas.toDataURL('image/png');
}

/**
 * Gives the map a symbol (`site-<code>`) for each category, and a grey one for any category the
 * style asks for that was not loaded.
 */
export function addSiteIcons(map: MlMap, categories: Array<{ code: string; icon?: string | null; color?: string | null }>): void {
  for (const c of categories) map.addImage(`site-${c.code}`, drawSiteIcon(c), { pixelRatio: 2 });
  map.on('styleimagemissing', (e) => {
    if (!e.id.startsWith('site-') || map.hasImage(e.id)) return;
    map.addImage(e.id, drawSiteIcon({ code: e.id.slice(5), color: '#667085' }), { pixelRatio: 2 });
  });
}
