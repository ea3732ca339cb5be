import path from 'node:path';
import type { Config } from './config.ts';
import { type Db, openDatabase } from './db/connection.ts';
import { acquireDataDirLock } from './db/lock.ts';
import { migrateToLatest } from './db/migrate.ts';

/**
 * Opens the configured database (PostgreSQL, or PGlite under DATA_DIR holding its lock) and
 * brings its schema up to date. Everything that touches the database goes through this.
 */
export async function openPlatformDatabase(config: Config, purpose: string): Promise<Db> {
  if (config.databaseUrl) {
    const db = await openDatabase({ databaseUrl: config.databaseUrl });
    await migrateToLatest(db.kysely);
    return db;
  }
  const release = acquireDataDirLock(config.dataDir, purpose);
  try {
    const db = await openDatabase({ pgliteDir: path.join(config.dataDir, 'pglite') });
    await migrateToLatest(db.kysely);
    const close = db.close;
    return { ...db, close: async () => { try { await close(); } finally { release(); } } };
  } catch (error) {
    release();
    throw error;
  }
}
