import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { TileLayer } from './tiles.layers.ts';

/** The layer's data version (bumped by triggers on every change): part of a cached tile's key. */
export async function tileVersion(db: Kysely<Database>, layer: TileLayer): Promise<number | undefined> {
  const { rows } = await sql<{ version: number }>`select version from tile_versions where layer = ${layer}`.execute(db);
  return rows[0]?.version;
}
