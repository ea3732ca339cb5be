import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import type { Config } from '../config.ts';
import { openDatabase } from '../db/connection.ts';
import { acquireDataDirLock } from '../db/lock.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { databaseChecksum } from './checksum.ts';

/**
 * Backups. Embedded (PGlite): a gzipped tar of the data directory (PGlite's dumpDataDir), taken
 * while holding the data directory's lock, so the server must be stopped. PostgreSQL: pg_dump's
 * custom format (-Fc), taken online; restored with pg_restore into the configured database.
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

/** The rows of the backed-up database, as counts per table (for the CLI's summary). */
async function summary(db: import('kysely').Kysely<any>) {
  const sums = await databaseChecksum(db);
  return Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v.rows]));
}

export async function backup(config: Config, file: string): Promise<{ bytes: number; tables: Record<string, number> }> {
  const target = path.resolve(file);
  const tmp = `${target}.tmp-${process.pid}`;
  if (config.databaseUrl) {
    run(pgTool('pg_dump'), ['-Fc', '--no-owner', '-f', tmp, '-d', config.databaseUrl]);
    renameSync(tmp, target);
    const db = await openDatabase({ databaseUrl: config.databaseUrl });
    try { return { bytes: readFileSync(target).length, tables: await summary(db.kysely) }; } finally { await db.close(); }
  }
  const release = acquireDataDirLock(config.dataDir, 'cli backup');
  try {
    const db = await openDatabase({ pgliteDir: path.join(config.dataDir, 'pglite') });
    try {
      await sql`checkpoint`.execute(db.kysely);
      const dump = await db.pglite!.dumpDataDir('gzip');
      const bytes = Buffer.from(await dump.arrayBuffer());
      writeFileSync(tmp, bytes);
      renameSync(tmp, target);
      return { bytes: bytes.length, tables: await summary(db.kysely) };
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
      const db = await openDatabase({ pgliteDir: dir, loadDataDir: new Blob([readFileSync(source)]) });
      try {
        await migrateToLatest(db.kysely);
        return { tables: await summary(db.kysely), keptAside };
      } finally {
        await db.close();
      }
    } catch (error) {
      // put the previous database back rather than leave a half-restored one
      if (keptAside) {
        const { rmSync } = await import('node:fs');
        rmSync(dir, { recursive: true, force: true });
        renameSync(keptAside, dir);
      }
      throw error;
    }
  } finally {
    release();
  }
}
