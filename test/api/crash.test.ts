import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { crashRounds, prepareDataDir } from '../support/crash-harness.ts';
import { cloneTemplateDatabase } from '../support/template.ts';

/**
 * Crash safety, short form (the long form is bench/crash.ts): a writer child process is SIGKILLed
 * mid-stream, repeatedly; after each restart every acknowledged change is present, with both of
 * its rows, and no change is half there.
 */
const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => { for (const c of cleanups) await c(); });

describe('crash safety', () => {
  it('keeps every acknowledged write through SIGKILLs, and never half a transaction', async () => {
    let target: { pgliteDir?: string; databaseUrl?: string };
    const postgresTemplate = inject('postgresTemplate');
    if (postgresTemplate) {
      const name = `pingan_crash_${process.pid}`;
      const clone = await cloneTemplateDatabase(process.env.DATABASE_URL!, postgresTemplate, name);
      cleanups.push(clone.drop);
      target = { databaseUrl: clone.databaseUrl };
    } else {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'pingan-crash-'));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      await prepareDataDir(path.join(dir, 'pglite'), inject('pgliteTemplate')!);
      target = { pgliteDir: path.join(dir, 'pglite') };
    }
    const report = await crashRounds(target, postgresTemplate ? 4 : 2, [800, 2500], 7);
    console.log(`crash (${postgresTemplate ? 'PostgreSQL' : 'PGlite'}): ${report.rounds} SIGKILLs, ${report.acknowledged} writes acknowledged, ` +
      `${report.foundAfterRestart} found after restart, ${report.halfWritten.length} half-written, ${report.unacknowledgedButPresent} committed but not yet acknowledged`);
    expect(report.acknowledged).toBeGreaterThan(0);
    expect(report.lostAcknowledged).toEqual([]);
    expect(report.halfWritten).toEqual([]);
    expect(report.foundAfterRestart).toBe(report.acknowledged);
  }, 900_000); // each round opens PGlite twice (~11 s of CPU each), minutes on a loaded machine
});
