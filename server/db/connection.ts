import { CamelCasePlugin, Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';

export type DbKind = 'pglite' | 'postgres';

/** The one database handle the app uses, whichever engine is behind it. */
export interface Db {
  kysely: Kysely<Database>;
  kind: DbKind;
  close(): Promise<void>;
  /** Embedded only: the PGlite instance, for dumping data directories (tests, backups). */
  pglite?: import('@electric-sql/pglite').PGlite;
}

// pg returns int8 and numeric as strings; PGlite returns numbers. Make both numbers.
pg.types.setTypeParser(20, Number);
pg.types.setTypeParser(1700, Number);

const plugins = [new CamelCasePlugin()];

export interface OpenOptions {
  /** PostgreSQL connection string. */
  databaseUrl?: string;
  /** PGlite data directory; undefined keeps the database in memory. */
  pgliteDir?: string;
  /** PGlite: start from this dumped data directory (a tarball from dumpDataDir; bytes are handed over without a copy). */
  loadDataDir?: Blob | File | Uint8Array;
}

export async function openDatabase(options: OpenOptions): Promise<Db> {
  if (options.databaseUrl) {
    // JIT off: PostGIS functions' high cost estimates trigger it on small spatial queries, which
    // then spend ~300 ms compiling (measured in bench/planning.ts) for nothing
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 10, options: '-c jit=off' });
    const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), plugins });
    return { kysely, kind: 'postgres', close: () => kysely.destroy() };
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const { dataDirBlob, slimPostgis } = await import('./pglite-postgis.ts');
  const { PGliteDialect } = await import('kysely-pglite-dialect');
  const pglite = await PGlite.create({
    dataDir: options.pgliteDir,
    loadDataDir: options.loadDataDir instanceof Uint8Array ? dataDirBlob(options.loadDataDir) : options.loadDataDir,
    extensions: { postgis: slimPostgis },
  });
  const kysely = new Kysely<Database>({ dialect: new PGliteDialect(pglite), plugins });
  return {
    kysely,
    kind: 'pglite',
    pglite,
    close: async () => {
      await kysely.destroy();
      if (!pglite.closed) await pglite.close();
    },
  };
}

/** PostGIS version string, e.g. "3.6.2". */
export async function postgisVersion(db: Kysely<Database>): Promise<string> {
  const { rows } = await sql<{ v: string }>`select postgis_lib_version() as v`.execute(db);
  return rows[0].v;
}
