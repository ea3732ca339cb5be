import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import { backupService } from '../../server/admin/backups.service.ts';
import { createApp } from '../../server/app.ts';
import { type Db, openDatabase } from '../../server/db/connection.ts';
import { DEMO_PASSWORD } from '../../server/demo/demo.seed.ts';
import { cloneTemplateDatabase } from './template.ts';

export interface TestContext {
  db: Db;
  app: ReturnType<typeof createApp>;
  /** Signs in a demo account and returns its session cookie header. */
  login(username: string, password?: string): Promise<string>;
  /** GET with a session cookie; parses JSON bodies. */
  get(path: string, cookie?: string): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

/**
 * A fresh database for one test file, cloned from the template: PGlite loads the dumped data
 * directory; PostgreSQL creates a database from the template database.
 */
export async function createTestContext(options: { backups?: boolean } = {}): Promise<TestContext> {
  let db: Db;
  let dropDatabase: (() => Promise<void>) | undefined;
  let databaseUrl: string | undefined;
  const postgresTemplate = inject('postgresTemplate');
  if (postgresTemplate) {
    const clone = await cloneTemplateDatabase(process.env.DATABASE_URL!, postgresTemplate, `pingan_test_${randomBytes(6).toString('hex')}`);
    databaseUrl = clone.databaseUrl;
    db = await openDatabase({ databaseUrl });
    dropDatabase = clone.drop;
  } else {
    const file = inject('pgliteTemplate')!;
    db = await openDatabase({ loadDataDir: readFileSync(file) });
  }
  // the admin API's online backups only where a file asks for them (each one writes an archive)
  const backupDir = options.backups ? mkdtempSync(path.join(os.tmpdir(), 'pingan-test-backups-')) : undefined;
  const backups = backupDir ? backupService(db, { dataDir: backupDir, databaseUrl }) : undefined;
  const app = createApp(db, { demo: true, basemap: { kind: 'none' }, sessionHours: 12, backups });

  const get = async (path: string, cookie?: string) => {
    const res = await app.request(path, { headers: cookie ? { cookie } : {} });
    const text = await res.text();
    let body: unknown = text;
    try { body = JSON.parse(text); } catch { /* not JSON */ }
    return { status: res.status, body: body as any, headers: res.headers };
  };

  return {
    db, app, get,
    async login(username, password = DEMO_PASSWORD) {
      const res = await app.request('/api/auth/login', {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }),
      });
      if (res.status !== 200) throw new Error(`login ${username} failed: ${res.status} ${await res.text()}`);
      const cookie = res.headers.get('set-cookie')!;
      return cookie.split(';')[0];
    },
    async close() {
      await db.close();
      await dropDatabase?.();
      if (backupDir) rmSync(backupDir, { recursive: true, force: true });
    },
  };
}
