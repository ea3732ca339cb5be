import { type Kysely, sql } from 'kysely';
import type { Database, ImportFailure } from '../db/schema.ts';

type Db = Kysely<Database>;

/**
 * The first key of the advisory locks that mark live job owners ('JOBS' in ASCII); the second key
 * is the owner's number from job_owner_seq. Two-key advisory locks show in pg_locks as
 * classid = first key, objid = second key, objsubid = 2.
 */
export const JOB_OWNER_LOCK = 0x4a4f4253;

/** What a user reads about a job the server stopped in the middle of (the web shows its own words for the reason code). */
export const INTERRUPTED_MESSAGE = '导入已中断：服务器在处理时停止，未导入任何场所，请重新导入。'
  + ' / The import was interrupted: the server stopped while it ran; nothing was imported. Run it again.';

/** A new owner number for a server process (owner connection). */
export async function nextJobOwnerNumber(db: Db): Promise<number> {
  const { rows: [row] } = await sql<{ id: number }>`select nextval('job_owner_seq')::int as id`.execute(db);
  return Number(row.id);
}

/** Takes the owner's advisory lock for the life of the session that runs this (one connection, not a pool). */
export async function lockJobOwner(db: Db, owner: number): Promise<void> {
  await sql`select pg_advisory_lock(${JOB_OWNER_LOCK}, ${owner})`.execute(db);
}

/**
 * Marks every queued or running job whose owner process is gone as failed (`interrupted`) and
 * removes its staging rows; returns the jobs' ids. An owner is alive while its advisory lock is
 * held (pg_locks of this database); a job without an owner (from before owners were recorded, or
 * from an in-process test app) has no one who could finish it. Jobs whose row is locked right now
 * (a batch or the final insert is being written) are skipped: a later sweep sees them.
 * Takes the owner connection (row security would hide other users' jobs).
 */
export async function failAbandonedJobs(db: Db): Promise<number[]> {
  const { rows } = await sql<{ id: number }>`
    with dead as (
      select j.id from import_jobs j
      where j.status in ('queued', 'running')
        and not exists (select 1 from pg_locks l
          where l.locktype = 'advisory' and l.granted and l.objsubid = 2
            and l.database = (select oid from pg_database where datname = current_database())
            and l.classid::bigint = ${JOB_OWNER_LOCK} and l.objid::bigint = j.owner_instance)
      for update of j skip locked
    ),
    cleared as (delete from import_staging s using dead where s.job_id = dead.id)
    update import_jobs j set status = 'failed', reason = 'interrupted', message = ${INTERRUPTED_MESSAGE}, updated_at = now()
    from dead where j.id = dead.id
    returning j.id`.execute(db);
  return rows.map((r) => Number(r.id));
}

/** Whether a job may still go on: queued or running (a sweep may have declared it interrupted). Locks its row until the transaction ends. */
export async function claimUnfinishedJob(db: Db, jobId: number): Promise<boolean> {
  const { rows } = await sql`select 1 from import_jobs where id = ${jobId} and status in ('queued', 'running') for update`.execute(db);
  return rows.length > 0;
}

/** Ends a job that stopped on an error: failed with a reason, staging rows removed; a job already finished is left as it is. */
export async function failJob(db: Db, jobId: number, reason: ImportFailure, message: string): Promise<void> {
  await sql`delete from import_staging where job_id = ${jobId}`.execute(db);
  await sql`update import_jobs set status = 'failed', reason = ${reason}, message = ${message}, updated_at = now()
    where id = ${jobId} and status in ('queued', 'running')`.execute(db);
}

/** An import job's progress and report, as the caller's scope shows it. */
export async function importReport(db: Db, id: number) {
  return db.selectFrom('importJobs')
    .select(['id', 'format', 'crs', 'dryRun', 'status', 'total', 'processed', 'valid', 'imported', 'errorCount', 'errors', 'message', 'reason', 'preview'])
    .where('id', '=', id).executeTakeFirst();
}
