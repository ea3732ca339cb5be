import type { Kysely } from 'kysely';
import { enterCallerScope } from '../auth/scope.ts';
import type { Database } from '../db/schema.ts';
import type { AuthUser } from '../http/env.ts';

/**
 * A transaction scoped to a caller outside the request's own: for work that outlives the request
 * (an import job's batches, the pages of a streamed export), entered like a request's
 * (enterCallerScope), so row-level security applies the same way.
 */
export async function asCaller<T>(owner: Kysely<Database>, user: AuthUser, work: (db: Kysely<Database>) => Promise<T>,
  options: { readOnly?: boolean } = {}): Promise<T> {
  const trx = await owner.startTransaction().setAccessMode(options.readOnly ? 'read only' : 'read write').execute();
  try {
    await enterCallerScope(trx, user);
    const result = await work(trx);
    await trx.commit().execute();
    return result;
  } catch (error) {
    await trx.rollback().execute();
    throw error;
  }
}
