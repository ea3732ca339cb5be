/**
 * Builds the MapLibre glyph PBFs the offline map style needs, from fonts installed on this machine.
 *
 *   npx tsx web/scripts/make-glyphs.ts                  # Noto Sans Regular
 *   npx tsx web/scripts/make-glyphs.ts --weight bold    # Noto Sans Bold
 *   options: --out web/public/glyphs  --name "<font stack>"  --ranges 0-255,256-511,...  --chromium /usr/bin/chromium
 *
 * Each glyph is rasterised by Debian's Chromium (driven through playwright-core) on a 2D canvas and
 * turned into a signed distance field with the algorithm of @mapbox/tiny-sdf (inlined below, BSD-2),
 * with the parameters MapLibre expects of server glyphs: 24 px, 3 px border, radius 8, cutoff 0.25.
 * Every code point is drawn with the first font of FAMILIES whose fontconfig charset covers it; a code
 * point no font covers is left out (MapLibre then draws nothing for it, rather than a tofu box).
 * CJK ideographs are never needed here: MapLibre draws them locally (`localIdeographFontFamily`).
 *
 * Output: <out>/<name>/<start>-<end>.pbf, the `glyphs` protobuf of
 * https://github.com/mapbox/glyph-pbf-composite (fontstack { name, range, glyphs[] }).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

/** Preferred fonts, in order. Noto Sans first (matches the CJK labels' Noto Sans CJK), DejaVu as the Debian default. */
const FAMILIES = ['Noto Sans', 'DejaVu Sans', 'Noto Sans CJK SC'];
const DEFAULT_RANGES = '0-255,256-511,8192-8447,12288-12543,65280-65535';

/** Glyph metrics in MapLibre's glyph PBF convention (24 px em; `top` relative to MapLibre's origin). */
interface RenderedGlyph {
  id: number;
  width: number;
  height: number;
  left: number;
  top: number;
  advance: number;
  /** (width + 6) × (height + 6) SDF bytes, empty when the glyph has no ink (a space). */
  bitmap: number[];
}

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: 'web/public/glyphs' },
    name: { type: 'string' },
    weight: { type: 'string', default: 'regular' },
    ranges: { type: 'string', default: DEFAULT_RANGES },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
  },
});

const bold = values.weight === 'bold';
if (!bold && values.weight !== 'regular') throw new Error('--weight must be regular or bold');
const stackName = values.name ?? (bold ? 'Noto Sans Bold' : 'Noto Sans Regular');
/** fontconfig weight of the face to draw with: 80 regular, 200 bold. */
const fcWeight = bold ? '200' : '80';

/** Code points covered by the chosen face of a family, from fontconfig; empty if not installed. */
function coverage(family: string): Set<number> {
  let out = '';
  try {
    out = execFileSync('fc-list', ['-f', '%{family[0]}\t%{weight}\t%{slant}\t%{charset}\n', `:family=${family}`], {
      encoding: 'utf8',
    });
  } catch {
    return new Set();
  }
  const covered = new Set<number>();
  for (const line of out.split('\n')) {
    const [name, weight, slant, charset] = line.split('\t');
    // Upright (0) faces of the chosen weight only: the coverage of the face the canvas will draw with.
    if (name !== family || weight !== fcWeight || slant !== '0' || !charset) continue;
    for (const part of charset.trim().split(/\s+/)) {
      const [a, b] = part.split('-').map((h) => parseInt(h, 16));
      for (let c = a; c <= (b ?? a); c++) covered.add(c);
    }
  }
  return covered;
}

