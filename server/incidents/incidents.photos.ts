import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Kysely } from 'kysely';
import sharp, { type OutputInfo } from 'sharp';
import type { Database } from '../db/schema.ts';
import { writeAudit } from '../audit/audit.repository.ts';
import type { AuthUser } from '../http/env.ts';
import { problem } from '../http/problem.ts';
import { settingValue } from '../settings/settings.repository.ts';
import { insertEvent, insertPhoto, lockIncident, photoFile } from './incidents.repository.ts';

type Db = Kysely<Database>;

/**
 * Where photo files live: PHOTO_DIR when set (e.g. a mounted volume next to PostgreSQL), else
 * DATA_DIR/photos (DATA_DIR defaults to ./data, as for the embedded database). Read on each use so
 * that tests and the CLI can point it elsewhere.
 */
export function photoDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.PHOTO_DIR || path.join(env.DATA_DIR || './data', 'photos'));
}

const formats = { jpeg: { mime: 'image/jpeg', ext: 'jpg' }, png: { mime: 'image/png', ext: 'png' }, webp: { mime: 'image/webp', ext: 'webp' } } as const;
type Format = keyof typeof formats;
const THUMB_PX = 320;

/**
 * Stores a photo of an incident. The type is what the content is (sharp reads it), never what the
 * client claims. What is stored and served is re-encoded: orientation applied to the pixels, all
 * metadata (EXIF with its GPS location, XMP, ICC aside from sRGB conversion) dropped; plus a JPEG
 * thumbnail. The database keeps the metadata (incident_photos); files go under photoDir().
 */
export async function addPhoto(db: Db, user: AuthUser, incidentId: number, file: { name: string; bytes: Uint8Array }) {
  const incident = await lockIncident(db, incidentId);
  if (!incident) throw problem('incident.not-found');
  if (!incident.mayAddPhotos) throw problem('photo.forbidden', {}, { allowedActions: incident.allowedActions });
  const maxBytes = Number(await settingValue(db, 'incidents.photoMaxBytes', 10 * 1024 * 1024));
  if (file.bytes.byteLength > maxBytes) {
    throw problem('photo.too-large', { maxBytes, bytes: file.bytes.byteLength });
  }
  if (file.bytes.byteLength === 0) throw problem('photo.empty');
  let format: Format;
  try {
    const meta = await sharp(file.bytes).metadata();
    if (!meta.format || !(meta.format in formats)) throw new Error(meta.format ?? 'unknown');
    format = meta.format as Format;
  } catch (error) {
    const known = error instanceof Error && /^[a-z0-9]+$/.test(error.message) ? error.message : null;
    throw problem('photo.unsupported-format', { what: known ? `a ${known} image` : 'not an image sharp can read', format: known });
  }
  const image = sharp(file.bytes, { failOn: 'error' }).rotate();
  let data: Buffer;
  let info: OutputInfo;
  let thumb: Buffer;
  try {
    const encoded = format === 'jpeg' ? image.jpeg({ quality: 85, mozjpeg: false }) : format === 'png' ? image.png() : image.webp({ quality: 85 });
    ({ data, info } = await encoded.toBuffer({ resolveWithObject: true }));
    thumb = await sharp(data).resize(THUMB_PX, THUMB_PX, { fit: 'inside', withoutEnlargement: true }).jpeg({ quality: 75 }).toBuffer();
  } catch {
    throw problem('photo.damaged', { format });
  }
  const key = `${incidentId}/${randomUUID()}.${formats[format].ext}`;
  const dir = photoDir();
  const full = path.join(dir, key);
  await mkdir(path.dirname(full), { recursive: true });
  await writeFile(full, data);
  await writeFile(`${full}.thumb.jpg`, thumb);
  try {
    const row = await insertPhoto(db, {
      incidentId, storageKey: key, mime: formats[format].mime, originalName: file.name.slice(0, 200) || null, bytes: data.byteLength,
      width: info.width, height: info.height, sha256: createHash('sha256').update(data).digest('hex'), createdBy: user.id,
    });
    await insertEvent(db, {
      incidentId, actorId: user.personId, actorUserId: user.id, action: 'photo', fromState: incident.state, toState: incident.state,
      note: null, data: { photoId: Number(row.id) },
    });
    await writeAudit(db, {
      actorId: user.id, action: 'incident.photo', entity: 'incident', entityId: incidentId, regionCode: incident.regionCode,
      before: null, after: { photoId: Number(row.id), mime: row.mime, bytes: row.bytes },
    });
    return { ...row, id: Number(row.id) };
  } catch (error) {
    await rm(full, { force: true });
    await rm(`${full}.thumb.jpg`, { force: true });
    throw error;
  }
}

/** A photo (or its thumbnail) of an incident the caller can see. */
export async function readPhoto(db: Db, incidentId: number, photoId: number, thumb: boolean) {
  const row = await photoFile(db, incidentId, photoId);
  if (!row) throw problem('photo.not-found');
  const full = path.join(photoDir(), row.storageKey);
  try {
    return { bytes: await readFile(thumb ? `${full}.thumb.jpg` : full), mime: thumb ? 'image/jpeg' : row.mime };
  } catch {
    throw problem('photo.file-missing');
  }
}
