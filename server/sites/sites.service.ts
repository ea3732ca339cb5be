import { Ajv, type ValidateFunction } from 'ajv';
import { type Kysely, sql } from 'kysely';
import { type GeoJsonGeometry, inCountiesMeeting } from '../db/geo.ts';
import type { Database } from '../db/schema.ts';
import { writeAudit } from '../audit/audit.repository.ts';
import type { AuthUser } from '../http/env.ts';
import { type FieldError, ajvFieldErrors, fieldErrorsDetail } from '../http/field-errors.ts';
import { ProblemError, notFound } from '../http/problem.ts';
import { ringClosedOrUnjudged } from '../http/schemas.ts';

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
  const rows = await db.selectFrom('siteCategories').select(['code', 'geometryKind', 'hasEntrances', 'attrSchema']).execute();
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
    errors.push({ path: 'geometry', message: `a ${category} site is a ${cat.geometryKind}, not a ${geometry.type}` });
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
  if (kindError) throw new ProblemError(422, 'invalid-geometry', kindError.message);
  throw new ProblemError(422, 'validation', fieldErrorsDetail(errors), { errors });
}

/** The site's geometry as PostGIS reads it: valid, on the 1e-7° grid; and where it lies (village, grid). */
async function placeOf(db: Db, geometry: GeoJsonGeometry, entrances: [number, number][] | null) {
  // PostGIS cannot even read a polygon whose ring is open (ST_GeomFromGeoJSON raises): say so first
  const rings = geometry.type === 'Polygon' ? geometry.coordinates as unknown[]
    : geometry.type === 'MultiPolygon' ? (geometry.coordinates as unknown[][]).flat() : [];
  if (!rings.every(ringClosedOrUnjudged)) {
    throw new ProblemError(422, 'invalid-geometry', 'the geometry is not valid: a ring must end where it starts');
  }
  const { rows: [row] } = await sql<{ valid: boolean; reason: string; villageCode: string | null; gridId: number | null }>`
    with g as (select ST_ReducePrecision(ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(geometry)}), 4326), 1e-7) as geom),
    -- the placing point as a column: under row-level security only LEAKPROOF conditions use the grids' index
    p as materialized (select g.geom, case when ST_IsValid(g.geom) then ST_PointOnSurface(g.geom) end as at from g)
    select ST_IsValid(p.geom) as valid, ST_IsValidReason(p.geom) as reason, c.village_code, c.id as grid_id
    from p left join lateral (select gr.id, gr.village_code from grids gr
      where gr.valid_to is null and gr.layer_id = 1 and ${inCountiesMeeting('gr.county_code', sql`p.at`)}
        and ST_Intersects(gr.geom, p.at) order by gr.code limit 1) c on true`
    .execute(db);
  if (!row.valid) throw new ProblemError(422, 'invalid-geometry', `the geometry is not valid: ${row.reason}`);
  if (!row.villageCode) throw new ProblemError(422, 'invalid-geometry', 'the site lies in no grid you can see; draw it inside your area');
  return { villageCode: row.villageCode, gridId: row.gridId === null ? null : Number(row.gridId), entrances };
}

const geomSql = (geometry: GeoJsonGeometry) =>
  sql`ST_ReducePrecision(ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(geometry)}), 4326), 1e-7)`;
const entrancesSql = (entrances: [number, number][] | null) => entrances?.length
  ? sql`ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify({ type: 'MultiPoint', coordinates: entrances })}), 4326)`
  : sql`null`;

async function audit(db: Db, user: AuthUser, action: string, id: number, regionCode: string, before: unknown, after: unknown) {
  await writeAudit(db, { actorId: user.id, action, entity: 'site', entityId: id, regionCode, before, after });
}

