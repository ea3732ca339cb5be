import { Unzip, UnzipInflate } from 'fflate';
import { problem, type ParamValue } from '../http/problem.ts';

/**
 * The one reader of uploaded zip archives (site imports, plan Shapefile imports). A zip bomb — a
 * small upload that unpacks to gigabytes — is refused before and while inflating: the entry count
 * from the end-of-central-directory record and the sizes the entries declare are checked first,
 * and the bytes actually inflated are counted as they come out of the streaming inflater (headers
 * can lie), fed 16 KiB of compressed input at a time so that no step unpacks more than ~16 MiB.
 */

export interface ZipLimits {
  /** total bytes that the extracted entries may unpack to */
  maxUnpackedBytes: number;
  /** entries in the archive, extracted or not */
  maxEntries: number;
}

/** UPLOAD_UNZIPPED_MAX_MIB (default 256) and UPLOAD_ZIP_MAX_ENTRIES (default 1000), read on each upload. */
export function zipLimits(env: NodeJS.ProcessEnv = process.env): ZipLimits {
  const number = (value: string | undefined, fallback: number) => (value && Number(value) > 0 ? Number(value) : fallback);
  return {
    maxUnpackedBytes: number(env.UPLOAD_UNZIPPED_MAX_MIB, 256) * 1024 * 1024,
    maxEntries: number(env.UPLOAD_ZIP_MAX_ENTRIES, 1000),
  };
}

const tooLarge = (code: 'zip.too-many-entries' | 'zip.declared-too-large' | 'zip.too-large', params: Record<string, ParamValue>, limits: ZipLimits) => problem(code, params as never,
  { maxUnpackedBytes: limits.maxUnpackedBytes, maxEntries: limits.maxEntries });
const unreadable = (reason: string) => problem('zip.unreadable', { reason });

/** The entry count that the end-of-central-directory record declares (0xffff: a Zip64 archive, counted as too many). */
function declaredEntryCount(zip: Uint8Array): number {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === 0x06054b50) return view.getUint16(i + 10, true);
  }
  throw unreadable('no end of central directory record');
}

/**
 * The entries whose names `wanted` accepts, unpacked, by name. 413 archive-too-large when the
 * archive has too many entries or the wanted ones unpack past the limit; 422 when it is no zip.
 */
export function readZip(zip: Uint8Array, wanted: (name: string) => boolean, limits: ZipLimits = zipLimits()): Map<string, Uint8Array> {
  const count = declaredEntryCount(zip);
  if (count > limits.maxEntries) throw tooLarge('zip.too-many-entries', { entries: count, maxEntries: limits.maxEntries }, limits);

  const files = new Map<string, Uint8Array[]>();
  let entries = 0;
  let declared = 0;
  let unpacked = 0;
  let failure: Error | undefined;
  const unzip = new Unzip((file) => {
    if (failure) return;
    if (++entries > limits.maxEntries) {
      failure = tooLarge('zip.too-many-entries', { entries: `more than ${limits.maxEntries}`, maxEntries: limits.maxEntries }, limits);
      return;
    }
    if (!wanted(file.name)) return;
    declared += file.originalSize ?? 0;
    if (declared > limits.maxUnpackedBytes) {
      failure = tooLarge('zip.declared-too-large', { maxBytes: limits.maxUnpackedBytes }, limits);
      return;
    }
    const chunks: Uint8Array[] = [];
    files.set(file.name, chunks);
    file.ondata = (error, chunk) => {
      if (failure) return;
      if (error) { failure = unreadable(`${file.name}: ${error.message}`); return; }
      unpacked += chunk.length;
      if (unpacked > limits.maxUnpackedBytes) {
        failure = tooLarge('zip.too-large', { maxBytes: limits.maxUnpackedBytes }, limits);
        file.terminate();
        return;
      }
      chunks.push(chunk);
    };
    try { file.start(); } catch (error) { failure = unreadable(`${file.name}: ${(error as Error).message}`); }
  });
  unzip.register(UnzipInflate);
  const step = 16 * 1024;
  for (let offset = 0; offset < zip.length && !failure; offset += step) {
    try {
      unzip.push(zip.subarray(offset, offset + step), offset + step >= zip.length);
    } catch (error) {
      failure ??= unreadable((error as Error).message);
    }
  }
  if (failure) throw failure;
  return new Map([...files].map(([name, chunks]) => [name, concat(chunks)]));
}

function concat(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const chunk of chunks) { out.set(chunk, at); at += chunk.length; }
  return out;
}
