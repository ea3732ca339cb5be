import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { IncidentPermission, Role } from './capabilities.ts';

/** The incident_permissions rows that apply to a role: its own and those of every role ('*'). */
export async function incidentPermissionsOf(db: Kysely<Database>, role: Role): Promise<IncidentPermission[]> {
  return db.selectFrom('incidentPermissions').select(['role', 'action', 'relation'])
    .where('role', 'in', [role, '*']).execute();
}
