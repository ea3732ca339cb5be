import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataDirLockedError, acquireDataDirLock } from '../../server/db/lock.ts';

describe('data directory lock', () => {
  it('refuses a second holder while the first is alive, with its pid in the message', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lock-'));
    // a live process other than us holds it: our parent
    writeFileSync(path.join(dir, 'pingan.lock'), JSON.stringify({ pid: process.ppid, purpose: 'server', since: 'now' }));
    expect(() => acquireDataDirLock(dir, 'cli')).toThrow(DataDirLockedError);
    expect(() => acquireDataDirLock(dir, 'cli')).toThrow(new RegExp(`pid ${process.ppid}`));
  });

  it('takes over a stale lock and can be released and taken again', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lock-'));
    writeFileSync(path.join(dir, 'pingan.lock'), JSON.stringify({ pid: 2 ** 22 + 12345, purpose: 'server', since: 'then' }));
    const release = acquireDataDirLock(dir, 'cli');
    release();
    acquireDataDirLock(dir, 'again')();
  });
});
