import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { definitionFiles, migrateToLatest } from '../../server/db/migrate.ts';
import { runScript } from '../../server/db/script.ts';
import { type TestContext, createTestContext } from '../support/test-app.ts';

/**
 * The SQL functions' current definitions live in migrations/functions/ and are applied after the
 * numbered migrations (server/db/migrate.ts). The database must hold exactly what the files say:
 * body, attributes (volatility, parallel safety, security definer, search_path, leakproof), owner
 * and grants.
 */
let t: TestContext;
beforeAll(async () => { t = await createTestContext(); });
afterAll(async () => { await t?.close(); });

const schemas = [...new Set(definitionFiles().map((d) => d.name.split('.')[0]))];

/** Every function and view of the definitions' schemas as the catalog describes it. */
async function catalog(db: Kysely<any>) {
  const { rows: functions } = await sql<Record<string, unknown>>`
    select n.nspname || '.' || p.proname as name, p.oid::regprocedure::text as signature,
      pg_get_functiondef(p.oid) as definition, p.proacl::text as acl, pg_get_userbyid(p.proowner) as owner,
      p.proleakproof as leakproof, p.proparallel as parallel, p.provolatile as volatility,
      p.prosecdef as security_definer, p.proconfig::text as config
    from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where n.nspname in (${sql.join(schemas)}) order by 2`.execute(db);
  const { rows: views } = await sql<Record<string, unknown>>`
    select n.nspname || '.' || c.relname as name, c.oid::regclass::text as signature,
      pg_get_viewdef(c.oid) as definition, c.relacl::text as acl, pg_get_userbyid(c.relowner) as owner
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind in ('v', 'm') and n.nspname in (${sql.join(schemas)}) order by 2`.execute(db);
  return [...functions, ...views];
}

/** The catalog after applying every file again, inside a transaction that is rolled back. */
async function catalogAfterReapplying(db: Kysely<any>, before?: (trx: Kysely<any>) => Promise<void>) {
  let result: Array<Record<string, unknown>> = [];
  const rollback = new Error('rollback');
  await db.transaction().execute(async (trx) => {
    await before?.(trx);
    const drifted = await catalog(trx);
    for (const d of definitionFiles()) await runScript(trx, d.sql);
    result = await catalog(trx);
    if (before) result = [drifted, result] as any;
    throw rollback;
  }).catch((error) => { if (error !== rollback) throw error; });
  return result;
}

describe('SQL definitions in migrations/functions', () => {
  it('each function in the schema has exactly one file, and each file its function', async () => {
    const inDatabase = [...new Set((await catalog(t.db.kysely)).map((r) => r.name as string))].sort();
    expect(inDatabase).toEqual(definitionFiles().map((d) => d.name).sort());
    // no overloads left behind by a changed signature
    expect((await catalog(t.db.kysely)).length).toBe(inDatabase.length);
  });

  it('the database holds exactly what the files define: applying them again changes nothing', async () => {
    const current = await catalog(t.db.kysely);
    expect(current.length).toBeGreaterThan(20);
    expect(await catalogAfterReapplying(t.db.kysely)).toEqual(current);

    // the comparison sees drift: an older body of app.incident_grid (migration 0011's, before
    // county_code) and a lost attribute differ from the files, and the files put them right
    const [drifted, reapplied] = await catalogAfterReapplying(t.db.kysely, async (trx) => {
      await sql`create or replace function app.incident_grid(p geometry) returns table (id bigint, code text, name text, village_code text)
        language sql stable security definer set search_path = public, pg_temp
        as $$ select g.id, g.code::text, g.name, g.village_code::text from grids g
          join grid_layers l on l.id = g.layer_id and l.kind = 'comprehensive'
          where g.valid_to is null and ST_Covers(g.geom, p)
          order by g.code limit 1 $$`.execute(trx);
      await sql`alter function app.in_scope(text) parallel unsafe`.execute(trx);
    }) as unknown as Array<Array<Record<string, unknown>>>;
    const changed = drifted.filter((row, i) => JSON.stringify(row) !== JSON.stringify(current[i])).map((r) => r.name);
    expect(changed).toEqual(['app.in_scope', 'app.incident_grid']);
    expect(reapplied).toEqual(current);
  });

  it('records each file\'s hash; applies only a file whose text changed, and every file after numbered migrations ran', async () => {
    const db = t.db.kysely;
    const recorded = async () => Object.fromEntries((await sql<{ name: string; sha256: string }>`
      select name, sha256 from sql_definitions where name not like ':%'`.execute(db)).rows.map((r) => [r.name, r.sha256]));
    expect(await recorded()).toEqual(Object.fromEntries(definitionFiles().map((d) => [d.name, d.sha256])));
    expect(await migrateToLatest(db)).toEqual([]);

    // as after a pull that changed app.incident_grid's file: only that file is applied
    await sql`update sql_definitions set sha256 = 'older' where name = 'app.incident_grid'`.execute(db);
    await sql`alter function app.incident_grid(geometry) security invoker`.execute(db);
    expect(await migrateToLatest(db)).toEqual(['app.incident_grid']);
    const { rows: [grid] } = await sql<{ secdef: boolean }>`
      select prosecdef as secdef from pg_proc where oid = 'app.incident_grid(geometry)'::regprocedure`.execute(db);
    expect(grid.secdef).toBe(true);
    expect(await recorded()).toEqual(Object.fromEntries(definitionFiles().map((d) => [d.name, d.sha256])));

    // as after a numbered migration: every file, in dependency order
    await sql`update sql_definitions set sha256 = 'older' where name = ':migrations'`.execute(db);
    expect(await migrateToLatest(db)).toEqual(definitionFiles().map((d) => d.name));
    expect(await migrateToLatest(db)).toEqual([]);
  });
});

describe('a database migrated before migrations/functions existed', () => {
  // Main's code before this mechanism ran the numbered migrations alone: the same functions, no
  // sql_definitions. (A database migrated from scratch that way, then by this code, was compared
  // with the template by hand on both engines: equal catalogs; the template itself is a fresh
  // database migrated by this code.)
  it('upgrades: every file is applied over the functions in place, and nothing else changes', async () => {
    const db = t.db.kysely;
    const before = await catalog(db);
    const { rows: [migrations] } = await sql<{ n: number }>`select count(*)::int as n from kysely_migration`.execute(db);
    await sql`drop table sql_definitions`.execute(db);

    expect(await migrateToLatest(db)).toEqual(definitionFiles().map((d) => d.name));
    expect(await catalog(db)).toEqual(before);
    const { rows: [after] } = await sql<{ n: number }>`select count(*)::int as n from kysely_migration`.execute(db);
    expect(after.n).toBe(migrations.n);
    expect(await migrateToLatest(db)).toEqual([]);
  });
});
