import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { writeAudit } from '../audit/audit.repository.ts';

/** Audits a backup (owner connection: after the backup, outside any caller's transaction). */
export async function auditBackup(db: Kysely<Database>, actorId: number | null, name: string, after: Record<string, unknown>) {
  await writeAudit(db, { actorId, action: 'backup.create', entity: 'backup', entityId: name, after });
}
