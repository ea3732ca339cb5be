import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/*
 * The layering rule of the style guide (STYLE.md), checked on the source: routes are HTTP only, services hold
 * transactions and invariants, and SQL (Kysely builders or sql`…`) lives in *.repository.ts files.
 * audit_log has one writer (issue 20 adds a hash chain there), settings one reader.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const serverDir = path.join(root, 'server');

/**
 * Files that are themselves the data layer without the suffix, and why they may hold SQL.
 * An entry that no longer holds SQL fails the test, so the list cannot go stale.
 */
const DATA_LAYER_FILES: Record<string, string> = {
  'server/db/connection.ts': 'opens the database, roles and extensions',
  'server/db/migrate.ts': 'the migrator and the SQL function definitions',
  'server/db/geo.ts': 'shared SQL fragments (GeoJSON, scope prefixes) the repositories compose',
  'server/db/script.ts': 'runs SQL scripts for migrations',
  'server/auth/scope.ts': 'sets the transaction-local settings the row-level policies read',
  'server/ops/backup.ts': 'dumps and restores the whole database',
  'server/ops/checksum.ts': 'checksums every table for backup and crash tests',
  'server/tiles/tiles.layers.ts': 'SQL builders of the tile layers, shared by both encoders',
  'server/tiles/tiles.encoders.ts': 'ST_AsMVT on PostgreSQL, GeoJSON for the JavaScript encoder',
  'server/generate/prefecture.ts': 'bulk generator of demo counties, set-based SQL copies',
  'server/demo/demo.seed.ts': 'bulk loader of the demo county',
};

/** SQL in TypeScript: a sql template (typed or not), a sql helper, or a Kysely query builder entry point. */
const SQL = /\bsql(<[^`]*?>)?`|\bsql\.(raw|join|table|ref|val|lit|id)\(|\.(selectFrom|selectNoFrom|insertInto|updateTable|deleteFrom|replaceInto|mergeInto)\(/;
const AUDIT_INSERT = /insertInto\(\s*['"]auditLog['"]|insert\s+into\s+(public\.)?audit_log\b/i;
const SETTINGS_READ = /selectFrom\(\s*['"]settings['"]|\bfrom\s+settings\b/i;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(full);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [full] : [];
  });
}

const files = sourceFiles(serverDir).map((full) => ({ file: path.relative(root, full).split(path.sep).join('/'), text: readFileSync(full, 'utf8') }));

/** "file:line: text" for every line of `text` that matches. */
function hits(file: string, text: string, pattern: RegExp) {
  return text.split('\n').flatMap((line, i) => (pattern.test(line) ? [`${file}:${i + 1}: ${line.trim()}`] : []));
}

describe('layers', () => {
  it('recognises SQL, audit inserts and settings reads in the forms the code writes them', () => {
    // the detectors themselves: if one stops matching, the checks below would pass on anything
    for (const s of ["db.selectFrom('grids')", "trx.insertInto('sites')", 'db.updateTable("plans")', "db.deleteFrom('x')",
      'sql`select 1`', 'sql<{ id: number }>`select id`', 'sql<Record<string, number>>`select`', 'sql.raw(columns)']) {
      expect(SQL.test(s), s).toBe(true);
    }
    for (const s of ['// the SQL lives in the repository', 'const sqlText = x', 'selectFromList(a)']) expect(SQL.test(s), s).toBe(false);
    expect(AUDIT_INSERT.test("db.insertInto('auditLog').values(x)")).toBe(true);
    expect(AUDIT_INSERT.test('insert into audit_log (at, actor_id)')).toBe(true);
    expect(SETTINGS_READ.test("db.selectFrom('settings').select('value')")).toBe(true);
    expect(files.length).toBeGreaterThan(50);
  });

  it('keeps SQL in repositories: no routes, services or helpers build queries', () => {
    const offenders = files.filter((f) => !f.file.endsWith('.repository.ts') && !(f.file in DATA_LAYER_FILES))
      .flatMap((f) => hits(f.file, f.text, SQL));
    expect(offenders, 'move these queries into a *.repository.ts function').toEqual([]);
  });

  it('lists only data-layer files that exist and still hold SQL', () => {
    const stale = Object.keys(DATA_LAYER_FILES).filter((file) => !files.some((f) => f.file === file && SQL.test(f.text)));
    expect(stale, 'remove these from DATA_LAYER_FILES').toEqual([]);
  });

  it('writes audit_log in one place: server/audit/audit.repository.ts', () => {
    const writers = files.filter((f) => AUDIT_INSERT.test(f.text)).map((f) => f.file);
    expect(writers).toEqual(['server/audit/audit.repository.ts']);
  });

  it('reads settings in one place: server/settings/settings.repository.ts', () => {
    // regions.repository.ts names a prefecture from a setting inside its region queries' SQL
    const readers = files.filter((f) => SETTINGS_READ.test(f.text)).map((f) => f.file).sort();
    expect(readers).toEqual(['server/regions/regions.repository.ts', 'server/settings/settings.repository.ts']);
  });
});
