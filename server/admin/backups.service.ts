import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Db } from '../db/connection.ts';
import { type BackupOptions, type BackupSummary, backupPglite, backupPostgres } from '../ops/backup.ts';
import { auditBackup } from './backups.repository.ts';

/** A backup named by its time, kept under DATA_DIR/backups. */
const NAME = /^pingan-\d{8}T\d{6}(-\d+)?Z\.(tar\.gz|dump)$/;

export interface TakenBackup extends BackupSummary { name?: string; file: string; takenAt: string }

/**
 * Online backups taken by the running server, for the admin API (into DATA_DIR/backups, to be
 * downloaded) and the CLI (through the control socket, into the file it names). One at a time:
 * a second request waits for the first.
 */
export function backupService(db: Db, config: { dataDir: string; databaseUrl?: string }) {
  const dir = path.join(config.dataDir, 'backups');
  let queue: Promise<unknown> = Promise.resolve();
  const take = async (file: string, actorId: number | null, options: BackupOptions): Promise<TakenBackup> => {
    const takenAt = new Date().toISOString();
    const summary = db.kind === 'pglite' ? await backupPglite(db, file, options) : await backupPostgres(db.kysely, config.databaseUrl!, file, options);
    await auditBackup(db.kysely, actorId, path.basename(file), { bytes: summary.bytes, tables: summary.tables, takenAt });
    return { ...summary, file, takenAt };
  };
  const serialized = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => {});
    return next;
  };
  return {
    /** Writes a new backup into DATA_DIR/backups; answers its name. */
    create(actorId: number, options: BackupOptions = {}): Promise<TakenBackup> {
      return serialized(async () => {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
        let name = `pingan-${stamp}.${db.kind === 'pglite' ? 'tar.gz' : 'dump'}`;
        for (let n = 2; existsSync(path.join(dir, name)); n++) name = name.replace(/(-\d+)?Z\./, `-${n}Z.`);
        return { ...await take(path.join(dir, name), actorId, options), name };
      });
    },
    /** Writes a backup to a file the CLI names (control socket). */
    writeTo(file: string): Promise<TakenBackup> {
      return serialized(() => take(file, null, {}));
    },
    /** The file of a backup made by create(), if there is one by that name. */
    fileOf(name: string): string | undefined {
      const file = path.join(dir, name);
      return NAME.test(name) && existsSync(file) ? file : undefined;
    },
  };
}

export type BackupService = ReturnType<typeof backupService>;
