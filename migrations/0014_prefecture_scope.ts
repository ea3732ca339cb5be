import type { Kysely } from 'kysely';
import { runScript } from '../server/db/script.ts';

/**
 * A prefecture deployment serves about ten counties (issue 7): its staff need a scope above the
 * county. Region codes keep their three levels; a scope may now also be the 4-digit prefecture
 * prefix of the county codes (e.g. 9901 for 990101…990110). app.in_scope already compares by prefix.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `
alter table users drop constraint users_scope_code_check;
alter table users add constraint users_scope_code_check check (scope_code ~ '^[0-9]{4}([0-9]{2}([0-9]{3}([0-9]{3})?)?)?$');
`);
}

export async function down(db: Kysely<any>): Promise<void> {
  await runScript(db, `
alter table users drop constraint users_scope_code_check;
alter table users add constraint users_scope_code_check check (scope_code ~ '^[0-9]{6}([0-9]{3}([0-9]{3})?)?$');
`);
}
