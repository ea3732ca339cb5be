import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { definitionFiles, dependencyOrder, migrationFiles, migrationsDir } from '../../server/db/migrate.ts';

const manifestFile = path.join(migrationsDir, 'shipped.sha256');

/** migrations/shipped.sha256, in `sha256sum` format: "<hex>  <file>" per line. */
function manifest(): Map<string, string> {
  const lines = readFileSync(manifestFile, 'utf8').split('\n').filter((l) => l.trim());
  return new Map(lines.map((line) => {
    const match = /^([0-9a-f]{64}) {2}(\S+)$/.exec(line);
    if (!match) throw new Error(`migrations/shipped.sha256: not a "<sha256>  <file>" line: ${line}`);
    return [match[2], match[1]];
  }));
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(path.join(migrationsDir, file))).digest('hex');

describe('numbered migrations are append-only', () => {
  it('every shipped migration is unchanged and every migration is in migrations/shipped.sha256', () => {
    const shipped = manifest();
    const problems: string[] = [];
    for (const [file, hash] of shipped) {
      if (!migrationFiles().includes(file)) problems.push(`migrations/${file} was shipped and is gone: shipped migrations are never removed`);
      else if (sha256(file) !== hash) {
        problems.push(`migrations/${file} changed after it shipped: shipped migrations are append-only. Put it back ` +
          `(git checkout main -- migrations/${file}) and make the change in a new numbered migration; a function's ` +
          'body is changed in its file under migrations/functions/');
      }
    }
    for (const file of migrationFiles()) {
      if (!shipped.has(file)) {
        problems.push(`migrations/${file} is not in migrations/shipped.sha256: a new migration is added to the manifest ` +
          `with its commit (cd migrations && sha256sum ${file} >> shipped.sha256), and is frozen from then on`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('the manifest holds the migrations in order, as sha256sum -c reads it', () => {
    const files = [...manifest().keys()];
    expect(files).toEqual([...files].sort());
    expect(files.every((f) => /^\d{4}_[a-z0-9_]+\.ts$/.test(f))).toBe(true);
  });
});

describe('SQL definitions (migrations/functions)', () => {
  it('each file re-runnably defines the one function or view it is named after', () => {
    const problems: string[] = [];
    for (const d of definitionFiles()) {
      const code = d.sql.replace(/--[^\n]*/g, '');
      const creates = [...code.matchAll(/\bcreate\s+(or\s+replace\s+)?(function|view)\s+([a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*)/gi)];
      if (creates.length !== 1) problems.push(`${d.file}: ${creates.length} create statements, expected one`);
      else if (!creates[0][1]) problems.push(`${d.file}: "create" without "or replace" cannot be applied again`);
      else if (creates[0][3].toLowerCase() !== d.name) problems.push(`${d.file} defines ${creates[0][3]}`);
      if (/\b(drop|alter\s+table|insert|update|delete)\b/i.test(code.replace(/\$(\w*)\$[\s\S]*?\$\1\$/g, ''))) {
        problems.push(`${d.file}: a definition file holds only its definition and grants; other changes are numbered migrations`);
      }
    }
    expect(problems).toEqual([]);
    expect(definitionFiles().map((d) => d.name)).toContain('app.incident_grid');
  });

  it('orders a definition after the definitions it names, otherwise by name', () => {
    const d = (name: string, sql: string) => ({ name, sql });
    const ordered = dependencyOrder([
      d('app.b', 'create or replace function app.b() returns int language sql as $$ select app.c() $$;'),
      d('app.a', 'create or replace function app.a() returns int language sql as $$ select 1 $$;'),
      // app.c_x is not app.c; a comment naming app.a is no dependency
      d('app.c', '-- unlike app.a\ncreate or replace function app.c() returns int language sql as $$ select app.c_x() $$;'),
      d('app.c_x', 'create or replace function app.c_x() returns int language sql as $$ select 2 $$;'),
    ]);
    expect(ordered.map((x) => x.name)).toEqual(['app.a', 'app.c_x', 'app.c', 'app.b']);
    expect(() => dependencyOrder([d('app.x', 'select app.y()'), d('app.y', 'select app.x()')]))
      .toThrow('definitions name each other in a cycle: app.x, app.y');
  });

  it('the real files: app.incident_grid comes after app.counties_meeting, app.role after app.setting', () => {
    const names = definitionFiles().map((d) => d.name);
    expect(names.indexOf('app.incident_grid')).toBeGreaterThan(names.indexOf('app.counties_meeting'));
    expect(names.indexOf('app.role')).toBeGreaterThan(names.indexOf('app.setting'));
  });
});
