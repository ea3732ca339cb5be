import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../server/config.ts';
import { openDatabase } from '../../server/db/connection.ts';
import { backup, restore } from '../../server/ops/backup.ts';
import { checksumDifferences, databaseChecksum } from '../../server/ops/checksum.ts';
import { prepareDataDir } from '../support/crash-harness.ts';
import { cloneTemplateDatabase } from '../support/template.ts';

/** Backup and restore round trip: the restored database has the same rows (counts and md5 per table). */
const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => { for (const c of cleanups) await c(); });

describe('backup and restore', () => {
  it('restores exactly what was backed up, after the database was changed', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pingan-backup-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const postgresTemplate = inject('postgresTemplate');
    let config: ReturnType<typeof loadConfig>;
    if (postgresTemplate) {
      const name = `pingan_backup_${process.pid}`;
      const clone = await cloneTemplateDatabase(process.env.DATABASE_URL!, postgresTemplate, name);
      cleanups.push(clone.drop);
      config = loadConfig({ DATABASE_URL: clone.databaseUrl });
    } else {
      await prepareDataDir(path.join(dir, 'data', 'pglite'), inject('pgliteTemplate')!);
      config = loadConfig({ DATA_DIR: path.join(dir, 'data') });
    }
    const open = () => (config.databaseUrl ? openDatabase({ databaseUrl: config.databaseUrl }) : openDatabase({ pgliteDir: path.join(config.dataDir, 'pglite') }));

    let db = await open();
    await sql`insert into audit_log (action, entity, entity_id, after) values ('backup.marker', 'test', 'before', '{"n": 1}')`.execute(db.kysely);
    const saved = await databaseChecksum(db.kysely);
    await db.close();

    const file = path.join(dir, config.databaseUrl ? 'pingan.dump' : 'pingan.tar.gz');
    const made = await backup(config, file);
    expect(statSync(file).size).toBe(made.bytes);
    expect(made.tables.sites).toBe(saved.sites.rows);

    // change things after the backup: they must be gone after the restore
    db = await open();
    await sql`delete from audit_log where action = 'backup.marker'`.execute(db.kysely);
    await sql`insert into audit_log (action, entity, entity_id) values ('after.backup', 'test', 'after')`.execute(db.kysely);
    await sql`update regions set name = name || '（改）' where level = 'township'`.execute(db.kysely);
    const changed = await databaseChecksum(db.kysely);
    await db.close();
    expect(checksumDifferences(saved, changed).length).toBeGreaterThan(0);

    const restored = await restore(config, file);
    expect(restored.tables.regions).toBe(saved.regions.rows);
    if (!config.databaseUrl) {
      expect(restored.keptAside && existsSync(restored.keptAside)).toBe(true);
      expect(readdirSync(config.dataDir).some((f) => f.startsWith('pglite.before-restore-'))).toBe(true);
    }
    db = await open();
    try {
      expect(checksumDifferences(saved, await databaseChecksum(db.kysely))).toEqual([]);
      // row security and the app role still work after the restore
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_policies where schemaname = 'public'`.execute(db.kysely);
      expect(rows[0].n).toBeGreaterThan(10);
    } finally {
      await db.close();
    }
  }, 300_000);

  it.skipIf(!inject('postgresTemplate'))('reports the rows of the dump, not of the live database after it (PostgreSQL)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pingan-backup-snap-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const name = `pingan_backup_snap_${process.pid}`;
    const clone = await cloneTemplateDatabase(process.env.DATABASE_URL!, inject('postgresTemplate')!, name);
    cleanups.push(clone.drop);
    const config = loadConfig({ DATABASE_URL: clone.databaseUrl });
    const writer = await openDatabase({ databaseUrl: config.databaseUrl });
    const file = path.join(dir, 'pingan.dump');
    let live: Record<string, { rows: number }> = {};
    try {
      // rows added after the backup's snapshot was taken (and before its counts would be read from the live database)
      const made = await backup(config, file, { afterSnapshot: async () => {
        await sql`insert into audit_log (action, entity, entity_id) select 'after.snapshot', 'test', g::text from generate_series(1, 25) g`.execute(writer.kysely);
        live = await databaseChecksum(writer.kysely);
      } });
      expect(made.tables.audit_log).toBe(live.audit_log.rows - 25);
      const restored = await restore(config, file);
      expect(restored.tables).toEqual(made.tables);
    } finally {
      await writer.close();
    }
  }, 300_000);

  it('is a CLI command that names what it wrote', () => {
    const res = spawnSync(process.execPath, ['--import', 'tsx', 'server/main.ts', 'backup'], { encoding: 'utf8', env: { ...process.env, DATA_DIR: os.tmpdir() } });
    expect(res.status).toBe(1);
    expect(res.stderr).toContain('usage: backup FILE');
  });
});
