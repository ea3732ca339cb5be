import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { AuthUser } from '../http/env.ts';

/**
 * A transaction scoped to a caller outside the request's own: for work that outlives the request
 * (an import job's batches, the pages of a streamed export). It sets exactly what
 * scopedTransaction (server/auth/scope.ts) sets, so row-level security applies the same way; keep
 * the two in step.
 */
export async function asCaller<T>(owner: Kysely<Database>, user: AuthUser, work: (db: Kysely<Database>) => Promise<T>,
  options: { readOnly?: boolean } = {}): Promise<T> {
  const trx = await owner.startTransaction().setAccessMode(options.readOnly ? 'read only' : 'read write').execute();
  try {
    await sql`select
      set_config('pingan.user', ${String(user.id)}, true),
      set_config('pingan.role', ${user.role}, true),
      set_config('pingan.scope', ${user.scopeCode}, true),
      set_config('pingan.person', ${user.personId == null ? '' : String(user.personId)}, true),
      set_config('pingan.unit', ${user.unitId == null ? '' : String(user.unitId)}, true)`.execute(trx);
    await sql`set local role pingan_app`.execute(trx);
    const result = await work(trx);
    await trx.commit().execute();
    return result;
  } catch (error) {
    await trx.rollback().execute();
    throw error;
  }
}
