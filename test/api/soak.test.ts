import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type ServerProcess, loginOver, startServerProcess } from '../support/server-process.ts';
import { soak, soakTargets } from '../support/soak.ts';

/** The soak's short form (the long one is bench/soak.ts): 10 s at a fixed rate, no errors. */
let server: ServerProcess;
beforeAll(async () => {
  server = await startServerProcess({ pglite: inject('pgliteTemplate'), postgres: inject('postgresTemplate') }, { LOG_LEVEL: 'warn' });
}, 600_000);
afterAll(async () => { await server?.cleanup(); });

describe('soak (short)', () => {
  it('holds 8 requests a second for 10 s without an error', async () => {
    const cookie = await loginOver(server.baseUrl, 'planner');
    const r = await soak({ baseUrl: server.baseUrl, rate: 8, durationMs: 10_000, pid: server.child.pid, cookie, ...await soakTargets(server.baseUrl, cookie) });
    console.log(`soak 10 s: sent ${r.sent}, errors ${r.errors}, 5xx ${r.fiveXX}, p50 ${r.p50} ms, p95 ${r.p95} ms, RSS ${r.rssStartMiB} → ${r.rssEndMiB} MiB`);
    expect(r.statuses).not.toHaveProperty('500');
    expect(r.errors, JSON.stringify(r.statuses)).toBe(0);
    expect(r.sent).toBeGreaterThanOrEqual(75);
  }, 120_000);
});
