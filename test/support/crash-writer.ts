/**
 * The writer killed by the crash tests (run as a child process with tsx): it writes numbered
 * changes as fast as it can and prints "ack N" on stdout only after the transaction of change N
 * has committed. Each change is two rows in one transaction (audit_log entries 'N/a' and 'N/b'),
 * so a half-written change would show as one row without the other.
 *   tsx test/support/crash-writer.ts <start-seq>       (PGLITE_DIR or DATABASE_URL says where)
 */
import { writeSync } from 'node:fs';
import { sql } from 'kysely';
import { openDatabase } from '../../server/db/connection.ts';

const start = Number(process.argv[2] ?? 1);
const db = process.env.DATABASE_URL
  ? await openDatabase({ databaseUrl: process.env.DATABASE_URL })
  : await openDatabase({ pgliteDir: process.env.PGLITE_DIR });
writeSync(1, 'ready\n');
const payload = 'x'.repeat(2000);
for (let seq = start; ; seq++) {
  await db.kysely.transaction().execute(async (trx) => {
    await sql`insert into audit_log (action, entity, entity_id, after)
      values ('crash.probe', 'crash_probe', ${`${seq}/a`}, ${JSON.stringify({ seq, payload })}::jsonb)`.execute(trx);
    // a little work between the two halves, so that kills land inside transactions too
    await sql`select md5(${payload} || ${seq})`.execute(trx);
    await sql`insert into audit_log (action, entity, entity_id, after)
      values ('crash.probe', 'crash_probe', ${`${seq}/b`}, ${JSON.stringify({ seq })}::jsonb)`.execute(trx);
  });
  writeSync(1, `ack ${seq}\n`);
}
