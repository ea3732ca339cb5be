import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { AuthUser } from '../http/env.ts';
import { asCaller } from './as-caller.ts';
import { failJob, jobVisible } from './import-jobs.repository.ts';
import { JobInterrupted, type PreparedImport, processImport } from './site-import.ts';

/** Background imports still running in this process (tests and shutdown can wait for them). */
const running = new Set<Promise<unknown>>();

/** Resolves when every background import of this process has finished. */
export async function importsSettled() {
  while (running.size) await Promise.allSettled([...running]);
}

/**
 * Runs an import job in the background: each batch in its own short transaction as the caller
 * (so the embedded database serves other requests between batches and GET /api/imports/{id}
 * shows the progress), the final insert in one. The job row was inserted by the request; the
 * first step waits until that request has committed it.
 */
export function startImportJob(owner: Kysely<Database>, user: AuthUser, jobId: number, job: PreparedImport) {
  const run = (async () => {
    for (let attempt = 0; ; attempt++) {
      const visible = await asCaller(owner, user, (db) => jobVisible(db, jobId), { readOnly: true });
      if (visible) break;
      // the request rolled back (or never committed): nothing to do
      if (attempt > 600) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    try {
      // a pause before each batch lets waiting requests (progress polls) have the embedded database's one connection
      await processImport(async (work) => {
        await new Promise((resolve) => setTimeout(resolve, 2));
        return asCaller(owner, user, work);
      }, user, jobId, job, { throwOnErrors: false });
    } catch (error) {
      // declared interrupted by a sweep (this process had lost its owner lock): the job already says so
      if (error instanceof JobInterrupted) return;
      const message = `the import stopped: ${(error as Error).message}`.slice(0, 2000);
      await asCaller(owner, user, (db) => failJob(db, jobId, 'stopped', message)).catch((e) => console.error('import job', jobId, e));
    }
  })();
  running.add(run);
  void run.finally(() => running.delete(run));
}
