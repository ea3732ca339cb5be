import { Ajv, type ValidateFunction } from 'ajv';
import type { Kysely } from 'kysely';
import type { GeoJsonGeometry } from '../db/geo.ts';
import type { Database } from '../db/schema.ts';
import { writeAudit } from '../audit/audit.repository.ts';
import type { AuthUser } from '../http/env.ts';
import { type FieldError, ajvFieldErrors, fieldErrorsDetail } from '../http/field-errors.ts';
import { problem } from '../http/problem.ts';
import { ringClosedOrUnjudged } from '../http/schemas.ts';
import {
  deleteSiteAt, insertSite, placeOfGeometry, siteCategoryRows, siteSnapshot, siteVersion, updateSiteAt,
} from './sites.repository.ts';

type Db = Kysely<Database>;

// Schemas carry display keywords (titleEn, unit) that are not JSON Schema: allowed, not validated.
const ajv = new Ajv({ allErrors: true, strict: false });
const validators = new Map<string, ValidateFunction>();

function validatorFor(category: string, schema: object): ValidateFunction {
  const key = `${category}:${JSON.stringify(schema)}`;
  let validate = validators.get(key);
  if (!validate) validators.set(key, validate = ajv.compile(schema));
  return validate;
}

const kindOf: Record<string, string> = {
  Point: 'point', MultiPoint: 'point', LineString: 'line', MultiLineString: 'line', Polygon: 'polygon', MultiPolygon: 'polygon',
};

export interface SiteInput {
  category?: string;
  name?: string;
  geometry?: GeoJsonGeometry;
  entrances?: [number, number][] | null;
  attrs?: Record<string, unknown>;
  version?: number;
}

export type SiteCategories = Map<string, { geometryKind: string; hasEntrances: boolean; attrSchema: unknown }>;

export async function siteCategories(db: Db): Promise<SiteCategories> {
  const rows = await siteCategoryRows(db);
  return new Map(rows.map((r) => [r.code, r]));
}

/**
 * What is wrong with a site for its category (geometry kind, entrances, attributes against the
 * category's JSON Schema), as field errors; empty when it fits.
 */
export function categoryErrors(categories: SiteCategories, category: string, geometry: GeoJsonGeometry, entrances: unknown,
  attrs: Record<string, unknown>): FieldError[] {
  const cat = categories.get(category);
  if (!cat) return [{ path: 'category', message: `unknown site category "${category}"` }];
  const errors: FieldError[] = [];
  if (cat.geometryKind !== 'any' && kindOf[geometry.type] !== cat.geometryKind) {
    errors.push({ path: 'geometry', message: `a ${category} site is a ${cat.geometryKind}, not a ${geometry.type}`, params: { category, expected: cat.geometryKind, actual: geometry.type } });
  }
  if (entrances && !cat.hasEntrances) errors.push({ path: 'entrances', message: `${category} sites have no entrances` });
  const validate = validatorFor(category, cat.attrSchema as object);
  if (!validate(attrs)) {
    errors.push(...ajvFieldErrors(validate.errors, 'attrs'));
  }
  return errors;
}

/** Checks a site against its category; a misfit is a 422 naming every bad field. */
async function checkAgainstCategory(db: Db, category: string, geometry: GeoJsonGeometry, entrances: unknown, attrs: Record<string, unknown>) {
  const errors = categoryErrors(await siteCategories(db), category, geometry, entrances, attrs);
  if (!errors.length) return;
  const kindError = errors.find((e) => e.path === 'geometry');
  if (kindError) throw problem('site.wrong-geometry-kind', kindError.params as { category: string; expected: string; actual: string });
  throw problem('fields.invalid', { summary: fieldErrorsDetail(errors), fields: errors.map((e) => e.path).join(', ') }, { errors });
}

