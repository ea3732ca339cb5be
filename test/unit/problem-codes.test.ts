/**
 * Problems as codes: every code the server can answer is declared once in the catalog, every code
 * thrown in server/ is in it, and the web app says every one of them in Chinese and in English.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { problemCodes } from '../../server/http/problem-codes.ts';
import { CAPABILITIES } from '../../server/auth/capabilities.ts';
import { zh } from '../../web/src/i18n/zh.ts';
import { en } from '../../web/src/i18n/en.ts';

const root = path.resolve(import.meta.dirname, '../..');
const codes = Object.keys(problemCodes);
const placeholders = (text: string) => new Set([...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? sourceFiles(full) : full.endsWith('.ts') ? [full] : [];
  });
}
const server = sourceFiles(path.join(root, 'server'))
  .filter((f) => !f.endsWith(path.join('http', 'problem-codes.ts')))
  .map((f) => ({ file: path.relative(root, f), text: readFileSync(f, 'utf8') }));

describe('problem codes', () => {
  it('are declared with a status, a /problems/ type and an English template', () => {
    expect(codes.length).toBeGreaterThan(100);
    for (const [code, def] of Object.entries(problemCodes)) {
      expect(code, code).toMatch(/^[a-z][a-zA-Z0-9-]*(\.[a-zA-Z0-9-]+)*$/);
      expect(def.status, code).toBeGreaterThanOrEqual(400);
      expect(def.detail.length, code).toBeGreaterThan(5);
    }
  });

  it('thrown anywhere in server/ are in the catalog, and every catalogued code is thrown somewhere', () => {
    const thrown = new Map<string, string>();
    for (const { file, text } of server) {
      // problem('code', …), described('code', …) (a bad row) and the ternaries and helpers that pass a code on: problem(x ? 'a.b' : 'c.d')
      for (const call of text.matchAll(/\b(?:problem|described)\(([^;]*?)(?:,|\)\s*[;,)])/g)) {
        for (const literal of call[1].matchAll(/'([a-z][a-zA-Z0-9-]*(?:\.[a-zA-Z0-9-]+)+|internal)'/g)) thrown.set(literal[1], file);
      }
    }
    expect(thrown.size).toBeGreaterThan(80);
    for (const [code, file] of thrown) expect(codes, `${code} (thrown in ${file})`).toContain(code);
    // the reverse: a code no source names is dead (capability.* are built from the capability's name)
    const everywhere = server.map((s) => s.text).join('\n');
    const unused = codes.filter((c) => !c.startsWith('capability.') && !everywhere.includes(`'${c}'`));
    expect(unused).toEqual([]);
    expect(codes.filter((c) => c.startsWith('capability.')).sort()).toEqual(CAPABILITIES.map((n) => `capability.${n}`).sort());
  });

  it('every code has a Chinese and an English message on the web, with only placeholders the server fills', () => {
    // params a problem carries beyond its English template's
    const extra: Record<string, string[]> = { 'request.invalid': ['fields'], 'fields.invalid': ['fields'] };
    for (const [code, def] of Object.entries(problemCodes)) {
      const key = `problem.${code}`;
      const known = new Set([...placeholders(def.detail), ...(extra[code] ?? [])]);
      for (const [lang, table] of [['zh', zh], ['en', en]] as const) {
        const text = (table as Record<string, string>)[key];
        expect(text, `${lang} ${key}`).toBeTruthy();
        for (const name of placeholders(text)) expect(known, `${lang} ${key}: {${name}}`).toContain(name);
      }
      // the Chinese message is Chinese: no English sentence (ASCII words of 3+ letters in a row)
      expect(zh[key as keyof typeof zh], key).toMatch(/[\u4e00-\u9fff]/);
      expect(zh[key as keyof typeof zh], key).not.toMatch(/[A-Za-z]{3,} [A-Za-z]{3,} [A-Za-z]{3,}/);
    }
    // and no message for a code that no longer exists
    const stale = Object.keys(zh).filter((k) => k.startsWith('problem.') && !codes.includes(k.slice('problem.'.length)));
    expect(stale).toEqual([]);
  });

  it('every problem type has a title on the web for problems without a known code', () => {
    for (const type of new Set(Object.values(problemCodes).map((d) => d.type))) {
      expect((zh as Record<string, string>)[`problemType.${type}`], type).toBeTruthy();
      expect((en as Record<string, string>)[`problemType.${type}`], type).toBeTruthy();
    }
  });
});
