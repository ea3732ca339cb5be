import shpwrite from '@mapbox/shp-write';
import { crc32, deflateRawSync } from 'node:zlib';
import type { ExportRow } from './exports.repository.ts';

export interface Column { header: string; value: (row: ExportRow) => unknown }

/**
 * One CSV line (RFC 4180, CRLF). Text that a spreadsheet would run as a formula (= + - @ at the
 * start, not a number) gets a leading apostrophe: names are user input.
 */
export function csvLine(values: unknown[]): string {
  return values.map((v) => {
    if (v === null || v === undefined) return '';
    let text = typeof v === 'object' ? JSON.stringify(v) : String(v);
    if (typeof v === 'string' && /^[=+\-@]/.test(text) && !Number.isFinite(Number(text))) text = `'${text}`;
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  }).join(',') + '\r\n';
}

/**
 * CSV columns for site attributes, from the categories' JSON Schemas: nested objects become dotted
 * paths (responsible.village.name), arrays JSON text; attributes no schema names go to `attrs.other`.
 */
export function attrColumns(schemas: unknown[]): Column[] {
  const paths: string[][] = [];
  const seen = new Set<string>();
  const walk = (schema: any, prefix: string[]) => {
    for (const [key, sub] of Object.entries<any>(schema?.properties ?? {})) {
      const path = [...prefix, key];
      if (sub?.type === 'object' && sub.properties) walk(sub, path);
      else if (!seen.has(path.join('.'))) { seen.add(path.join('.')); paths.push(path); }
    }
  };
  for (const s of schemas) walk(s, []);
  const at = (attrs: unknown, path: string[]) =>
    path.reduce<unknown>((v, k) => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>)[k] : undefined), attrs);
  const tops = new Set(paths.map((p) => p[0]));
  return [
    ...paths.map((path): Column => ({ header: `attrs.${path.join('.')}`, value: (r) => at(r.properties.attrs, path) })),
    { header: 'attrs.other', value: (r) => {
      const other = Object.fromEntries(Object.entries((r.properties.attrs ?? {}) as Record<string, unknown>).filter(([k]) => !tops.has(k)));
      return Object.keys(other).length ? other : null;
    } },
  ];
}

/** A text as UTF-8 bytes in a "binary string" (what the dbf writer copies byte by byte), cut to the 254 bytes a dbf field holds. */
function dbfText(value: unknown): string | number | boolean | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  let text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  while (Buffer.byteLength(text) > 254) text = text.slice(0, -1);
  return Buffer.from(text, 'utf8').toString('latin1');
}

/** dbf field names have at most 10 characters */
const fieldName = (key: string) => ({ regionCode: 'region', villageName: 'village', villageCode: 'village_cd', subjectId: 'subject_id',
  subjectName: 'subject', targetId: 'target_id', targetName: 'target', households: 'households', population: 'population' } as Record<string, string>)[key]
  ?? key.slice(0, 10);

/**
 * A zipped Shapefile set: one shapefile per geometry type (points, lines, polygons), each with the
 * WGS84 .prj and a .cpg saying the dbf text is UTF-8. @mapbox/shp-write's own `zip` merges all lines
 * into one record and lets Polygon and MultiPolygon overwrite each other, so its per-type writer is
 * used directly on MultiLineString / MultiPolygon coordinates.
 */
export async function shapefileZip(rows: ExportRow[], fields: string[]): Promise<Uint8Array<ArrayBuffer>> {
  const zip = new ZipWriter();
  const families: Array<[string, 'POINT' | 'POLYLINE' | 'POLYGON', (t: string) => boolean]> = [
    ['points', 'POINT', (t) => t === 'Point'],
    ['lines', 'POLYLINE', (t) => t === 'LineString' || t === 'MultiLineString'],
    ['polygons', 'POLYGON', (t) => t === 'Polygon' || t === 'MultiPolygon'],
  ];
  for (const [name, type, member] of families) {
    const chosen = rows.filter((r) => member(r.geometry.type));
    if (!chosen.length) continue;
    const records = chosen.map((r) => Object.fromEntries(fields.map((f) => [fieldName(f), dbfText(r.properties[f])])));
    const geometries = chosen.map((r) => {
      const c = r.geometry.coordinates as any;
      if (r.geometry.type === 'LineString') return [c];
      if (r.geometry.type === 'Polygon') return [c];
      return c;
    });
    (shpwrite as unknown as { write: (rows: object[], type: string, geoms: unknown[], cb: (e: unknown, f: any) => void) => void })
      .write(records, type, geometries, (_error, files) => {
        zip.file(`${name}.shp`, files.shp.buffer);
        zip.file(`${name}.shx`, files.shx.buffer);
        zip.file(`${name}.dbf`, files.dbf.buffer);
        zip.file(`${name}.prj`, files.prj);
        zip.file(`${name}.cpg`, 'UTF-8');
      });
  }
  if (!zip.size) zip.file('README.txt', 'No features to export.\r\n');
  return new Uint8Array(zip.finish());
}

/**
 * A minimal ZIP writer (deflate, no ZIP64: exports stay far below 4 GiB) on Node's zlib, so that no
 * zip package is needed beside shp-write.
 */
class ZipWriter {
  #parts: Buffer[] = [];
  #central: Buffer[] = [];
  #offset = 0;
  size = 0;

  file(name: string, content: ArrayBuffer | string): void {
    const data = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content);
    const packed = deflateRawSync(data);
    const nameBytes = Buffer.from(name, 'utf8');
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt32LE(0, 10); // time, date
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(0, 12);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(this.#offset, 42);
    this.#central.push(central, nameBytes);
    this.#parts.push(local, nameBytes, packed);
    this.#offset += 30 + nameBytes.length + packed.length;
    this.size++;
  }

  finish(): Uint8Array {
    const directory = Buffer.concat(this.#central);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(this.size, 8);
    end.writeUInt16LE(this.size, 10);
    end.writeUInt32LE(directory.length, 12);
    end.writeUInt32LE(this.#offset, 16);
    return new Uint8Array(Buffer.concat([...this.#parts, directory, end]));
  }
}
