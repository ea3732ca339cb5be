import { describe, expect, it } from 'vitest';
import { splitStatements } from '../../server/db/script.ts';

describe('splitStatements', () => {
  it('splits at semicolons but not inside quotes, comments or dollar-quoted bodies', () => {
    const script = `
      -- a comment; with a semicolon
      create table t (a text default 'x;y');
      create function f() returns int language sql as $$ select 1; $$;
      do $body$ begin perform 1; end $body$;
      select 'it''s; fine'`;
    expect(splitStatements(script)).toEqual([
      "create table t (a text default 'x;y')",
      'create function f() returns int language sql as $$ select 1; $$',
      'do $body$ begin perform 1; end $body$',
      "select 'it''s; fine'",
    ]);
  });

  it('drops empty statements', () => {
    expect(splitStatements(';;\n  ;select 1;')).toEqual(['select 1']);
  });
});
