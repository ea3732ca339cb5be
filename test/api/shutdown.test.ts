import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { request } from 'node:http';
import { type ServerProcess, loginOver, startServerProcess } from '../support/server-process.ts';
import { waitFor } from '../support/wait.ts';

/** Operations, against the real server process: structured logs with request ids, graceful shutdown. */
let server: ServerProcess;
beforeAll(async () => {
  // a longer drain than production's 1 s: PGlite's queries hold the event loop (one county validation
  // takes seconds, several times that on a loaded machine), and a readiness probe still unread when the
  // drain ends is refused rather than answered 503
  server = await startServerProcess({ pglite: inject('pgliteTemplate'), postgres: inject('postgresTemplate') }, { SHUTDOWN_DRAIN_MS: '15000' });
}, 600_000);
afterAll(async () => { await server?.cleanup(); });

describe('the server process', () => {
  it('logs one JSON line per request with its request id', async () => {
    const res = await fetch(`${server.baseUrl}/api/regions`, { headers: { 'x-request-id': 'probe-7f3a' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('x-request-id')).toBe('probe-7f3a');
    // the line is written after the response: wait for it to reach the pipe
    const line = await waitFor(() => server.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l))
      .find((l) => l.reqId === 'probe-7f3a'), { what: 'the log line of request probe-7f3a', timeoutMs: 20_000 });
    expect(line).toMatchObject({ method: 'GET', path: '/api/regions', status: 401, level: 30, service: 'pingan-grid' });
  });

  it('on SIGTERM reports not ready, finishes in-flight requests, exits 0 and then refuses connections', async () => {
    const cookie = await loginOver(server.baseUrl, 'planner');
    // county-wide coverage validations: seconds of work each. Sent with node:http, whose 'finish'
    // says the request has been handed to the socket: the signal comes once both are on the wire.
    // (Two, not more: PGlite runs them one after the other with the event loop held, and a request
    // whose headers wait unread for 60 s is answered 408 by Node, which a loaded machine reaches.)
    const slow = Array.from({ length: 2 }, () => {
      let sent!: () => void;
      const onWire = new Promise<void>((resolve) => { sent = resolve; });
      const done = new Promise<{ status: number; at: number; size: number }>((resolve, reject) => {
        const req = request(`${server.baseUrl}/api/grids/validate?region=990101000000`, { headers: { cookie } }, (res) => {
          let size = 0;
          res.on('data', (d: Buffer) => { size += d.length; });
          res.on('end', () => resolve({ status: res.statusCode!, at: Date.now(), size }));
          res.on('error', reject);
        });
        req.on('error', reject);
        req.on('finish', sent);
        req.end();
      });
      return { onWire, done };
    });
    await Promise.all(slow.map((s) => s.onWire));
    const signalledAt = Date.now();
    server.child.kill('SIGTERM');
    // draining: readiness turns 503 (as soon as the event loop gets to the signal: PGlite queries
    // block it), so a load balancer stops sending; asked until then
    const ready = await waitFor(() => fetch(`${server.baseUrl}/api/health/ready`).then((r) => r.status, () => 'refused')
      .then((s) => (s === 503 || s === 'refused' ? s : undefined)),
    { what: 'readiness to turn 503 after SIGTERM', timeoutMs: 240_000, intervalMs: 50 });
    const results = await Promise.all(slow.map((s) => s.done));
    const exit = await server.exited;
    const late = await fetch(`${server.baseUrl}/api/health/live`).then((r) => r.status, () => 'refused');
    for (const r of results) {
      expect(r.status).toBe(200);
      expect(r.size).toBeGreaterThan(10);
    }
    // they really were in flight when the signal came
    expect(Math.max(...results.map((r) => r.at))).toBeGreaterThan(signalledAt);
    expect(ready).toBe(503);
    expect(late).toBe('refused');
    expect(exit).toEqual({ code: 0, signal: null });
    expect(server.output()).toMatch(/shutting down: finishing in-flight requests/);
  }, 420_000);
});
