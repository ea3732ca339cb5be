import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Kysely, sql } from 'kysely';
import { type Migration, type MigrationProvider, type MigrationResultSet, Migrator } from 'kysely/migration';
import type { Database } from './schema.ts';
import { runScript } from './script.ts';

/**
 * The schema is built in two parts (README, "How it is built" → migrations):
 *
 * 1. Numbered migrations, migrations/NNNN_name.ts: tables, columns, indexes, policies, triggers,
 *    data. Append-only: once shipped a file never changes (migrations/shipped.sha256 holds every
 *    shipped file's SHA-256, test/unit/migrations-shipped.test.ts enforces it); a change is a new
 *    migration.
 * 2. Definitions, migrations/functions/<schema>.<name>.sql: the current text of every SQL function
 *    (trigger functions and views too), one file each, written to be re-run (`create or replace`,
 *    with its grants). They are "repeatable" in Flyway's sense: applied after all numbered
 *    migrations, so their bodies may use every table and column the migrations create, on a fresh
 *    database as on an old one. A definition is applied when its text changed since it was last
 *    applied (sha256 kept in the table sql_definitions) and, all of them, whenever numbered
 *    migrations ran since the last time (a migration may have replaced or dropped and recreated a
 *    function: the file wins). Order: a file naming another file's function or view comes after it, otherwise by name
 *    (PostgreSQL checks an SQL function's body against the functions it calls when it is created).
 *
 * Why not one numbered migration that applies the files (and a new one re-applying a file for each
 * later change): on a fresh database that migration would run the files' current text before the
 * later migrations have created the columns it may name by then, and fail. Applied last, the
 * current text always meets the current schema.
 *
 * What this asks of a numbered migration: it must not rely on a definition's current body (at its
 * place in the sequence an older body may be live). One that needs a function which does not exist
 * yet (a new trigger or policy calling it) creates a first version itself and the file holds the
 * current one; one that changes a signature or return type drops the old function itself (and
 * what depends on it), and the file then creates the new one. Functions are owned by whoever runs
 * the migrations; grants and attributes (security definer, parallel safety, search_path) are
 * written in the file, since `create or replace` keeps an existing function's owner and grants but
 * sets every other attribute from the statement.
 */
export const migrationsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../migrations');
export const definitionsDir = path.join(migrationsDir, 'functions');

export function migrationFiles(): string[] {
  return readdirSync(migrationsDir).filter((f) => /^\d{4}_[a-z0-9_]+\.ts$/.test(f)).sort();
}

export interface Definition {
  /** schema.name, from the file name */
  name: string;
  file: string;
  sql: string;
  sha256: string;
}

const sha256 = (text: string | Buffer) => createHash('sha256').update(text).digest('hex');

/** The definition files in the order they are applied: after the definitions they name, else by name. */
export function definitionFiles(dir = definitionsDir): Definition[] {
  const files = readdirSync(dir).filter((f) => /^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*\.sql$/.test(f)).sort();
  const definitions = files.map((file): Definition => {
    const text = readFileSync(path.join(dir, file), 'utf8');
    return { name: file.replace(/\.sql$/, ''), file, sql: text, sha256: sha256(text) };
  });
  return dependencyOrder(definitions);
}

/** Kahn's algorithm, the smallest ready name first; a cycle is an error naming its members. */
export function dependencyOrder<T extends { name: string; sql: string }>(definitions: T[]): T[] {
  const mentions = (d: T, other: string) => {
    const code = d.sql.replace(/--[^\n]*/g, '');
    return new RegExp(`(?<![\\w.])${other.replace('.', '\\.')}(?![\\w])`, 'i').test(code);
  };
  const needs = new Map(definitions.map((d) => [d.name, new Set(definitions
    .filter((o) => o.name !== d.name && mentions(d, o.name)).map((o) => o.name))]));
  const ordered: T[] = [];
  const pending = [...definitions].sort((a, b) => a.name.localeCompare(b.name));
  while (pending.length) {
    const index = pending.findIndex((d) => [...needs.get(d.name)!].every((n) => ordered.some((o) => o.name === n)));
    if (index === -1) throw new Error(`definitions name each other in a cycle: ${pending.map((d) => d.name).join(', ')}`);
    ordered.push(...pending.splice(index, 1));
  }
  return ordered;
}

