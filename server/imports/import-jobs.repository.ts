import { type Kysely, sql } from 'kysely';
import { type GeoJsonGeometry, inCountiesMeeting } from '../db/geo.ts';
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

/** Inserts an import job's row; returns its id. */
export async function insertJob(db: Db, job: {
  format: string; crs: string; dryRun: boolean; fileName: string; status: 'running' | 'queued'; total: number; scopeCode: string;
  createdBy: number; ownerInstance: number | null;
}) {
  const { rows: [row] } = await sql<{ id: number }>`insert into import_jobs (kind, format, crs, dry_run, file_name, status, total, valid,
      imported, errors, scope_code, created_by, owner_instance)
    values ('sites', ${job.format}, ${job.crs}, ${job.dryRun}, ${job.fileName}, ${job.status}, ${job.total}, 0,
      0, '[]'::jsonb, ${job.scopeCode}, ${job.createdBy}, ${job.ownerInstance}) returning id`.execute(db);
  return Number(row.id);
}

/** Whether the job row is visible (its request has committed). */
export async function jobVisible(db: Db, jobId: number) {
  return (await sql<{ id: number }>`select id from import_jobs where id = ${jobId}`.execute(db)).rows.length > 0;
}

/**
 * Records a batch's progress, appending its stored row errors. Only a job still queued or running
 * goes on: false when a sweep declared it interrupted meanwhile.
 */
export async function recordJobProgress(db: Db, jobId: number, p: { processed: number; errorCount: number; valid: number; errors: unknown[] }) {
  const updated = await sql`update import_jobs set processed = ${p.processed}, error_count = ${p.errorCount}, valid = ${p.valid},
      errors = errors || ${JSON.stringify(p.errors)}::jsonb, status = 'running', updated_at = now()
    where id = ${jobId} and status in ('queued', 'running')`.execute(db);
  return Number(updated.numAffectedRows ?? 0) > 0;
}

/**
 * Places checked rows (validity, and the village and grid of a point on each, among the caller's
 * grids) and stages them in import_staging, one query per batch; returns the rows that are invalid
 * or lie in no grid of the caller's area.
 */
export async function stageRows(db: Db, jobId: number,
  checked: Array<{ row: number; category: string; name: string; attrs: Record<string, unknown>; geometry: GeoJsonGeometry }>) {
    const { rows: misplaced } = await sql<{ row: number; valid: boolean; reason: string }>`
      with input as (select (r->>'row')::int as row, r->>'category' as category, r->>'name' as name, r->'attrs' as attrs,
          ST_ReducePrecision(ST_SetSRID(ST_GeomFromGeoJSON(r->>'geometry'), 4326), 1e-7) as geom
        from jsonb_array_elements(${JSON.stringify(checked)}::jsonb) r),
      -- the point that places a row is a column of its own: under row-level security PostgreSQL uses the
      -- grids' spatial index only if every function in the condition is LEAKPROOF (ST_PointOnSurface is not)
      input_at as materialized (select i.*, case when ST_IsValid(i.geom) then ST_PointOnSurface(i.geom) end as at from input i),
      placed as (select i.*, ST_IsValid(i.geom) as valid, ST_IsValidReason(i.geom) as reason, g.village_code, g.id as grid_id
        from input_at i left join lateral (select gr.id, gr.village_code from grids gr
          where gr.valid_to is null and gr.layer_id = 1 and ${inCountiesMeeting('gr.county_code', sql`(select ST_SetSRID(ST_Extent(at)::geometry, 4326) from input_at)`)}
            and ST_Intersects(gr.geom, i.at) order by gr.code limit 1) g
          on ST_IsValid(i.geom)),
      staged as (insert into import_staging (job_id, row, category, name, attrs, geom, region_code, grid_id)
        select ${jobId}, row, category, name, attrs, geom, village_code, grid_id from placed returning row)
      select row, valid, reason from placed where not valid or village_code is null`.execute(db);
  return misplaced;
}

/** Inserts the staged rows of a job as sites, in row order; returns how many. */
export async function insertStagedSites(db: Db, jobId: number) {
  const result = await sql`insert into sites (category, name, geom, attrs, region_code, grid_id)
    select category, name, geom, attrs, region_code, grid_id from import_staging where job_id = ${jobId} order by row`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

export async function clearStaging(db: Db, jobId: number) {
  await sql`delete from import_staging where job_id = ${jobId}`.execute(db);
}

/** The job's final state and report. */
export async function finishJob(db: Db, jobId: number, f: {
  status: 'checked' | 'imported' | 'failed'; total: number; valid: number; imported: number; preview: unknown; message: string | null;
  reason: ImportFailure | null;
}) {
  await sql`update import_jobs set status = ${f.status}, total = ${f.total}, valid = ${f.valid}, imported = ${f.imported},
      preview = ${JSON.stringify(f.preview)}::jsonb, message = ${f.message}, reason = ${f.reason}, updated_at = now() where id = ${jobId}`.execute(db);
}

/** The first `limit` staged rows of a job, as GeoJSON, with the village each was placed in. */
export async function stagedRows(db: Db, jobId: number, limit: number) {
  const { rows } = await sql<{ row: number; name: string; category: string; villageCode: string; geometry: GeoJsonGeometry }>`
    select row, name, category, region_code as village_code, ST_AsGeoJSON(geom, 7)::json as geometry
    from import_staging where job_id = ${jobId} order by row limit ${limit}`.execute(db);
  return rows;
}
