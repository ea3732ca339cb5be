import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { writeAudit } from '../audit/audit.repository.ts';
import type { AuthUser } from '../http/env.ts';
import type { AssignmentRow } from './people.repository.ts';

/* What the people services share: their audit entries and the answer shape of an assignment. */

type Db = Kysely<Database>;

export async function audit(db: Db, user: AuthUser, action: string, entity: string, entityId: string | number, regionCode: string | null,
  before: unknown, after: unknown) {
  await writeAudit(db, { actorId: user.id, action, entity, entityId, regionCode, before, after });
}

export const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());
export const serializeAssignment = (a: AssignmentRow) => ({
  ...a, id: Number(a.id), gridId: Number(a.gridId), personId: Number(a.personId),
  validFrom: iso(a.validFrom)!, validTo: iso(a.validTo), current: a.validTo === null,
});
