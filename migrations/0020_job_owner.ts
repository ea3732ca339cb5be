import type { Kysely } from 'kysely';
import { runScript } from '../server/db/script.ts';

/**
 * Crash-honest import jobs. Each server process takes a number from job_owner_seq when it starts
 * and holds a session-level advisory lock on it for its whole life (server/imports/job-owner.ts);
 * a job records the number of the process that runs it (owner_instance). A job still queued or
 * running whose owner's lock is not held belongs to a dead process: it is marked failed with the
 * reason `interrupted` and its staging rows are removed.
 *
 * reason: why a job failed, as a stable code the web translates — `row-errors` (rows that cannot be
 * imported, nothing was), `interrupted` (the server stopped while it ran), `stopped` (an unexpected
 * error ended it).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `
create sequence job_owner_seq as integer;
alter table import_jobs add column owner_instance integer;
alter table import_jobs add column reason text check (reason in ('row-errors', 'interrupted', 'stopped'));
update import_jobs set reason = 'row-errors' where status = 'failed' and error_count > 0;
update import_jobs set reason = 'stopped' where status = 'failed' and reason is null;
create index import_jobs_unfinished_idx on import_jobs (owner_instance) where status in ('queued', 'running');
`);
}

export async function down(db: Kysely<any>): Promise<void> {
  await runScript(db, `
drop index import_jobs_unfinished_idx;
alter table import_jobs drop column reason;
alter table import_jobs drop column owner_instance;
drop sequence job_owner_seq;
`);
}
