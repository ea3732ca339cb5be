import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { type Kysely, sql } from 'kysely';
import type { Config } from '../config.ts';
import { type Db, openDatabase } from '../db/connection.ts';
import { DataDirLockedError, acquireDataDirLock } from '../db/lock.ts';
import { migrateToLatest } from '../db/migrate.ts';
import type { Database } from '../db/schema.ts';
import { type TableChecksum, databaseChecksum, databaseRowCounts } from './checksum.ts';
import { askServerToBackUp, controlSocketPath } from './control.ts';

/**
 * Backups. Embedded (PGlite): a gzipped tar of the data directory (PGlite's dumpDataDir), taken by
 * the process that holds the data directory — the running server (admin API, or the CLI through
 * the server's control socket) or the CLI when no server runs. PostgreSQL: pg_dump's custom format
 * (-Fc) of an exported snapshot, online; restored with pg_restore into the configured database.
 * Either way the summary (rows per table, checksums) is read from the state the file holds.
 */

/** pg_dump / pg_restore: from PATH, else the newest Debian install under /usr/lib/postgresql. */
export function pgTool(name: 'pg_dump' | 'pg_restore'): string {
  if (process.env.PG_BIN) return path.join(process.env.PG_BIN, name);
  const which = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  if (which.status === 0 && which.stdout.trim()) return which.stdout.trim();
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base) ? readdirSync(base).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) if (existsSync(path.join(base, v, 'bin', name))) return path.join(base, v, 'bin', name);
  throw new Error(`${name} not found: install the PostgreSQL client (postgresql-client) or set PG_BIN`);
}

function run(tool: string, args: string[]) {
  const result = spawnSync(tool, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`${path.basename(tool)} failed (${result.status}): ${result.stderr.trim()}`);
  return result;
}

/** What a backup file holds: rows per table (and, when asked for, each table's checksum), read in the state the file captured. */
export interface BackupSummary {
  bytes: number;
  tables: Record<string, number>;
  checksum?: Record<string, TableChecksum>;
}

/** The rows of a database, as counts per table (for the CLI's summary). */
async function summary(db: Kysely<any>) {
  return countsOf(await databaseChecksum(db));
}
const countsOf = (sums: Record<string, TableChecksum>) => Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v.rows]));

export interface BackupOptions {
  /** Also each table's checksum (server/ops/checksum.ts) of the captured state: slower (the embedded engine's requests wait ~10× longer). */
  checksum?: boolean;
  /** Tests: work done right after the backup's state is fixed (to prove later changes are in neither the file nor the counts). */
  afterSnapshot?: () => Promise<void>;
}

/** Rows per table, and checksums if asked for, of what `db` sees. */
async function describe(db: Kysely<any>, options: BackupOptions): Promise<Pick<BackupSummary, 'tables' | 'checksum'>> {
  if (!options.checksum) return { tables: await databaseRowCounts(db) };
  const checksum = await databaseChecksum(db);
  return { tables: countsOf(checksum), checksum };
}

