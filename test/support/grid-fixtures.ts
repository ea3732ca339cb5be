import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../../server/db/schema.ts';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/grids');

export type GridFixture = 'valid-3x3' | 'gap-sliver' | 'overlap' | 't-junction' | 'hole';

/** A fixture's features: one `village` boundary and its `grid`s (north→south, west→east). */
export function readGridFixture(name: GridFixture) {
  return JSON.parse(readFileSync(path.join(dir, `${name}.geojson`), 'utf8')) as {
    features: Array<{ properties: { role: 'village' | 'grid'; name: string }; geometry: unknown }>;
  };
}

/** Fixture villages are drawn at (113.5, 33.5) and moved this far east (degrees) per sequence number. */
export const fixtureOffset = (villageSeq: number) => villageSeq * 0.01;

/**
 * Loads a fixture as a new village (in a test township 990101901000 outside the demo county) with
 * its grids in the comprehensive layer, moved `fixtureOffset(villageSeq)` east so villages never
 * overlap; returns the village code, the grid ids in fixture order and the offset.
 */
export async function loadGridFixture(db: Kysely<Database>, name: GridFixture, villageSeq: number) {
  const township = '990101901000';
  const village = `990101901${String(villageSeq).padStart(3, '0')}`;
  const fixture = readGridFixture(name);
  const dx = fixtureOffset(villageSeq);
  const boundary = fixture.features.find((f) => f.properties.role === 'village')!;
  await sql`insert into regions (code, name, level, parent_code) values (${township}, '测试镇', 'township', '990101000000')
    on conflict do nothing`.execute(db);
  await sql`insert into regions (code, name, level, parent_code, boundary)
    values (${village}, ${`${name}测试村`}, 'village', ${township},
      ST_Translate(ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(boundary.geometry)}), 4326), ${dx}, 0))`.execute(db);
  const ids: number[] = [];
  let seq = 0;
  for (const grid of fixture.features.filter((f) => f.properties.role === 'grid')) {
    seq++;
    const { rows } = await sql<{ id: number }>`insert into grids (code, name, layer_id, village_code, geom)
      values (${village + String(seq).padStart(3, '0')}, ${grid.properties.name}, 1, ${village},
        ST_Multi(ST_Translate(ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(grid.geometry)}), 4326), ${dx}, 0))) returning id`.execute(db);
    ids.push(Number(rows[0].id));
  }
  return { village, ids, dx };
}