/** Numbered migrations from migrations/, imported as modules with up/down. */
class NumberedMigrationProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    const result: Record<string, Migration> = {};
    for (const file of migrationFiles()) {
      result[file.replace(/\.ts$/, '')] = await import(pathToFileURL(path.join(migrationsDir, file)).href);
    }
    return result;
  }
}

/** Applies every pending numbered migration; throws with the failing migration's name and error. */
export async function migrateNumbered(db: Kysely<Database>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: new NumberedMigrationProvider() });
  const { error, results }: MigrationResultSet = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`migration ${failed?.migrationName ?? '(unknown)'} failed: ${message}`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** The bookkeeping row that records which numbered migrations the definitions were last applied after. */
const afterMigrations = ':migrations';

/**
 * Applies the definitions whose text changed since they were last applied, or all of them when
 * numbered migrations ran since then (recorded as the row ':migrations', a hash of kysely_migration's
 * names, so a run that failed half-way is caught up next time), in one transaction under an
 * advisory lock, and records their hashes. Returns the names applied.
 */
export async function applyDefinitions(db: Kysely<any>, dir = definitionsDir): Promise<string[]> {
  const definitions = definitionFiles(dir);
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext('pingan.sql_definitions'))`.execute(trx);
    await sql`create table if not exists sql_definitions (
      name text primary key, sha256 text not null, applied_at timestamptz not null default now())`.execute(trx);
    const { rows } = await sql<{ name: string; sha256: string }>`select name, sha256 from sql_definitions`.execute(trx);
    const recorded = new Map(rows.map((r) => [r.name, r.sha256]));
    const { rows: migrations } = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(trx);
    const migrationsState = sha256(migrations.map((m) => m.name).join('\n'));
    const all = recorded.get(afterMigrations) !== migrationsState;
    const applied: string[] = [];
    for (const d of definitions) {
      if (!all && recorded.get(d.name) === d.sha256) continue;
      try {
        await runScript(trx, d.sql);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        throw new Error(`definition ${path.join(dir, d.file)} failed: ${message}`, { cause: error });
      }
      applied.push(d.name);
    }
    const record = [...definitions.map((d) => [d.name, d.sha256]), [afterMigrations, migrationsState]];
    for (const [name, hash] of record) {
      if (recorded.get(name) === hash) continue;
      await sql`insert into sql_definitions (name, sha256) values (${name}, ${hash})
        on conflict (name) do update set sha256 = excluded.sha256, applied_at = now()`.execute(trx);
    }
    // a retired definition (its function dropped by a numbered migration) is forgotten
    await sql`delete from sql_definitions where name not in (${sql.join(record.map(([name]) => name))})`.execute(trx);
    return applied;
  });
}

/**
 * Brings a database up to date: pending numbered migrations, then the definitions (every one if
 * migrations ran, else those whose text changed). Returns what was applied, migrations first.
 */
export async function migrateToLatest(db: Kysely<Database>): Promise<string[]> {
  const migrations = await migrateNumbered(db);
  const definitions = await applyDefinitions(db);
  return [...migrations, ...definitions];
}

/** A hash of every migration's and definition's source: test templates are cached under it. */
export function migrationsHash(): string {
  const hash = createHash('sha256');
  for (const file of migrationFiles()) hash.update(file).update(readFileSync(path.join(migrationsDir, file)));
  for (const d of definitionFiles()) hash.update(`functions/${d.file}`).update(d.sql);
  return hash.digest('hex').slice(0, 16);
}