/** Minimal protobuf writer: just what the glyphs message needs (varints and length-delimited fields). */
class ProtoWriter {
  private bytes: number[] = [];
  varint(n: number): this {
    let v = n >>> 0;
    while (v > 0x7f) {
      this.bytes.push((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    this.bytes.push(v);
    return this;
  }
  uint(field: number, n: number): this {
    return this.varint((field << 3) | 0).varint(n);
  }
  sint(field: number, n: number): this {
    return this.uint(field, ((n << 1) ^ (n >> 31)) >>> 0);
  }
  raw(field: number, data: Uint8Array | number[]): this {
    this.varint((field << 3) | 2).varint(data.length);
    for (const b of data) this.bytes.push(b);
    return this;
  }
  string(field: number, s: string): this {
    return this.raw(field, new TextEncoder().encode(s));
  }
  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

function encodeRange(name: string, range: string, glyphs: RenderedGlyph[]): Uint8Array {
  const stack = new ProtoWriter().string(1, name).string(2, range);
  for (const g of glyphs) {
    const glyph = new ProtoWriter().uint(1, g.id);
    if (g.bitmap.length > 0) glyph.raw(2, g.bitmap);
    glyph.uint(3, g.width).uint(4, g.height).sint(5, g.left).sint(6, g.top).uint(7, g.advance);
    stack.raw(3, glyph.finish());
  }
  return new ProtoWriter().raw(1, stack.finish()).finish();
}

/**
 * Runs in the page. The SDF part is @mapbox/tiny-sdf 2.x, inlined so it can run inside the browser
 * without a bundler, with one change: the glyph is drawn half a pixel lower, so that its `top` can be
 * an integer in MapLibre's convention (local glyphs use top = ascent − 27.5).
 *
 * Copyright (c) 2016-2024 Mapbox, Inc. BSD-2-Clause:
 * Redistribution and use in source and binary forms, with or without modification, are permitted provided
 * that the following conditions are met:
 * 1. Redistributions of source code must retain the above copyright notice, this list of conditions and the
 *    following disclaimer.
 * 2. Redistributions in binary form must reproduce the above copyright notice, this list of conditions and
 *    the following disclaimer in the documentation and/or other materials provided with the distribution.
 * THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS" AND ANY EXPRESS OR IMPLIED
 * WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A
 * PARTICULAR PURPOSE ARE DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT HOLDER OR CONTRIBUTORS BE LIABLE FOR
 * ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, OR CONSEQUENTIAL DAMAGES (INCLUDING, BUT NOT LIMITED
 * TO, PROCUREMENT OF SUBSTITUTE GOODS OR SERVICES; LOSS OF USE, DATA, OR PROFITS; OR BUSINESS INTERRUPTION)
 * HOWEVER CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY, OR TORT (INCLUDING
 * NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE OF THIS SOFTWARE, EVEN IF ADVISED OF THE
 * POSSIBILITY OF SUCH DAMAGE.
 */
function renderInPage({ jobs, fontWeight }: { jobs: Array<{ id: number; family: string }>; fontWeight: string }): RenderedGlyph[] {
  const INF = 1e20;
  const fontSize = 24;
  const buffer = 3;
  const radius = 8;
  const cutoff = 0.25;
  const yShift = 0.5;
  const topAdjustment = 27.5;

  const alphaTable = new Float64Array(256);
  for (let i = 0; i < 256; i++) {
    const d = 0.5 - Math.pow(i / 255, 1 / 2.2);
    alphaTable[i] = d * Math.abs(d);
  }
  alphaTable[255] = -INF;

  const size = fontSize + buffer * 4;
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = size;
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.textBaseline = 'alphabetic';
  ctx.textAlign = 'left';
  ctx.fillStyle = 'black';
  const maxGlyphDim = size - buffer;
  const gridDim = maxGlyphDim + 2 * buffer;
  const gridOuter = new Float64Array(gridDim * gridDim);
  const gridInner = new Float64Array(gridDim * gridDim);
  const f = new Float64Array(gridDim);
  const z = new Float64Array(gridDim + 1);
  const v = new Uint16Array(gridDim);

  function edt1d(grid: Float64Array, offset: number, stride: number, length: number): void {
    v[0] = 0;
    z[0] = -INF;
    z[1] = INF;
    f[0] = grid[offset];
    for (let q = 1, k = 0; q < length; q++) {
      const fq = (f[q] = grid[offset + q * stride]);
      const q2 = q * q;
      let s: number;
      do {
        const r = v[k];
        s = (fq - f[r] + q2 - r * r) / (q - r) / 2;
      } while (s <= z[k] && --k > -1);
      k++;
      v[k] = q;
      z[k] = s;
      z[k + 1] = INF;
    }
    for (let q = 0, k = 0; q < length; q++) {
      while (z[k + 1] < q) k++;
      const r = v[k];
      const qr = q - r;
      grid[offset + q * stride] = f[r] + qr * qr;
    }
  }
  function edt(data: Float64Array, x0: number, y0: number, width: number, height: number, gridSize: number, skipCols = 0): void {
    for (let x = x0 + skipCols; x < x0 + width - skipCols; x++) edt1d(data, y0 * gridSize + x, gridSize, height);
    for (let y = y0; y < y0 + height; y++) edt1d(data, y * gridSize + x0, 1, width);
  }

  const out: RenderedGlyph[] = [];
  for (const { id, family } of jobs) {
    const char = String.fromCodePoint(id);
    ctx.font = `normal ${fontWeight} ${fontSize}px "${family}"`;
    const m = ctx.measureText(char);
    const glyphTop = Math.ceil(m.actualBoundingBoxAscent - yShift);
    const glyphLeft = Math.floor(-m.actualBoundingBoxLeft);
    const glyphWidth = Math.max(0, Math.min(maxGlyphDim, Math.ceil(m.actualBoundingBoxRight) - glyphLeft));
    const glyphHeight = Math.max(0, Math.min(maxGlyphDim, glyphTop + Math.ceil(m.actualBoundingBoxDescent + yShift)));
    const advance = Math.round(m.width);
    const top = Math.round(glyphTop + yShift - topAdjustment);
    if (glyphWidth === 0 || glyphHeight === 0) {
      out.push({ id, width: 0, height: 0, left: 0, top, advance, bitmap: [] });
      continue;
    }
    const width = glyphWidth + 2 * buffer;
    const height = glyphHeight + 2 * buffer;
    const len = width * height;
    ctx.clearRect(0, 0, size, size);
    ctx.fillText(char, buffer - glyphLeft, buffer + glyphTop + yShift);
    const img = ctx.getImageData(buffer, buffer, glyphWidth, glyphHeight);
    gridOuter.fill(INF, 0, len);
    gridInner.fill(0, 0, len);
    let imgIdx = 3;
    for (let y = 0; y < glyphHeight; y++) {
      let j = (y + buffer) * width + buffer;
      for (let x = 0; x < glyphWidth; x++, imgIdx += 4, j++) {
        const a = img.data[imgIdx];
        if (a === 0) continue;
        const t = alphaTable[a];
        gridOuter[j] = Math.max(0, t);
        gridInner[j] = Math.max(0, -t);
      }
    }
    edt(gridOuter, 0, 0, width, height, width, buffer);
    const pad = Math.min(buffer, 1);
    edt(gridInner, buffer - pad, buffer - pad, glyphWidth + 2 * pad, glyphHeight + 2 * pad, width);
    const data = new Uint8ClampedArray(len);
    const scale = 255 / radius;
    const base = 255 * (1 - cutoff);
    for (let i = 0; i < len; i++) data[i] = base - scale * (Math.sqrt(gridOuter[i]) - Math.sqrt(gridInner[i]));
    out.push({ id, width: glyphWidth, height: glyphHeight, left: glyphLeft, top, advance, bitmap: Array.from(data) });
  }
  return out;
}

/** Control and format characters carry no glyph. */
function isDrawable(cp: number): boolean {
  return !/^[\p{Cc}\p{Cs}\p{Co}\p{Cn}]$/u.test(String.fromCodePoint(cp));
}

async function main(): Promise<void> {
  const families = FAMILIES.map((family) => ({ family, covered: coverage(family) })).filter((f) => f.covered.size > 0);
  if (families.length === 0) throw new Error(`none of ${FAMILIES.join(', ')} is installed (fc-list)`);
  console.log(`fonts: ${families.map((f) => `${f.family} (${f.covered.size} code points)`).join(', ')}`);

  const outDir = resolve(values.out!, stackName);
  mkdirSync(outDir, { recursive: true });
  const browser = await chromium.launch({
    executablePath: values.chromium,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  try {
    const page = await browser.newPage();
    await page.setContent('<!doctype html><meta charset="utf-8"><body></body>');
    // tsx (esbuild keepNames) wraps inner functions in __name(); give the page a no-op one.
    await page.evaluate('globalThis.__name = (f) => f');
    for (const range of values.ranges!.split(',')) {
      const [start, end] = range.split('-').map(Number);
      if (!(end - start === 255 && start % 256 === 0)) throw new Error(`not a glyph range: ${range}`);
      const jobs: Array<{ id: number; family: string }> = [];
      for (let id = start; id <= end; id++) {
        if (id === 0x20 || id === 0xa0 || id === 0x3000) {
          jobs.push({ id, family: families[0].family });
          continue;
        }
        const family = families.find((f) => f.covered.has(id))?.family;
        if (family && isDrawable(id)) jobs.push({ id, family });
      }
      const glyphs = await page.evaluate(renderInPage, { jobs, fontWeight: bold ? 'bold' : 'normal' });
      const file = join(outDir, `${start}-${end}.pbf`);
      const pbf = encodeRange(stackName, `${start}-${end}`, glyphs);
      writeFileSync(file, pbf);
      console.log(`${file}: ${glyphs.length} glyphs, ${pbf.length} bytes`);
    }
  } finally {
    await browser.close();
  }
}

await main();
