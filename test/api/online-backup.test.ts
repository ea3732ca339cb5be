import { spawnSync } from 'node:child_process';
import { waitFor } from '../support/wait.ts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { openDatabase } from '../../server/db/connection.ts';
import { checksumDifferences, databaseChecksum } from '../../server/ops/checksum.ts';
import { type ServerProcess, loginOver, startServerProcess } from '../support/server-process.ts';

/**
 * Online backups of the embedded database: the running server takes them — through the admin
 * API and for `npm run cli -- backup FILE` over its control socket — while a writer keeps adding
 * key sites. No write fails, and each archive restores (CLI restore into another data directory)
 * to exactly the state the backup reported: the checksums the API answered, the row counts the
 * CLI printed.
 */
const postgres = !!inject('postgresTemplate');
const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => { for (const c of cleanups.reverse()) await c(); });

function cli(args: string[], env: Record<string, string>) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'server/main.ts', ...args], { encoding: 'utf8', env: { ...process.env, DATABASE_URL: '', ...env } });
}

/** Restores `file` into a new data directory with the CLI and returns that database's checksum. */
async function restoredChecksum(file: string) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pingan-restored-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const res = cli(['restore', file], { DATA_DIR: dir });
  expect(res.status, res.stderr).toBe(0);
  const db = await openDatabase({ pgliteDir: path.join(dir, 'pglite') });
  try { return await databaseChecksum(db.kysely); } finally { await db.close(); }
}

/** Sequential site creations until stopped (bounded in count and time); every answer is kept. */
function startWriter(server: ServerProcess, cookie: string, at: [number, number]) {
  let stop = false;
  const statuses: Array<number | string> = [];
  const done = (async () => {
    const deadline = Date.now() + 300_000;
    for (let i = 0; !stop && i < 5000 && Date.now() < deadline; i++) {
      try {
        const res = await fetch(`${server.baseUrl}/api/sites`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' },
          body: JSON.stringify({ category: 'water', name: `备份期间写入 ${i}`, geometry: { type: 'Point', coordinates: [at[0] + i * 1e-6, at[1]] }, attrs: { kind: 'pond' } }) });
        await res.arrayBuffer();
        statuses.push(res.status);
      } catch (error) {
        statuses.push(String(error));
      }
    }
  })();
  return { statuses, stop: async () => { stop = true; await done; } };
}

describe.skipIf(postgres)('online backup of the embedded database', () => {
  it('is taken by the running server while writes go on, none fails, and restores to what it reported', async () => {
    const server = await startServerProcess({ pglite: inject('pgliteTemplate')! });
    cleanups.push(() => server.cleanup());
    const admin = await loginOver(server.baseUrl, 'admin');
    const planner = await loginOver(server.baseUrl, 'planner');

    // only administrators take backups
    expect((await fetch(`${server.baseUrl}/api/admin/backups`, { method: 'POST', headers: { cookie: planner } })).status).toBe(403);
    expect((await fetch(`${server.baseUrl}/api/admin/backups`, { method: 'POST' })).status).toBe(401);

    // a point where planners may add sites: a site of the demo county
    const sites = await (await fetch(`${server.baseUrl}/api/sites?limit=2000`, { headers: { cookie: planner } })).json() as any;
    const point = sites.features.find((f: any) => f.geometry?.type === 'Point').geometry.coordinates as [number, number];
    const writer = startWriter(server, planner, point);
    const written = (n: number) => waitFor(() => writer.statuses.length >= n,
      { what: `the writer to make ${n} requests (made ${writer.statuses.length})`, timeoutMs: 120_000, intervalMs: 20 });
    await written(5);

    // the admin console's way: the archive is written under DATA_DIR/backups and downloaded
    const before = writer.statuses.length;
    const res = await fetch(`${server.baseUrl}/api/admin/backups?checksum=true`, { method: 'POST', headers: { cookie: admin } });
    expect(res.status).toBe(201);
    const taken = await res.json() as { name: string; bytes: number; tables: Record<string, number>; checksum: Record<string, { rows: number; md5: string }> };
    expect(taken.name).toMatch(/^pingan-.*\.tar\.gz$/);
    expect(taken.tables.sites).toBe(taken.checksum.sites.rows);
    const download = await fetch(`${server.baseUrl}/api/admin/backups/${taken.name}`, { headers: { cookie: admin } });
    expect(download.status).toBe(200);
    const archive = Buffer.from(await download.arrayBuffer());
    expect(archive.length).toBe(taken.bytes);
    expect((await fetch(`${server.baseUrl}/api/admin/backups/${taken.name}`, { headers: { cookie: planner } })).status).toBe(403);
    expect((await fetch(`${server.baseUrl}/api/admin/backups/pingan-19700101T000000Z.tar.gz`, { headers: { cookie: admin } })).status).toBe(404);

    // the CLI's way, while the server holds the data directory: it asks the server over the control socket
    await written(writer.statuses.length + 3);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pingan-online-backup-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const cliFile = path.join(dir, 'cli.tar.gz');
    const byCli = cli(['backup', cliFile], { DATA_DIR: server.dataDir });
    expect(byCli.status, byCli.stderr).toBe(0);
    expect(byCli.stdout).toContain('by the running server');
    await written(writer.statuses.length + 3);
    await writer.stop();

    // the writes went on around the backups and none failed
    expect(writer.statuses.length).toBeGreaterThan(before + 6);
    expect(writer.statuses.filter((s) => s !== 201)).toEqual([]);

    // the admin backup restores to exactly the checksums it answered (so: none of the later writes, all of the earlier ones)
    const apiFile = path.join(dir, taken.name);
    writeFileSync(apiFile, archive);
    const restored = await restoredChecksum(apiFile);
    expect(checksumDifferences(taken.checksum, restored)).toEqual([]);

    // the CLI printed the counts of what its file holds
    const printed = /(\d+) rows in (\d+) tables/.exec(byCli.stdout)!;
    const restoredByCli = await restoredChecksum(cliFile);
    expect(Number(printed[1])).toBe(Object.values(restoredByCli).reduce((a, t) => a + t.rows, 0));
    expect(Number(printed[2])).toBe(Object.keys(restoredByCli).length);
    expect(restoredByCli.sites.rows).toBeGreaterThan(taken.tables.sites);
  }, 600_000);
});
