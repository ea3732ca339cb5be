import { type Kysely, sql } from 'kysely';

/**
 * Splits an SQL script into statements at semicolons outside quotes, comments and
 * dollar-quoted bodies. PGlite's extended-protocol `query` runs one statement at a time,
 * so migrations written as scripts go through this on both engines.
 */
export function splitStatements(script: string): string[] {
  const statements: string[] = [];
  let start = 0;
  let i = 0;
  while (i < script.length) {
    const ch = script[i];
    if (ch === "'") {
      i = script.indexOf("'", i + 1);
      while (i !== -1 && script[i + 1] === "'") i = script.indexOf("'", i + 2);
      if (i === -1) break;
    } else if (ch === '-' && script[i + 1] === '-') {
      i = script.indexOf('\n', i);
      if (i === -1) break;
    } else if (ch === '$') {
      const tag = /^\$[A-Za-z_]*\$/.exec(script.slice(i))?.[0];
      if (tag) {
        const end = script.indexOf(tag, i + tag.length);
        if (end === -1) break;
        i = end + tag.length - 1;
      }
    } else if (ch === ';') {
      statements.push(script.slice(start, i));
      start = i + 1;
    }
    i++;
  }
  statements.push(script.slice(start));
  return statements
    .map((s) => s.replace(/^(\s*--[^\n]*\n)+/g, '').trim())
    .filter((s) => s.length > 0);
}

/** Runs a multi-statement SQL script, statement by statement, inside the caller's transaction. */
export async function runScript(db: Kysely<any>, script: string): Promise<void> {
  for (const statement of splitStatements(script)) {
    await sql.raw(statement).execute(db);
  }
}
