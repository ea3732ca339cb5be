import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importsSettled } from '../../server/imports/import-jobs.ts';
import { type TestContext, createTestContext } from '../support/test-app.ts';
import { waitFor } from '../support/wait.ts';

/**
 * Large imports run as jobs: 202 with a job id, batches with progress the client polls, all rows
 * or none. 12,000 CSV rows (six batches) here; bench/site-import.ts imports 100,000 and prints the
 * time and peak RSS.
 */
let t: TestContext;
let planner: string;
let points: Array<[number, number]>;
beforeAll(async () => {
  t = await createTestContext();
  planner = await t.login('planner');
  const { rows } = await sql<{ x: number; y: number }>`select ST_X(p) as x, ST_Y(p) as y from
    (select ST_PointOnSurface(geom) as p from grids where layer_id = 1 order by code limit 500) g`.execute(t.db.kysely);
  points = rows.map((r) => [Number(r.x), Number(r.y)]);
});
afterAll(async () => { await importsSettled(); await t?.close(); });

async function upload(fileName: string, content: string, fields: Record<string, string>) {
  const form = new FormData();
  form.set('file', new File([content], fileName));
  form.set('kind', 'sites');
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  const res = await t.app.request('/api/imports', { method: 'POST', headers: { cookie: planner }, body: form });
  return { status: res.status, body: await res.json() as any };
}
/** Polls the job until it ends (or `timeoutMs` passes); returns the final report and every progress value seen. */
async function poll(id: number, timeoutMs: number) {
  const seen: number[] = [];
  const job = await waitFor(async () => {
    const job = (await t.get(`/api/imports/${id}`, planner)).body;
    seen.push(job.processed);
    return ['queued', 'running'].includes(job.status) ? undefined : job;
  }, { what: `import job ${id} to end`, timeoutMs, intervalMs: 200 });
  return { job, seen };
}
/** n rental-housing rows spread over the county, a few metres around grid interior points. */
function csv(n: number, bad?: number) {
  const lines = ['名称,经度,纬度,units,tenants'];
  for (let i = 0; i < n; i++) {
    const [x, y] = points[i % points.length];
    const jitter = ((i * 7919) % 1000) / 1e7;
    lines.push(i === bad ? `坏行${i},${x},abc,1,1` : `出租屋${i},${(x + jitter).toFixed(7)},${(y - jitter).toFixed(7)},${1 + (i % 5)},${i % 9}`);
  }
  return lines.join('\n');
}
const countRentals = async () => (await sql<{ n: number }>`select count(*)::int as n from sites where category = 'rental_housing'`.execute(t.db.kysely)).rows[0].n;

describe('imports as jobs', () => {
  it('fails a large import with one bad row as a whole: nothing imported, the row named', async () => {
    const before = await countRentals();
    const started = await upload('big.csv', csv(6000, 4321), { category: 'rental_housing', dryRun: 'false' });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ status: 'queued', total: 6000 });
    const { job } = await poll(started.body.id, 280_000);
    expect(job).toMatchObject({ status: 'failed', processed: 6000, imported: 0, errorCount: 1 });
    expect(job.errors).toEqual([{ row: 4323, field: 'lon/lat', code: 'row.coordinates-not-numbers', params: {}, message: expect.any(String) }]);
    expect(await countRentals()).toBe(before);
    expect((await sql<{ n: number }>`select count(*)::int as n from import_staging`.execute(t.db.kysely)).rows[0].n).toBe(0);
  }, 300_000);

  it('imports 12,000 CSV rows in batches with visible progress', async () => {
    const before = await countRentals();
    const t0 = Date.now();
    const started = await upload('rentals-12k.csv', csv(12_000), { category: 'rental_housing', dryRun: 'false' });
    expect(started.status).toBe(202);
    const { job, seen } = await poll(started.body.id, 280_000);
    console.log(`12,000-row CSV import: ${((Date.now() - t0) / 1000).toFixed(1)} s, progress seen: ${[...new Set(seen)].join(' ')}`);
    expect(job).toMatchObject({ status: 'imported', total: 12_000, processed: 12_000, valid: 12_000, imported: 12_000, errorCount: 0 });
    // batches of 2,000: the client saw the job part-way at least once
    expect(seen.some((p) => p > 0 && p < 12_000)).toBe(true);
    expect(await countRentals()).toBe(before + 12_000);
    expect(job.preview.features).toHaveLength(2000);
    expect((await sql<{ n: number }>`select count(*)::int as n from import_staging`.execute(t.db.kysely)).rows[0].n).toBe(0);
  }, 300_000);
});
