import path from 'node:path';
import type { Config } from './config.ts';
import { type Db, openDatabase } from './db/connection.ts';
import { acquireDataDirLock } from './db/lock.ts';
import { migrateToLatest } from './db/migrate.ts';
import { failAbandonedJobs } from './imports/import-jobs.repository.ts';

/**
 * Opens the configured database (PostgreSQL, or PGlite under DATA_DIR holding its lock), brings
 * its schema up to date and fails the import jobs that a dead process left queued or running
 * (server/imports/job-owner.ts). Everything that touches the database goes through this.
 */
export async function openPlatformDatabase(config: Config, purpose: string): Promise<Db> {
  if (config.databaseUrl) {
    const db = await openDatabase({ databaseUrl: config.databaseUrl });
    await migrateToLatest(db.kysely);
    await reportAbandoned(await failAbandonedJobs(db.kysely));
    return db;
  }
  const release = acquireDataDirLock(config.dataDir, purpose);
  try {
    const db = await openDatabase({ pgliteDir: path.join(config.dataDir, 'pglite') });
    await migrateToLatest(db.kysely);
    await reportAbandoned(await failAbandonedJobs(db.kysely));
    const close = db.close;
    return { ...db, close: async () => { try { await close(); } finally { release(); } } };
  } catch (error) {
    release();
    throw error;
  }
}

async function reportAbandoned(ids: number[]) {
  if (ids.length) console.warn(`import job(s) ${ids.join(', ')} were interrupted by a stop of the server: marked failed (interrupted), staging rows removed`);
}
