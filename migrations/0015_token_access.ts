import type { Kysely } from 'kysely';
import { runScript } from '../server/db/script.ts';

/**
 * Token scopes: a bearer token is read-only (GIS clients: QGIS, GDAL) or read-write (scripts).
 * Existing tokens keep what they could do.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `
alter table api_tokens add column access text not null default 'write' check (access in ('read', 'write'));
create index sessions_expires_idx on sessions (expires_at);
`);
}

export async function down(db: Kysely<any>): Promise<void> {
  await runScript(db, `
drop index sessions_expires_idx;
alter table api_tokens drop column access;
`);
}
