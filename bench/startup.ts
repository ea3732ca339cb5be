/**
 * First-start and warm-start time of `npm start` on the embedded database: the time from
 * launching the server on an empty DATA_DIR (migrate + load the demo county) until
 * /api/health answers and the county's grids are served, then the same on the populated
 * directory. Baseline for the ratio: opening an empty in-memory PGlite with PostGIS, the floor
 * no start can beat.  Usage: npx tsx bench/startup.ts
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../server/db/connection.ts';

const port = 8800 + Math.floor(Math.random() * 100);
const base = `http://127.0.0.1:${port}`;

async function timeStart(dataDir: string): Promise<{ healthMs: number; gridsMs: number; child: ChildProcess }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts', 'start'], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, DATABASE_URL: '', DEMO: '1' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  let healthMs = 0;
  for (;;) {
    if (child.exitCode !== null) throw new Error('server exited');
    try { if ((await fetch(`${base}/api/health`)).ok) { healthMs = performance.now() - t0; break; } } catch { /* not up */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  const login = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'inspector', password: 'demo-2026' }) });
  const cookie = login.headers.get('set-cookie')!.split(';')[0];
  const grids = await (await fetch(`${base}/api/grids?layer=comprehensive`, { headers: { cookie } })).json() as { features: unknown[] };
  if (grids.features.length < 100) throw new Error(`only ${grids.features.length} grids served`);
  return { healthMs, gridsMs: performance.now() - t0, child };
}

async function stop(child: ChildProcess) {
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
}

const t0 = performance.now();
const floor = await openDatabase({});
await floor.kysely.selectNoFrom((eb) => eb.val(1).as('x')).execute();
const floorMs = performance.now() - t0;
await floor.close();

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'pingan-bench-'));
try {
  const first = await timeStart(dataDir);
  await stop(first.child);
  const warm = await timeStart(dataDir);
  await stop(warm.child);
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  console.log(`baseline: empty in-memory PGlite+PostGIS opens in ${s(floorMs)}`);
  console.log(`first start (migrate + load demo county): health ${s(first.healthMs)}, grids served ${s(first.gridsMs)}  (${(first.gridsMs / floorMs).toFixed(1)}× baseline)`);
  console.log(`warm start (persisted DATA_DIR):         health ${s(warm.healthMs)}, grids served ${s(warm.gridsMs)}  (${(warm.gridsMs / floorMs).toFixed(1)}× baseline)`);
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
