import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { openDatabase } from '../../server/db/connection.ts';
import { readTar } from '../../server/db/pglite-postgis.ts';
import { killOnExit } from './children.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface CrashTarget {
  /** PGlite data directory, or a PostgreSQL URL. */
  pgliteDir?: string;
  databaseUrl?: string;
}

export interface CrashReport {
  rounds: number;
  acknowledged: number;
  foundAfterRestart: number;
  lostAcknowledged: number[];
  halfWritten: string[];
  /** writes that committed but were not yet acknowledged when the kill came (allowed) */
  unacknowledgedButPresent: number;
  killAfterMs: number[];
}

/**
 * Makes a PGlite data directory holding the test template (migrated, demo loaded) by unpacking the
 * dumped data directory, as PGlite's loadDataDir does into its file system, without starting a
 * database for it: the process that opens the directory next recovers it like any other start.
 */
export async function prepareDataDir(dir: string, templateTar: string) {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const entry of readTar(readFileSync(templateTar))) {
    const target = path.join(dir, entry.name);
    if (entry.directory) mkdirSync(target, { recursive: true, mode: 0o700 });
    else {
      mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
      writeFileSync(target, entry.data, { mode: 0o600 });
    }
  }
}

/** Runs the writer until `killAfterMs` after it is ready, SIGKILLs it, and returns the acknowledged sequence numbers. */
function writeAndKill(target: CrashTarget, start: number, killAfterMs: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/crash-writer.ts', String(start)], {
      cwd: root, stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DATABASE_URL: target.databaseUrl ?? '', PGLITE_DIR: target.pgliteDir ?? '' },
    });
    const forget = killOnExit(child);
    // a writer that never gets ready (its database does not open) fails the round instead of hanging it
    const readyDeadline = setTimeout(() => { child.kill('SIGKILL'); }, 300_000);
    let ready = false;
    const acked: number[] = [];
    let buffer = '';
    let errors = '';
    child.stderr!.on('data', (d) => { errors += d; });
    child.stdout!.on('data', (d: Buffer) => {
      buffer += d.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) {
        // the kill point of the round (not synchronization: where the writer is when it dies is the experiment)
        if (line === 'ready') { ready = true; clearTimeout(readyDeadline); setTimeout(() => child.kill('SIGKILL'), killAfterMs); }
        else if (line.startsWith('ack ')) acked.push(Number(line.slice(4)));
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(readyDeadline);
      forget();
      if (signal === 'SIGKILL' && !ready) reject(new Error(`the writer was not ready within 300 s: ${errors.slice(-2000)}`));
      else if (signal === 'SIGKILL') resolve(acked);
      else reject(new Error(`the writer exited by itself (${code}): ${errors.slice(-2000)}`));
    });
  });
}

/**
 * Kill-and-restart rounds: each round the writer writes for a random time and is SIGKILLed; then
 * the database is opened again (recovery runs) and checked: every acknowledged change is there
 * with both rows, and no change has only one row.
 */
export async function crashRounds(target: CrashTarget, rounds: number, killWindowMs: [number, number], seed = 1): Promise<CrashReport> {
  let rnd = seed;
  const random = () => { rnd = (rnd * 1103515245 + 12345) % 2147483648; return rnd / 2147483648; };
  const report: CrashReport = { rounds, acknowledged: 0, foundAfterRestart: 0, lostAcknowledged: [], halfWritten: [], unacknowledgedButPresent: 0, killAfterMs: [] };
  const allAcked = new Set<number>();
  let next = 1;
  for (let round = 0; round < rounds; round++) {
    const killAfter = Math.round(killWindowMs[0] + random() * (killWindowMs[1] - killWindowMs[0]));
    report.killAfterMs.push(killAfter);
    const acked = await writeAndKill(target, next, killAfter);
    for (const a of acked) allAcked.add(a);
    // reopen (PGlite replays its WAL here) and look
    const db = target.databaseUrl ? await openDatabase({ databaseUrl: target.databaseUrl }) : await openDatabase({ pgliteDir: target.pgliteDir });
    try {
      const { rows } = await sql<{ entityId: string }>`select entity_id from audit_log where entity = 'crash_probe'`.execute(db.kysely);
      const halves = new Map<number, Set<string>>();
      for (const r of rows) {
        const [seq, half] = r.entityId.split('/');
        if (!halves.has(Number(seq))) halves.set(Number(seq), new Set());
        halves.get(Number(seq))!.add(half);
      }
      report.halfWritten = [...halves].filter(([, h]) => h.size !== 2).map(([s, h]) => `${s}:${[...h].join('')}`);
      report.lostAcknowledged = [...allAcked].filter((s) => halves.get(s)?.size !== 2);
      report.foundAfterRestart = [...allAcked].filter((s) => halves.get(s)?.size === 2).length;
      report.unacknowledgedButPresent = [...halves.keys()].filter((s) => !allAcked.has(s)).length;
      next = Math.max(0, ...halves.keys(), ...allAcked) + 1;
    } finally {
      await db.close();
    }
    if (report.lostAcknowledged.length || report.halfWritten.length) break;
  }
  report.acknowledged = allAcked.size;
  return report;
}
