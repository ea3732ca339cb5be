import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { BackupSummary } from './backup.ts';

/**
 * The server's local control channel: HTTP over a Unix socket, DATA_DIR/control/pingan.sock.
 * While a server holds the embedded data directory no other process may open it, so the CLI asks
 * the server instead (today: `backup FILE`).
 *
 * Why a socket and not a token over TCP: who may use it is decided by the file system, with no
 * secret to type, store or leak. The socket lives in a directory created 0700 and is itself
 * chmod 0600, so only the account that runs the server (and root) can connect — the same people
 * who could read the data directory, and with it the whole database, anyway. Nothing listens on
 * the network, and a browser cannot reach a Unix socket, so cross-site requests are no concern.
 * The server writes the backup to the path the CLI names: the CLI can only be the data
 * directory's owner, who could write there anyway.
 */
export function controlSocketPath(dataDir: string): string {
  return path.join(dataDir, 'control', 'pingan.sock');
}

export interface ControlHandlers {
  /** Takes an online backup into `file` (an absolute path). */
  backup(file: string): Promise<BackupSummary>;
}

/** Listens on the control socket (embedded mode; the caller holds the data directory's lock, so a socket left by a crash is stale). */
export async function startControlServer(dataDir: string, handlers: ControlHandlers, onError: (error: Error) => void): Promise<{ close(): Promise<void> }> {
  const dir = path.dirname(controlSocketPath(dataDir));
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const socket = controlSocketPath(dataDir);
  rmSync(socket, { force: true });
  const server = http.createServer((req, res) => {
    const answer = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => { text += chunk; if (text.length > 65536) req.destroy(); });
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/backup') return answer(404, { error: 'unknown control command' });
      let file: unknown;
      try { file = JSON.parse(text).file; } catch { /* answered below */ }
      if (typeof file !== 'string' || !path.isAbsolute(file)) return answer(400, { error: 'an absolute file path is expected' });
      handlers.backup(file).then((summary) => answer(200, summary), (error: Error) => {
        onError(error);
        answer(500, { error: error.message });
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socket, () => { server.off('error', reject); resolve(); });
  });
  chmodSync(socket, 0o600);
  return {
    close: () => new Promise<void>((resolve) => server.close(() => { rmSync(socket, { force: true }); resolve(); })),
  };
}

/** The CLI's side: asks the server holding `dataDir` to write a backup to `file`. */
export function askServerToBackUp(dataDir: string, file: string): Promise<BackupSummary> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: controlSocketPath(dataDir), method: 'POST', path: '/backup', headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => { text += chunk; });
      res.on('end', () => {
        let body: any;
        try { body = JSON.parse(text); } catch { return reject(new Error(`the server answered ${res.statusCode}: ${text.slice(0, 200)}`)); }
        if (res.statusCode === 200) resolve(body as BackupSummary);
        else reject(new Error(`the running server could not take the backup: ${body.error ?? res.statusCode}`));
      });
    });
    req.on('error', (error) => reject(new Error(`cannot reach the running server over ${controlSocketPath(dataDir)}: ${error.message}`)));
    req.end(JSON.stringify({ file }));
  });
}
