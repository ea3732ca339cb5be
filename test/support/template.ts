import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { openDatabase } from '../../server/db/connection.ts';
import { migrateToLatest, migrationsHash } from '../../server/db/migrate.ts';
import { demoDir, loadDemoCounty } from '../../server/demo/demo.seed.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const cacheDir = path.join(root, 'node_modules/.cache/pingan');

/** The template is valid while the migrations, the demo data and the loader are unchanged. */
export function templateHash(): string {
  const hash = createHash('sha256').update(migrationsHash());
  for (const file of readdirSync(demoDir).sort()) hash.update(file).update(readFileSync(path.join(demoDir, file)));
  hash.update(readFileSync(path.join(root, 'server/demo/demo.seed.ts')));
  return hash.digest('hex').slice(0, 16);
}

/** PGlite: a migrated database with the demo county, dumped once to a tarball and reused. */
export async function ensurePgliteTemplate(): Promise<string> {
  const file = path.join(cacheDir, `template-${templateHash()}.tar`);
  if (existsSync(file)) return file;
  mkdirSync(cacheDir, { recursive: true });
  const db = await openDatabase({});
  try {
    await migrateToLatest(db.kysely);
    await loadDemoCounty(db.kysely);
    const dump = await db.pglite!.dumpDataDir('none');
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, Buffer.from(await dump.arrayBuffer()));
    renameSync(tmp, file);
  } finally {
    await db.close();
  }
  return file;
}

/** PostgreSQL: a template database (migrated, demo loaded) that each test file clones. */
export async function ensurePostgresTemplate(databaseUrl: string): Promise<string> {
  const name = `pingan_tmpl_${templateHash()}`;
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  try {
    const exists = await admin.query('select 1 from pg_database where datname = $1', [name]);
    if (exists.rowCount) return name;
    await admin.query(`create database ${name}_build`);
    const db = await openDatabase({ databaseUrl: withDatabase(databaseUrl, `${name}_build`) });
    try {
      await migrateToLatest(db.kysely);
      await loadDemoCounty(db.kysely);
    } finally {
      await db.close();
    }
    await admin.query(`alter database ${name}_build rename to ${name}`);
  } finally {
    await admin.end();
  }
  return name;
}

/**
 * PostgreSQL: a new database `name` created from the template database `template` (see
 * ensurePostgresTemplate) on the server of `baseUrl`; its URL, and how to drop it when done.
 */
export async function cloneTemplateDatabase(baseUrl: string, template: string, name: string): Promise<{ databaseUrl: string; drop(): Promise<void> }> {
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name} template ${template}`);
  } finally {
    await admin.end();
  }
  return {
    databaseUrl: withDatabase(baseUrl, name),
    async drop() {
      const client = new pg.Client({ connectionString: baseUrl });
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}

export function withDatabase(databaseUrl: string, database: string): string {
  const url = new URL(databaseUrl);
  url.pathname = `/${database}`;
  return url.toString();
}
