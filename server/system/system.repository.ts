import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.ts';

/** The smallest round trip: resolves when the database answers. */
export async function ping(db: Kysely<Database>): Promise<void> {
  await sql`select 1`.execute(db);
}

/** The county the client opens on (the lowest code), with its bounding box in degrees. */
export async function firstCounty(db: Kysely<Database>) {
  return db.selectFrom('regions as r')
    .select(['r.code', 'r.name', sql<number[]>`array[ST_XMin(r.boundary), ST_YMin(r.boundary), ST_XMax(r.boundary), ST_YMax(r.boundary)]`.as('bbox')])
    .where('r.level', '=', 'county').orderBy('r.code').executeTakeFirst();
}
