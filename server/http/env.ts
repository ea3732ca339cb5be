import type { Kysely } from 'kysely';
import type { Role } from '../db/schema.ts';
import type { Database } from '../db/schema.ts';

/** The signed-in caller, as every route and the scope mechanism see it. */
export interface AuthUser {
  id: number;
  username: string;
  displayName: string;
  role: Role;
  /** Region code prefix: 6 (county), 9 (township) or 12 (village) digits. */
  scopeCode: string;
  personId: number | null;
  unitId: number | null;
}

/** Hono variables: the caller, and the request's database transaction (already scoped to the caller). */
export interface AppEnv {
  Variables: {
    user: AuthUser | null;
    db: Kysely<Database>;
  };
}
