import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('demo county generator', () => {
  it('reproduces the checked-in geodata/demo byte for byte (seeded, deterministic)', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'geodata/generate.ts', '--check'], { cwd: root });
    expect(stdout).toMatch(/up to date/);
  }, 60_000);
});
