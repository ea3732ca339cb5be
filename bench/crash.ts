/**
 * Crash safety, long form: N rounds of "write as fast as possible, SIGKILL at a random moment,
 * reopen, check" on a PGlite data directory (and on PostgreSQL when DATABASE_URL is set).
 * Prints writes acknowledged vs found after the crashes, half-written changes, and write rates.
 *   npx tsx bench/crash.ts [rounds=10]
 * (PGlite needs the test template: run an API test once first, or it is built here.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { crashRounds, prepareDataDir } from '../test/support/crash-harness.ts';
import { cloneTemplateDatabase, ensurePgliteTemplate, ensurePostgresTemplate } from '../test/support/template.ts';

const rounds = Number(process.argv[2] ?? 10);
const window: [number, number] = [500, 5000];

function print(engine: string, r: Awaited<ReturnType<typeof crashRounds>>, ms: number) {
  const totalKillMs = r.killAfterMs.reduce((a, b) => a + b, 0);
  console.log(`${engine}: ${r.rounds} SIGKILLs after ${r.killAfterMs.join(', ')} ms`);
  console.log(`  acknowledged ${r.acknowledged}, found after restart ${r.foundAfterRestart}, lost ${r.lostAcknowledged.length}, ` +
    `half-written ${r.halfWritten.length}, committed-not-yet-acknowledged ${r.unacknowledgedButPresent}`);
  console.log(`  ≈ ${(r.acknowledged / (totalKillMs / 1000)).toFixed(1)} acknowledged changes/s while running; ${(ms / 1000).toFixed(0)} s in all`);
}

if (process.env.DATABASE_URL) {
  const template = await ensurePostgresTemplate(process.env.DATABASE_URL);
  const name = `pingan_crash_bench_${process.pid}`;
  const clone = await cloneTemplateDatabase(process.env.DATABASE_URL, template, name);
  try {
    const started = Date.now();
    print('PostgreSQL', await crashRounds({ databaseUrl: clone.databaseUrl }, rounds, window, 11), Date.now() - started);
  } finally {
    await clone.drop();
  }
} else {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pingan-crash-bench-'));
  try {
    await prepareDataDir(path.join(dir, 'pglite'), await ensurePgliteTemplate());
    const started = Date.now();
    print('PGlite', await crashRounds({ pgliteDir: path.join(dir, 'pglite') }, rounds, window, 11), Date.now() - started);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
