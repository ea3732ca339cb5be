import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Extension } from '@electric-sql/pglite';
import { postgis } from '@electric-sql/pglite-postgis';

/**
 * PostGIS for PGlite with only what the platform uses.
 *
 * The upstream extension ships a 19 MB bundle (95 MB unpacked: postgis, postgis_raster,
 * postgis_topology, tiger geocoder, upgrade scripts) that PGlite gunzips into a Blob, reads back
 * (slow in Node 20: ~10 s wall under load for 95 MB) and unpacks into its in-memory file system on
 * every start, compiling all three ~16 MB WebAssembly side modules. The platform creates only the
 * `postgis` extension (migrations/0001_core.ts), and `postgis_raster` must never be enabled in
 * PGlite (STACK-NOTES.md), so this keeps postgis-3.so, its control and install script and PROJ's
 * data (ST_Transform needs proj.db), extracted once to a cache directory next to the package, and
 * writes those files into PGlite's file system before it starts: a start costs about 40 % less CPU.
 */
const KEEP = /^(lib\/postgresql\/postgis-3\.so|share\/postgresql\/extension\/postgis\.control|share\/postgresql\/extension\/postgis--[\d.]+\.sql|share\/proj\/[^/]+(\/[^/]+)*)$/;

interface BundleFile { name: string; data: Uint8Array }
export interface TarEntry extends BundleFile { directory: boolean }

const require = createRequire(import.meta.url);
/** node_modules/@electric-sql/pglite-postgis (its main file is dist/index.cjs) */
const packageDir = path.dirname(path.dirname(require.resolve('@electric-sql/pglite-postgis')));

let files: BundleFile[] | undefined;

/** The kept files, read from the cache directory (made on first use from the upstream bundle). */
export function slimBundleFiles(): BundleFile[] {
  if (files) return files;
  const version = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')).version as string;
  const bundle = path.join(packageDir, 'dist/postgis.tar.gz');
  const cache = path.join(packageDir, '../../.cache/pingan', `postgis-${version}-${statSync(bundle).size}`);
  if (!existsSync(cache)) {
    const kept = readTar(gunzipSync(readFileSync(bundle))).filter((f) => !f.directory && KEEP.test(f.name));
    if (!kept.some((f) => f.name.endsWith('postgis-3.so'))) throw new Error(`${bundle} holds no postgis-3.so`);
    try {
      const tmp = `${cache}.${process.pid}.tmp`;
      for (const f of kept) {
        mkdirSync(path.dirname(path.join(tmp, f.name)), { recursive: true });
        writeFileSync(path.join(tmp, f.name), f.data);
      }
      try { renameSync(tmp, cache); } catch { rmSync(tmp, { recursive: true, force: true }); /* another process made it first */ }
    } catch {
      // a read-only install: keep the files in memory for this process
      return files = kept;
    }
  }
  const list = (dir: string): string[] => readdirSync(path.join(cache, dir), { withFileTypes: true })
    .flatMap((e) => e.isDirectory() ? list(path.posix.join(dir, e.name)) : [path.posix.join(dir, e.name)]);
  return files = list('').map((name) => ({ name, data: readFileSync(path.join(cache, name)) }));
}

/**
 * Regular files and directories of an uncompressed ustar tar without pax headers (the upstream
 * bundle, and PGlite's dumpDataDir); names lose a leading "/" or "./"; other entries are skipped.
 */
export function readTar(buf: Buffer): TarEntry[] {
  const out: TarEntry[] = [];
  const text = (h: Buffer, from: number, to: number) => {
    const s = h.subarray(from, to);
    const end = s.indexOf(0);
    return s.subarray(0, end < 0 ? s.length : end).toString('latin1');
  };
  for (let offset = 0; offset + 512 <= buf.length;) {
    const header = buf.subarray(offset, offset + 512);
    if (header[0] === 0) break;
    if (!text(header, 257, 262).startsWith('ustar')) throw new Error('not a ustar archive (expected the PostGIS bundle or a dumped data directory)');
    const prefix = text(header, 345, 500);
    const name = (prefix ? `${prefix}/` : '') + text(header, 0, 100);
    const size = parseInt(text(header, 124, 136).trim() || '0', 8);
    const type = header[156];
    const entry = { name: name.replace(/^\.?\//, '').replace(/\/$/, ''), data: buf.subarray(offset + 512, offset + 512 + size) };
    // '0' or NUL: a regular file, '5': a directory; symlinks (the bundle's upgrade-path scripts) and others are skipped
    if (type === 48 || type === 0) out.push({ ...entry, directory: false });
    else if (type === 53) out.push({ ...entry, directory: true });
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

/** The `postgis` PGlite extension with the slim bundle (same environment as upstream's). */
export const slimPostgis: Extension = {
  name: 'postgis',
  async setup(pg, emscriptenOpts) {
    const upstream = await postgis.setup(pg, emscriptenOpts);
    const kept = slimBundleFiles();
    const opts = upstream.emscriptenOpts ?? emscriptenOpts;
    return {
      emscriptenOpts: {
        ...opts,
        preRun: [...(opts.preRun ?? []), (mod: any) => {
          for (const f of kept) {
            const file = `${mod.WASM_PREFIX}/${f.name}`;
            const dir = file.slice(0, file.lastIndexOf('/'));
            if (!mod.FS.analyzePath(dir).exists) mod.FS.mkdirTree(dir);
            // a side module is compiled while PGlite starts, as PGlite does with its own bundles
            if (f.name.endsWith('.so')) mod.FS.createPreloadedFile(dir, file.slice(dir.length + 1), f.data, true, true, () => {}, () => { throw new Error(`PGlite could not load ${file}`); }, false);
            else mod.FS.writeFile(file, f.data);
          }
        }],
      },
    };
  },
};

/**
 * A dumped data directory as PGlite's `loadDataDir`: PGlite only calls arrayBuffer(), and Node 20's
 * Blob reads a 130 MB buffer back in seconds; this hands PGlite the bytes themselves.
 */
export function dataDirBlob(bytes: Uint8Array): Blob {
  const blob = new Blob([]);
  const buffer = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
    ? bytes.buffer as ArrayBuffer
    : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  Object.defineProperty(blob, 'size', { value: bytes.byteLength });
  blob.arrayBuffer = async () => buffer;
  return blob;
}