async function snapshot(db: Db, id: number) {
  return db.selectFrom('sites').select(['id', 'category', 'name', 'attrs', 'regionCode', 'gridId', 'version',
    sql<GeoJsonGeometry>`ST_AsGeoJSON(geom, 7)::json`.as('geometry'),
    sql<[number, number][] | null>`ST_AsGeoJSON(entrances, 7)::json -> 'coordinates'`.as('entrances')])
    .where('id', '=', id).executeTakeFirst();
}

export async function createSite(db: Db, user: AuthUser, input: Required<Pick<SiteInput, 'category' | 'name' | 'geometry'>> & SiteInput) {
  const attrs = input.attrs ?? {};
  await checkAgainstCategory(db, input.category, input.geometry, input.entrances, attrs);
  const place = await placeOf(db, input.geometry, input.entrances ?? null);
  const { rows: [{ id }] } = await sql<{ id: number }>`insert into sites (category, name, geom, entrances, attrs, region_code, grid_id)
    values (${input.category}, ${input.name}, ${geomSql(input.geometry)}, ${entrancesSql(place.entrances)}, ${JSON.stringify(attrs)}::jsonb,
      ${place.villageCode}, ${place.gridId}) returning id`.execute(db);
  await audit(db, user, 'site.create', Number(id), place.villageCode, null, await snapshot(db, Number(id)));
  return Number(id);
}

/**
 * Why a guarded update or delete touched no row: a concurrent request changed the site since it
 * was read (409 with the current version; under PostgreSQL's read committed the loser waits for
 * the winner's row lock, then no longer matches the version), or row security refused it (403).
 */
async function refusal(db: Db, id: number, readVersion: number, forbidden: string): Promise<never> {
  const now = await db.selectFrom('sites').select('version').where('id', '=', id).executeTakeFirst();
  if (!now) throw notFound('site');
  if (now.version !== readVersion) {
    throw new ProblemError(409, 'conflict', `site ${id} was changed meanwhile and is now at version ${now.version}`, { currentVersion: now.version });
  }
  throw new ProblemError(403, 'forbidden', forbidden);
}

export async function updateSite(db: Db, user: AuthUser, id: number, input: SiteInput) {
  const before = await snapshot(db, id);
  if (!before) throw notFound('site');
  if (input.version !== undefined && input.version !== before.version) {
    throw new ProblemError(409, 'conflict', `site ${id} is at version ${before.version}; your edit was based on version ${input.version}`,
      { currentVersion: before.version });
  }
  const category = input.category ?? before.category;
  const geometry = input.geometry ?? before.geometry;
  const entrances = input.entrances === undefined ? before.entrances : input.entrances;
  const attrs = input.attrs ?? (before.attrs as Record<string, unknown>);
  await checkAgainstCategory(db, category, geometry, entrances, attrs);
  const place = await placeOf(db, geometry, entrances);
  const result = await sql`update sites set category = ${category}, name = ${input.name ?? before.name}, geom = ${geomSql(geometry)},
      entrances = ${entrancesSql(entrances)}, attrs = ${JSON.stringify(attrs)}::jsonb, region_code = ${place.villageCode},
      grid_id = ${place.gridId}, version = version + 1, updated_at = now()
    where id = ${id} and version = ${before.version}`.execute(db);
  if (!result.numAffectedRows) await refusal(db, id, before.version, 'you may not change this site');
  await audit(db, user, 'site.update', id, place.villageCode, before, await snapshot(db, id));
  return { previousGeometry: before.geometry };
}

export async function deleteSite(db: Db, user: AuthUser, id: number, version?: number) {
  const before = await snapshot(db, id);
  if (!before) throw notFound('site');
  if (version !== undefined && version !== before.version) {
    throw new ProblemError(409, 'conflict', `site ${id} is at version ${before.version}`, { currentVersion: before.version });
  }
  const result = await db.deleteFrom('sites').where('id', '=', id).where('version', '=', before.version).executeTakeFirst();
  if (!result.numDeletedRows) await refusal(db, id, before.version, 'you may not delete this site');
  await audit(db, user, 'site.delete', id, before.regionCode, before, null);
}
