import path from 'node:path';
import { waitFor } from '../support/wait.ts';
import { sql } from 'kysely';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { openDatabase } from '../../server/db/connection.ts';
import { type ServerProcess, loginOver, startServerProcess } from '../support/server-process.ts';

/**
 * Background imports survive a crash honestly: the real server is SIGKILLed in the middle of a
 * 40,000-row import job; after a restart on the same database the job answers `failed` with the
 * reason `interrupted` (not `running` forever) and none of its staging rows are left. On
 * PostgreSQL a second server process shares the database: while the first one lives, the second
 * one's sweeps (four times a second) leave the job alone; once the first is killed, the
 * second one's sweep finds the job abandoned.
 */
const servers: ServerProcess[] = [];
afterAll(async () => { for (const s of servers.reverse()) await s.cleanup(); });

const ROWS = 40_000;

/** Waits for a condition, polling, until a deadline; returns the last value. */
async function until<T>(what: string, probe: () => Promise<T>, done: (value: T) => boolean, ms = 120_000): Promise<T> {
  let last: T | undefined;
  try {
    return await waitFor(async () => { last = await probe(); return done(last) ? { value: last } : undefined; }, { what, timeoutMs: ms, intervalMs: 50 })
      .then((r) => r.value);
  } catch (error) {
    throw new Error(`${(error as Error).message}: last ${JSON.stringify(last)}`);
  }
}

/** Points spread over the demo county's grids (the mean of each grid's outline): rows that land somewhere real. */
async function countyPoints(baseUrl: string, cookie: string): Promise<Array<[number, number]>> {
  const res = await fetch(`${baseUrl}/api/grids`, { headers: { cookie } });
  const grids = await res.json() as { features: Array<{ geometry: { type: string; coordinates: any } }> };
  return grids.features.slice(0, 500).map((f) => {
    const ring: number[][] = f.geometry.type === 'Polygon' ? f.geometry.coordinates[0] : f.geometry.coordinates[0][0];
    return [ring.reduce((a, p) => a + p[0], 0) / ring.length, ring.reduce((a, p) => a + p[1], 0) / ring.length];
  });
}

function csv(points: Array<[number, number]>, n: number) {
  const lines = ['名称,经度,纬度,units,tenants'];
  for (let i = 0; i < n; i++) {
    const [x, y] = points[i % points.length];
    const jitter = ((i * 7919) % 1000) / 1e7;
    lines.push(`出租屋${i},${(x + jitter).toFixed(7)},${(y - jitter).toFixed(7)},${1 + (i % 5)},${i % 9}`);
  }
  return lines.join('\n');
}

const job = async (server: ServerProcess, cookie: string, id: number) =>
  (await (await fetch(`${server.baseUrl}/api/imports/${id}`, { headers: { cookie } })).json()) as
    { status: string; processed: number; total: number; reason: string | null; message: string | null };

async function stagingRows(server: ServerProcess, jobId: number): Promise<number> {
  const db = server.databaseUrl ? await openDatabase({ databaseUrl: server.databaseUrl }) : await openDatabase({ pgliteDir: path.join(server.dataDir, 'pglite') });
  try {
    return (await sql<{ n: number }>`select count(*)::int as n from import_staging where job_id = ${jobId}`.execute(db.kysely)).rows[0].n;
  } finally {
    await db.close();
  }
}

describe('an import job when its server is killed', () => {
  it('answers failed (interrupted) after the restart, with no staging rows left', async () => {
    const postgresTemplate = inject('postgresTemplate');
    const a = await startServerProcess(postgresTemplate ? { postgres: postgresTemplate } : { pglite: inject('pgliteTemplate')! });
    servers.push(a);
    // PostgreSQL: a second server on the same database, sweeping four times a second for jobs of dead owners
    const b = a.databaseUrl ? await startServerProcess({ sharedDatabaseUrl: a.databaseUrl }, { JOB_SWEEP_SECONDS: '0.25' }) : undefined;
    if (b) servers.push(b);
    // (PostgreSQL works through rows faster: a larger file keeps the job running long enough)
    const rows = a.databaseUrl ? 3 * ROWS : ROWS;
    let planner = await loginOver(a.baseUrl, 'planner');
    const form = new FormData();
    form.set('file', new File([csv(await countyPoints(a.baseUrl, planner), rows)], 'big.csv'));
    form.set('kind', 'sites');
    form.set('category', 'rental_housing');
    form.set('dryRun', 'false');
    const started = await fetch(`${a.baseUrl}/api/imports`, { method: 'POST', headers: { cookie: planner }, body: form });
    expect(started.status).toBe(202);
    const { id } = await started.json() as { id: number };

    const midway = await until('the job to process a batch', () => job(a, planner, id), (j) => j.processed > 0);
    expect(midway.status).toBe('running');
    if (b) {
      // the owner is alive: the second server's sweeps leave its job alone over several batches
      const later = await until('the job to go on while the second server sweeps', () => job(a, planner, id),
        (j) => j.processed >= midway.processed + 3 * 2000 || j.status !== 'running');
      expect(later.status).toBe('running');
      expect(await stagingRows(a, id)).toBeGreaterThan(0);
    }

    a.child.kill('SIGKILL');
    expect((await a.exited).signal).toBe('SIGKILL');

    if (b) {
      // the surviving server finds the job abandoned by itself
      const plannerOnB = await loginOver(b.baseUrl, 'planner');
      const seen = await until('the second server to fail the abandoned job', () => job(b!, plannerOnB, id), (j) => j.status !== 'running');
      expect(seen).toMatchObject({ status: 'failed', reason: 'interrupted' });
    }

    await a.restart();
    planner = await loginOver(a.baseUrl, 'planner');
    const after = await job(a, planner, id);
    expect(after.status).toBe('failed');
    expect(after.reason).toBe('interrupted');
    expect(after.message).toContain('中断');
    // (on PostgreSQL the kill may come after the last batch, during the final insert: it is the same interruption)
    expect(after.processed).toBeGreaterThan(0);
    expect(after.total).toBe(rows);

    // the job's staging rows are gone (embedded: looked at after the server stopped, as only one process may open it)
    if (!a.databaseUrl) {
      a.child.kill('SIGKILL');
      await a.exited;
    }
    expect(await stagingRows(a, id)).toBe(0);
  }, 600_000);
});