/** The site's geometry as PostGIS reads it: valid, on the 1e-7° grid; and where it lies (village, grid). */
async function placeOf(db: Db, geometry: GeoJsonGeometry, entrances: [number, number][] | null) {
  // PostGIS cannot even read a polygon whose ring is open (ST_GeomFromGeoJSON raises): say so first
  const rings = geometry.type === 'Polygon' ? geometry.coordinates as unknown[]
    : geometry.type === 'MultiPolygon' ? (geometry.coordinates as unknown[][]).flat() : [];
  if (!rings.every(ringClosedOrUnjudged)) {
    throw problem('geometry.ring-not-closed');
  }
  const row = await placeOfGeometry(db, geometry);
  if (!row.valid) throw problem('geometry.invalid', { reason: row.reason });
  if (!row.villageCode) throw problem('site.outside-scope');
  return { villageCode: row.villageCode, gridId: row.gridId === null ? null : Number(row.gridId), entrances };
}

async function audit(db: Db, user: AuthUser, action: string, id: number, regionCode: string, before: unknown, after: unknown) {
  await writeAudit(db, { actorId: user.id, action, entity: 'site', entityId: id, regionCode, before, after });
}

export async function createSite(db: Db, user: AuthUser, input: Required<Pick<SiteInput, 'category' | 'name' | 'geometry'>> & SiteInput) {
  const attrs = input.attrs ?? {};
  await checkAgainstCategory(db, input.category, input.geometry, input.entrances, attrs);
  const place = await placeOf(db, input.geometry, input.entrances ?? null);
  const id = await insertSite(db, { category: input.category, name: input.name, geometry: input.geometry, entrances: place.entrances, attrs,
    villageCode: place.villageCode, gridId: place.gridId });
  await audit(db, user, 'site.create', Number(id), place.villageCode, null, await siteSnapshot(db, Number(id)));
  return Number(id);
}

/**
 * Why a guarded update or delete touched no row: a concurrent request changed the site since it
 * was read (409 with the current version; under PostgreSQL's read committed the loser waits for
 * the winner's row lock, then no longer matches the version), or row security refused it (403).
 */
async function refusal(db: Db, id: number, readVersion: number, forbidden: 'site.edit-forbidden' | 'site.delete-forbidden'): Promise<never> {
  const now = await siteVersion(db, id);
  if (!now) throw problem('site.not-found');
  if (now.version !== readVersion) {
    throw problem('site.changed-meanwhile', { siteId: id, currentVersion: now.version }, { currentVersion: now.version });
  }
  throw problem(forbidden);
}

export async function updateSite(db: Db, user: AuthUser, id: number, input: SiteInput) {
  const before = await siteSnapshot(db, id);
  if (!before) throw problem('site.not-found');
  if (input.version !== undefined && input.version !== before.version) {
    throw problem('site.stale-version', { siteId: id, currentVersion: before.version, version: input.version },
      { currentVersion: before.version });
  }
  const category = input.category ?? before.category;
  const geometry = input.geometry ?? before.geometry;
  const entrances = input.entrances === undefined ? before.entrances : input.entrances;
  const attrs = input.attrs ?? (before.attrs as Record<string, unknown>);
  await checkAgainstCategory(db, category, geometry, entrances, attrs);
  const place = await placeOf(db, geometry, entrances);
  const updated = await updateSiteAt(db, id, before.version, { category, name: input.name ?? before.name, geometry, entrances, attrs,
    villageCode: place.villageCode, gridId: place.gridId });
  if (!updated) await refusal(db, id, before.version, 'site.edit-forbidden');
  await audit(db, user, 'site.update', id, place.villageCode, before, await siteSnapshot(db, id));
  return { previousGeometry: before.geometry };
}

export async function deleteSite(db: Db, user: AuthUser, id: number, version?: number) {
  const before = await siteSnapshot(db, id);
  if (!before) throw problem('site.not-found');
  if (version !== undefined && version !== before.version) {
    throw problem('site.stale-version', { siteId: id, currentVersion: before.version, version }, { currentVersion: before.version });
  }
  const deleted = await deleteSiteAt(db, id, before.version);
  if (!deleted) await refusal(db, id, before.version, 'site.delete-forbidden');
  await audit(db, user, 'site.delete', id, before.regionCode, before, null);
}
