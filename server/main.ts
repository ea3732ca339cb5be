import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { serve } from '@hono/node-server';
import { createApp, webDist } from './app.ts';
import { countAdmins } from './auth/auth.repository.ts';
import { createToken, createUser, listUsers, revokeToken } from './cli/users.ts';
import { loadConfig } from './config.ts';
import { DataDirLockedError } from './db/lock.ts';
import { DEMO_PASSWORD, demoAccounts, isEmpty, loadDemoCounty } from './demo/demo.seed.ts';
import { escalateOverdue } from './incidents/incidents.service.ts';
import { generateCommand } from './generate/generate.cli.ts';
import { registerJobOwner, sweepAbandonedJobs } from './imports/job-owner.ts';
import { backupService } from './admin/backups.service.ts';
import { backup, restore } from './ops/backup.ts';
import { startControlServer } from './ops/control.ts';
import { shutdownOnSignals } from './ops/lifecycle.ts';
import { createLogger } from './ops/logging.ts';
import { openPlatformDatabase } from './platform.ts';

const usage = `Pingan Grid (平安网格)
usage: npm run cli -- <command>
  start                      build the web app if needed, migrate, load the demo county (embedded mode), listen
  migrate                    apply pending migrations
  seed demo                  load the demo county into an empty database
  generate --scale county|prefecture [--counties N] [--sites N] [--incidents N]
                             county: the demo county; prefecture: nine more demo-like counties (990102…990110)
  users create --username U --role ROLE --scope PREFIX [--name N]   (password from PINGAN_PASSWORD or a prompt)
  users list
  tokens create --username U --name LABEL [--days N] [--access read|write]   (prints a bearer token once)
  tokens revoke --id N
  incidents escalate [--now ISO-TIME] [--force]                     escalate overdue incidents one level (setting incidents.autoEscalate; --force ignores it)
  backup FILE                embedded: archive of the data directory (taken by the running server if one holds it, online);
                             PostgreSQL: pg_dump -Fc of a snapshot; the counts printed are those of the file
  restore FILE               replaces the database with the backup (embedded: the old data directory is kept aside)
environment: DATABASE_URL, DATA_DIR (default ./data), PORT (default 8787), DEMO=0|1, BASEMAP_TIANDITU_KEY, BASEMAP_XYZ_URL,
  SESSION_HOURS, SESSION_IDLE_MINUTES, BASEMAP_ORIGINS, LOG_LEVEL, JOB_SWEEP_SECONDS (default 60: how often a server
  looks for import jobs of a stopped server process sharing its PostgreSQL database)`;

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/** Builds web/ into dist/web unless a build newer than every source file is there. */
async function ensureWebBuilt() {
  const index = path.join(webDist, 'index.html');
  let builtAt = 0;
  try { builtAt = statSync(index).mtimeMs; } catch { /* not built */ }
  const sources = Math.max(newestMtime(path.join(root, 'web')), statSync(path.join(root, 'vite.config.ts')).mtimeMs);
  if (builtAt > sources) return;
  console.log('Building the web app…');
  const { build } = await import('vite');
  await build({ configFile: path.join(root, 'vite.config.ts'), logLevel: 'warn' });
}

async function start() {
  const config = loadConfig();
  if (process.env.SKIP_WEB_BUILD !== '1') await ensureWebBuilt();
  const db = await openPlatformDatabase(config, 'server');
  if (config.demo && await isEmpty(db.kysely)) {
    console.log('Loading the demo county (示范数据)…');
    const counts = await loadDemoCounty(db.kysely);
    console.log(`  ${Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  }
  if (!config.demo && (await countAdmins(db.kysely)) === 0) {
    await db.close();
    throw new Error('No administrator exists. Create one first:\n' +
      '  PINGAN_PASSWORD=… npm run cli -- users create --username admin --role admin --scope <6-digit county code>');
  }
  const logger = createLogger(config.logLevel);
  // this process as the owner of the import jobs it runs; a sweep every minute fails the jobs of
  // owners that died meanwhile (another server process sharing the PostgreSQL database)
  const jobOwner = await registerJobOwner(db, config.databaseUrl, (error) => logger.error({ err: error }, 'job owner lock connection lost'));
  const sweep = setInterval(() => {
    sweepAbandonedJobs(db).then((ids) => {
      if (ids.length) logger.warn({ jobs: ids }, 'import jobs of a stopped server marked failed (interrupted)');
    }).catch((error) => logger.error({ err: error }, 'sweeping abandoned jobs failed'));
  }, (Number(process.env.JOB_SWEEP_SECONDS) || 60) * 1000);
  sweep.unref();
  // online backups: the admin API, and (embedded) the CLI through the control socket, since no
  // other process may open the data directory while the server holds it
  const backups = backupService(db, config);
  const control = db.kind === 'pglite'
    ? await startControlServer(config.dataDir, { backup: (file) => backups.writeTo(file) }, (error) => logger.error({ err: error }, 'backup over the control socket failed'))
    : undefined;
  const app = createApp(db, { ...config, logger, jobOwner, backups });
  const server = serve({ fetch: app.fetch, port: config.port, hostname: process.env.HOST || '0.0.0.0' }, (info) => {
    console.log(`\n平安网格 Pingan Grid is running: http://localhost:${info.port}/`);
    console.log(`  database: ${db.kind === 'pglite' ? `embedded PGlite in ${config.dataDir}` : 'PostgreSQL (DATABASE_URL)'}`);
    if (config.demo) {
      console.log(`  demo accounts (示范数据), password "${DEMO_PASSWORD}":`);
      for (const [username, role] of Object.entries(demoAccounts)) console.log(`    ${username.padEnd(11)} ${role}`);
    }
  });
  // idle keep-alive connections stay open longer than a client or proxy keeps them (Node's 5 s
  // default closes them while a client reuses them: ECONNRESET under load)
  Object.assign(server, { keepAliveTimeout: 65_000, headersTimeout: 66_000 });

  // automatic escalation of overdue incidents (when the setting incidents.autoEscalate is on), every 10 minutes
  const escalation = setInterval(() => {
    escalateOverdue(db.kysely).then((ids) => {
      if (ids.length) logger.info({ escalated: ids.length }, 'escalated overdue incidents');
    }).catch((error) => logger.error({ err: error }, 'automatic escalation failed'));
  }, 10 * 60_000);
  escalation.unref();
  // SIGTERM/SIGINT: finish in-flight requests, close the database, exit
  shutdownOnSignals(server as import('node:http').Server, async () => { await control?.close(); await jobOwner.close(); await db.close(); }, logger);
}

