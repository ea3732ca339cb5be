import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepareDataDir } from './crash-harness.ts';
import { cloneTemplateDatabase } from './template.ts';
import { killOnExit } from './children.ts';
import { StopWaiting, waitFor } from './wait.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export interface ServerProcess {
  baseUrl: string;
  child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** DATA_DIR of the process (embedded: the database is under it). */
  dataDir: string;
  /** The PostgreSQL database of the process, if not embedded. */
  databaseUrl?: string;
  /** Starts the server again on the same port and database, after it exited (e.g. was SIGKILLed); `child` and `exited` then describe the new process. */
  restart(): Promise<void>;
  cleanup(): Promise<void>;
}

/**
 * The real server (`server/main.ts start`, no web build) as a child process on a copy of the test
 * template: a PGlite data directory, or a PostgreSQL database cloned from the template database
 * (or `sharedDatabaseUrl`: the database of a server process already running).
 */
export async function startServerProcess(template: { pglite?: string; postgres?: string; sharedDatabaseUrl?: string }, env: Record<string, string> = {}): Promise<ServerProcess> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pingan-server-'));
  let databaseUrl = '';
  let dropDatabase: (() => Promise<void>) | undefined;
  if (template.sharedDatabaseUrl) {
    // a second server process on another one's PostgreSQL database (the first one's cleanup drops it)
    databaseUrl = template.sharedDatabaseUrl;
  } else if (template.postgres) {
    const copy = await cloneTemplateDatabase(process.env.DATABASE_URL!, template.postgres, `pingan_srv_${process.pid}_${port}`);
    databaseUrl = copy.databaseUrl;
    dropDatabase = copy.drop;
  } else {
    await prepareDataDir(path.join(dir, 'pglite'), template.pglite!);
  }
  const serverEnv = { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dir, DATABASE_URL: databaseUrl, DEMO: '1', SKIP_WEB_BUILD: '1', ...env };
  const baseUrl = `http://127.0.0.1:${port}`;
  let output = '';
  let forget = () => {};
  const launch = async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts', 'start'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: serverEnv });
    forget();
    forget = killOnExit(child);
    child.stdout!.on('data', (d) => { output += d; });
    child.stderr!.on('data', (d) => { output += d; });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    try {
      await waitFor(async () => {
        if (child.exitCode !== null) throw new StopWaiting(`the server exited (${child.exitCode})`);
        return (await fetch(`${baseUrl}/api/health/ready`)).ok;
      }, { what: `the server on port ${port} to be ready`, timeoutMs: 480_000, intervalMs: 200 });
    } catch (error) {
      // a server that did not come up is not left running (it would hold the port and keep the run alive)
      if (child.exitCode === null && child.signalCode === null) { child.kill('SIGKILL'); await exited; }
      throw new Error(`${(error as Error).message}\n${output}`);
    }
    return { child, exited };
  };
  let cleaned: Promise<void> | undefined;
  const cleanup = () => cleaned ??= (async () => {
    if (server.child.exitCode === null && server.child.signalCode === null) { server.child.kill('SIGKILL'); await server.exited; }
    forget();
    rmSync(dir, { recursive: true, force: true });
    await dropDatabase?.();
  })();
  let first;
  try {
    first = await launch();
  } catch (error) {
    forget();
    rmSync(dir, { recursive: true, force: true });
    await dropDatabase?.();
    throw error;
  }
  const server: ServerProcess = {
    baseUrl, child: first.child, exited: first.exited, output: () => output, dataDir: dir, databaseUrl: databaseUrl || undefined,
    async restart() {
      if (server.child.exitCode === null && server.child.signalCode === null) throw new Error('restart: the server is still running');
      Object.assign(server, await launch());
    },
    cleanup,
  };
  return server;
}

export async function loginOver(baseUrl: string, username: string, password = 'demo-2026'): Promise<string> {
  const res = await fetch(`${baseUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  if (!res.ok) throw new Error(`login ${username}: ${res.status}`);
  return res.headers.get('set-cookie')!.split(';')[0];
}