/** Runs a program without blocking the event loop (a server keeps answering while pg_dump runs). */
function runAsync(tool: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${path.basename(tool)} failed (${code}): ${stderr.trim()}`))));
  });
}

/**
 * PostgreSQL, online: pg_dump of an exported snapshot. A REPEATABLE READ transaction exports its
 * snapshot, pg_dump --snapshot dumps exactly that state, and the checksum (row counts) is read in
 * the same transaction, so the summary describes the file, whatever is written meanwhile.
 */
export async function backupPostgres(db: Kysely<Database>, databaseUrl: string, file: string, options: BackupOptions = {}): Promise<BackupSummary> {
  const target = path.resolve(file);
  const tmp = `${target}.tmp-${process.pid}`;
  return db.connection().execute(async (conn) => {
    await sql`start transaction isolation level repeatable read, read only`.execute(conn);
    try {
      const { rows: [{ snapshot }] } = await sql<{ snapshot: string }>`select pg_export_snapshot() as snapshot`.execute(conn);
      await options.afterSnapshot?.();
      await runAsync(pgTool('pg_dump'), ['-Fc', '--no-owner', `--snapshot=${snapshot}`, '-f', tmp, '-d', databaseUrl]);
      const described = await describe(conn, options);
      renameSync(tmp, target);
      return { bytes: statSync(target).size, ...described };
    } catch (error) {
      rmSync(tmp, { force: true });
      throw error;
    } finally {
      await sql`commit`.execute(conn);
    }
  });
}

/**
 * Embedded, online: an archive of the open PGlite data directory, taken by the process that holds
 * it. PGlite has one connection and every transaction holds it from begin to commit, so holding
 * the connection here means no transaction is open: the tar of the data directory (after a
 * checkpoint) and the counts describe the same committed state. Requests wait for the connection
 * meanwhile (a few seconds for the demo county: the tar, not compressed, and the counts); none
 * fails, and the server does not stop. The tar is gzipped afterwards in zlib's thread pool, while
 * the server serves again.
 */
export async function backupPglite(db: Db, file: string, options: BackupOptions = {}): Promise<BackupSummary> {
  const target = path.resolve(file);
  const tmp = `${target}.tmp-${process.pid}`;
  const { tar, described } = await db.kysely.connection().execute(async (conn) => {
    await sql`checkpoint`.execute(conn);
    const described = await describe(conn, options);
    const tar = Buffer.from(await (await db.pglite!.dumpDataDir('none')).arrayBuffer());
    return { tar, described };
  });
  await options.afterSnapshot?.();
  const bytes = await promisify(gzip)(tar);
  try {
    writeFileSync(tmp, bytes);
    renameSync(tmp, target);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
  return { bytes: bytes.length, ...described };
}

/**
 * The CLI's backup. PostgreSQL: backupPostgres. Embedded: the CLI opens the data directory itself
 * when no server holds it; while a server does, the CLI asks that server over its control socket
 * (server/ops/control.ts) to take the backup online.
 */
export async function backup(config: Config, file: string, options: BackupOptions = {}): Promise<BackupSummary & { via: 'cli' | 'server' }> {
  if (config.databaseUrl) {
    const db = await openDatabase({ databaseUrl: config.databaseUrl });
    try { return { ...await backupPostgres(db.kysely, config.databaseUrl, file, options), via: 'cli' }; } finally { await db.close(); }
  }
  let release: () => void;
  try {
    release = acquireDataDirLock(config.dataDir, 'cli backup');
  } catch (error) {
    if (error instanceof DataDirLockedError && existsSync(controlSocketPath(config.dataDir))) {
      return { ...await askServerToBackUp(config.dataDir, path.resolve(file)), via: 'server' };
    }
    throw error;
  }
  try {
    const db = await openDatabase({ pgliteDir: path.join(config.dataDir, 'pglite') });
    try {
      return { ...await backupPglite(db, file, options), via: 'cli' };
    } finally {
      await db.close();
    }
  } finally {
    release();
  }
}

/**
 * Restores a backup over the configured database. PGlite: the current data directory is kept
 * beside it (pglite.before-restore-<time>) and the archive becomes the data directory.
 * PostgreSQL: pg_restore --clean into the configured database (objects of the dump are replaced).
 * Migrations then bring an older backup up to date.
 */
export async function restore(config: Config, file: string): Promise<{ tables: Record<string, number>; keptAside?: string }> {
  const source = path.resolve(file);
  if (!existsSync(source)) throw new Error(`no backup file ${source}`);
  if (config.databaseUrl) {
    // pg_restore replaces the dump's objects; the role pingan_app is cluster-wide, not in the dump
    const db = await openDatabase({ databaseUrl: config.databaseUrl });
    try {
      await sql`do $$ begin if not exists (select from pg_roles where rolname = 'pingan_app') then create role pingan_app nologin; end if; end $$`
        .execute(db.kysely);
      await sql`drop schema if exists app cascade`.execute(db.kysely);
      await sql`drop schema if exists public cascade`.execute(db.kysely);
      await sql`create schema public`.execute(db.kysely);
    } finally {
      await db.close();
    }
    run(pgTool('pg_restore'), ['--no-owner', '--exit-on-error', '-d', config.databaseUrl, source]);
    const after = await openDatabase({ databaseUrl: config.databaseUrl });
    try {
      await migrateToLatest(after.kysely);
      return { tables: await summary(after.kysely) };
    } finally {
      await after.close();
    }
  }
  const release = acquireDataDirLock(config.dataDir, 'cli restore');
  try {
    const dir = path.join(config.dataDir, 'pglite');
    let keptAside: string | undefined;
    if (existsSync(dir) && readdirSync(dir).length) {
      keptAside = `${dir}.before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      renameSync(dir, keptAside);
    }
    try {
      const db = await openDatabase({ pgliteDir: dir, loadDataDir: readFileSync(source) });
      try {
        await migrateToLatest(db.kysely);
        return { tables: await summary(db.kysely), keptAside };
      } finally {
        await db.close();
      }
    } catch (error) {
      // put the previous database back rather than leave a half-restored one
      if (keptAside) {
        rmSync(dir, { recursive: true, force: true });
        renameSync(keptAside, dir);
      }
      throw error;
    }
  } finally {
    release();
  }
}
