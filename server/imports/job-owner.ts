import { CamelCasePlugin, Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Db } from '../db/connection.ts';
import type { Database } from '../db/schema.ts';
import { failAbandonedJobs, lockJobOwner, nextJobOwnerNumber } from './import-jobs.repository.ts';

/**
 * Who runs background jobs, so that a job left by a dead process is told apart from one a live
 * process is still working on. On PostgreSQL several server processes may share one database, so
 * "queued/running at start" alone proves nothing.
 *
 * The mechanism: each server process takes a number from job_owner_seq and holds a session-level
 * advisory lock (JOB_OWNER_LOCK, number) on a connection of its own for as long as it lives; every
 * job row records the number of the process that runs it. PostgreSQL releases a session's locks
 * when its backend ends, and the backend ends when the client's connection closes — which the
 * kernel does for a process killed with SIGKILL as for one that exits. So "the owner's lock is not
 * held" means the owner is gone, with no clock and no heartbeat interval to tune: a sweep never
 * fails a job of a live process (a heartbeat that is merely late would), and finds a dead one's
 * jobs at once. If a live process loses its lock connection, its jobs may be declared interrupted:
 * every batch checks its job is still queued/running in the batch's transaction (a row lock) and
 * stops if not, so a job is never revived after it was failed; the process then takes a new number.
 *
 * Embedded (PGlite) has one process and one session: the lock is taken on it, so the same sweep
 * works there (after a crash, nothing holds any lock).
 */
export interface JobOwner {
  /** The number new jobs record; null while the lock connection is being re-established. */
  readonly id: number | null;
  close(): Promise<void>;
}

/** Registers this process as a job owner (see above); `databaseUrl` for PostgreSQL, where the lock needs a connection outside the pool. */
export async function registerJobOwner(db: Db, databaseUrl: string | undefined, onError: (error: Error) => void = () => {}): Promise<JobOwner> {
  if (db.kind === 'pglite' || !databaseUrl) {
    const id = await nextJobOwnerNumber(db.kysely);
    await lockJobOwner(db.kysely, id);
    return { id, close: async () => {} };
  }
  let closed = false;
  let current: { id: number; client: pg.Client } | null = null;
  let retry: NodeJS.Timeout | undefined;
  const reconnect = () => {
    if (!closed) retry = setTimeout(() => { connect().catch((error) => { onError(error); reconnect(); }); }, 5000);
  };
  const connect = async () => {
    const client = new pg.Client({ connectionString: databaseUrl, keepAlive: true });
    client.on('error', (error) => {
      // the lock went with the connection: stop handing out this number, and take a new one
      if (current?.client === client) current = null;
      onError(error);
      client.end().catch(() => {});
      reconnect();
    });
    await client.connect();
    // a Kysely over this one connection, so the repository's SQL runs on the session that holds the lock
    const single = new Kysely<Database>({
      dialect: new PostgresDialect({ pool: { connect: async () => ({ query: client.query.bind(client), release() {} }), end: async () => {} } as never }),
      plugins: [new CamelCasePlugin()],
    });
    const id = await nextJobOwnerNumber(single);
    await lockJobOwner(single, id);
    current = { id, client };
  };
  await connect();
  return {
    get id() { return current?.id ?? null; },
    async close() {
      closed = true;
      clearTimeout(retry);
      await current?.client.end();
      current = null;
    },
  };
}

/** Fails the jobs of dead owners (see failAbandonedJobs); run at start and periodically by the server. */
export function sweepAbandonedJobs(db: Db): Promise<number[]> {
  return failAbandonedJobs(db.kysely);
}