async function withDatabase(purpose: string, work: (db: Awaited<ReturnType<typeof openPlatformDatabase>>) => Promise<void>) {
  const db = await openPlatformDatabase(loadConfig(), purpose);
  try { await work(db); } finally { await db.close(); }
}

async function main(argv: string[]) {
  const { positionals, values } = parseArgs({
    args: argv, allowPositionals: true, strict: false,
    options: { username: { type: 'string' }, role: { type: 'string' }, scope: { type: 'string' }, name: { type: 'string' },
      person: { type: 'string' }, days: { type: 'string' }, id: { type: 'string' }, now: { type: 'string' }, force: { type: 'boolean' },
      scale: { type: 'string' }, counties: { type: 'string' }, sites: { type: 'string' }, incidents: { type: 'string' }, access: { type: 'string' } },
  });
  const options = values as Record<string, string | undefined>;
  const [command, sub] = positionals;
  switch (`${command ?? ''} ${sub ?? ''}`.trim()) {
    case 'start': return start();
    case 'migrate': return withDatabase('cli migrate', async () => console.log('migrations are up to date'));
    case 'seed demo': return withDatabase('cli seed', async (db) => {
      if (!(await isEmpty(db.kysely))) throw new Error('the database already holds regions; the demo loads only into an empty database');
      console.log(await loadDemoCounty(db.kysely));
    });
    case 'generate': return withDatabase('cli generate', (db) => generateCommand(db.kysely, options));
    case 'users create': return withDatabase('cli users', (db) => createUser(db.kysely, options));
    case 'users list': return withDatabase('cli users', (db) => listUsers(db.kysely));
    case 'tokens create': return withDatabase('cli tokens', (db) => createToken(db.kysely, options));
    case 'tokens revoke': return withDatabase('cli tokens', (db) => revokeToken(db.kysely, options));
    case 'incidents escalate': return withDatabase('cli incidents', async (db) => {
      const now = options.now ? new Date(options.now) : new Date();
      if (Number.isNaN(+now)) throw new Error('--now takes an ISO time, e.g. 2026-03-01T08:00:00+08:00');
      const ids = await escalateOverdue(db.kysely, now, { force: (values as { force?: boolean }).force === true });
      console.log(ids.length ? `escalated ${ids.length} overdue incident(s): ${ids.join(', ')}` : 'nothing to escalate (or incidents.autoEscalate is off; --force runs anyway)');
    });
    case `backup ${sub ?? ''}`.trim(): {
      if (!sub) throw new Error('usage: backup FILE');
      const { bytes, tables, via } = await backup(loadConfig(), sub);
      console.log(`backup written to ${sub}${via === 'server' ? ' by the running server' : ''} (${(bytes / 1048576).toFixed(1)} MiB): ` +
        `${Object.values(tables).reduce((a, b) => a + b, 0)} rows in ${Object.keys(tables).length} tables`);
      return;
    }
    case `restore ${sub ?? ''}`.trim(): {
      if (!sub) throw new Error('usage: restore FILE');
      const { tables, keptAside } = await restore(loadConfig(), sub);
      console.log(`restored ${sub}: ${Object.values(tables).reduce((a, b) => a + b, 0)} rows in ${Object.keys(tables).length} tables`);
      if (keptAside) console.log(`the previous data directory is kept at ${keptAside}`);
      return;
    }
    default:
      console.log(usage);
      if (command && command !== 'help') process.exitCode = 2;
  }
}

main(process.argv.slice(2)).catch((error) => {
  console.error(error instanceof DataDirLockedError ? error.message : `error: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
});
