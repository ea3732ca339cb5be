import { type Kysely, sql } from 'kysely';

export interface TableChecksum {
  rows: number;
  md5: string;
}

/** PostGIS's own reference tables: not our data, identical on every install of a version. */
const systemTables = new Set(['spatial_ref_sys', 'kysely_migration', 'kysely_migration_lock']);

/** The tables of schema public holding our data, by name. */
async function dataTables(db: Kysely<any>, exclude: string[] = []): Promise<string[]> {
  const skip = new Set([...systemTables, ...exclude]);
  const { rows } = await sql<{ name: string }>`select c.relname as name from pg_class c
    join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind in ('r', 'p') order by c.relname`.execute(db);
  return rows.map((r) => r.name).filter((name) => !skip.has(name));
}

/**
 * A checksum of the database's data: per table of schema public, the row count and the md5 of
 * its rows' text forms in a fixed order. Two databases with equal checksums hold the same rows.
 * Used to prove that refused requests change nothing, and that a backup restores what it saved.
 */
export async function databaseChecksum(db: Kysely<any>, options: { exclude?: string[] } = {}): Promise<Record<string, TableChecksum>> {
  const result: Record<string, TableChecksum> = {};
  for (const name of await dataTables(db, options.exclude)) {
    // row text through a collation-free form so both engines order alike
    const { rows: [row] } = await sql<{ n: number; md5: string | null }>`
      select count(*)::int as n, md5(coalesce(string_agg(md5(t::text), '' order by md5(t::text)), '')) as md5
      from ${sql.table(name)} t`.execute(db);
    result[name] = { rows: Number(row.n), md5: row.md5 ?? '' };
  }
  return result;
}

/** Rows per table of schema public (the tables databaseChecksum covers): what a backup reports when no checksum is asked for. */
export async function databaseRowCounts(db: Kysely<any>): Promise<Record<string, number>> {
  const result: Record<string, number> = {};
  for (const name of await dataTables(db)) {
    const { rows: [row] } = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(name)}`.execute(db);
    result[name] = Number(row.n);
  }
  return result;
}

/** The tables whose checksums differ between two snapshots (empty when identical). */
export function checksumDifferences(a: Record<string, TableChecksum>, b: Record<string, TableChecksum>): string[] {
  const names = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...names].filter((n) => a[n]?.rows !== b[n]?.rows || a[n]?.md5 !== b[n]?.md5)
    .map((n) => `${n}: ${a[n]?.rows ?? '-'} rows ${a[n]?.md5?.slice(0, 8) ?? '-'} → ${b[n]?.rows ?? '-'} rows ${b[n]?.md5?.slice(0, 8) ?? '-'}`);
}
