import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { passwordProblem } from '../../server/auth/password-rules.ts';
import { contentSecurityPolicy } from '../../server/auth/web-security.ts';
import { issueApiToken } from '../../server/cli/users.ts';
import { type TestContext, createTestContext } from '../support/test-app.ts';

let t: TestContext;
beforeAll(async () => { t = await createTestContext(); });
afterAll(async () => { await t?.close(); });

const json = (method: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
  t.app.request(path, { method, headers: { 'content-type': 'application/json', host: 'grid.example.cn', ...headers }, body: JSON.stringify(body) });
const secretOf = (cookie: string) => cookie.split('=')[1];
const sessionRow = async (cookie: string) => {
  const { createHash } = await import('node:crypto');
  const hash = createHash('sha256').update(secretOf(cookie)).digest('hex');
  return t.db.kysely.selectFrom('sessions').selectAll().where('tokenHash', '=', hash).executeTakeFirst();
};

describe('sessions', () => {
  it('rotates the session on sign-in: the cookie sent along with the login stops working', async () => {
    const first = await t.login('planner');
    const res = await json('POST', '/api/auth/login', { username: 'planner', password: 'demo-2026' }, { cookie: first });
    expect(res.status).toBe(200);
    const second = res.headers.get('set-cookie')!.split(';')[0];
    expect(second).not.toBe(first);
    expect((await t.get('/api/auth/me', first)).status).toBe(401);
    expect((await t.get('/api/auth/me', second)).status).toBe(200);
  });

  it('ends a session after its idle time, slides it while used, and ends it at the absolute limit however busy', async () => {
    const cookie = await t.login('inspector');
    // used recently: the expiry slides forward to now + 120 min (the default idle time)
    await t.db.kysely.updateTable('sessions').set({ expiresAt: sql`now() + interval '5 minutes'` as never })
      .where('tokenHash', '=', (await sessionRow(cookie))!.tokenHash).execute();
    expect((await t.get('/api/auth/me', cookie)).status).toBe(200);
    const slid = (await sessionRow(cookie))!;
    const minutesLeft = (new Date(slid.expiresAt).getTime() - Date.now()) / 60_000;
    expect(minutesLeft).toBeGreaterThan(110);
    expect(minutesLeft).toBeLessThanOrEqual(121);
    // idle past its expiry: refused
    await t.db.kysely.updateTable('sessions').set({ expiresAt: sql`now() - interval '1 second'` as never })
      .where('tokenHash', '=', slid.tokenHash).execute();
    expect((await t.get('/api/auth/me', cookie)).status).toBe(401);
    // signed in 13 hours ago (limit 12) but recently active: refused, and the expiry never slides past the limit
    const busy = await t.login('inspector');
    await t.db.kysely.updateTable('sessions').set({ createdAt: sql`now() - interval '13 hours'` as never })
      .where('tokenHash', '=', (await sessionRow(busy))!.tokenHash).execute();
    expect((await t.get('/api/auth/me', busy)).status).toBe(401);
  });

  it('logs out everywhere with all=1: every session of the user ends, other users keep theirs', async () => {
    const [a, b] = [await t.login('dispatcher'), await t.login('dispatcher')];
    const other = await t.login('member');
    const res = await t.app.request('/api/auth/logout?all=1', { method: 'POST', headers: { cookie: a } });
    expect(res.status).toBe(204);
    expect((await t.get('/api/auth/me', a)).status).toBe(401);
    expect((await t.get('/api/auth/me', b)).status).toBe(401);
    expect((await t.get('/api/auth/me', other)).status).toBe(200);
    const admin = await t.login('admin');
    const audit = await t.get('/api/audit?entity=user&limit=5', admin);
    expect(audit.body.items.map((e: any) => e.action)).toContain('logout.all');
  });
});

describe('passwords', () => {
  it('hashes with argon2id at OWASP\'s parameters (m=19 MiB, t=2, p=1)', async () => {
    const { hashPassword } = await import('../../server/auth/secrets.ts');
    expect(await hashPassword('Some-Password-1')).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });

  it('enforces the rules: length, three kinds of characters, not the username, not a common one', () => {
    expect(passwordProblem('Ab1-short')).toMatch(/at least 10/);
    expect(passwordProblem('alllowercaseletters')).toMatch(/three of/);
    expect(passwordProblem('Zhang-wei-2026!', 'zhang')).toMatch(/username/);
    expect(passwordProblem('Password1234')).toMatch(/too common/);
    expect(passwordProblem('x'.repeat(201) + 'A1')).toMatch(/at most/);
    expect(passwordProblem('网格员巡查-2026')).toBeNull();
    expect(passwordProblem('Correct-Horse-7')).toBeNull();
  });

  it('changes a password: wrong current one 403, weak new one 422, then other sessions end and the new one signs in', async () => {
    const here = await t.login('unit');
    const elsewhere = await t.login('unit');
    const h = { cookie: here };
    expect((await json('POST', '/api/auth/password', { currentPassword: 'nope', newPassword: 'Strong-Pass-2026' }, h)).status).toBe(403);
    const weak = await json('POST', '/api/auth/password', { currentPassword: 'demo-2026', newPassword: 'short' }, h);
    expect(weak.status).toBe(422);
    expect((await weak.json() as any).type).toBe('/problems/weak-password');
    expect((await json('POST', '/api/auth/password', { currentPassword: 'demo-2026', newPassword: 'Strong-Pass-2026' }, h)).status).toBe(204);
    expect((await t.get('/api/auth/me', here)).status).toBe(200);
    expect((await t.get('/api/auth/me', elsewhere)).status).toBe(401);
    expect((await json('POST', '/api/auth/login', { username: 'unit', password: 'demo-2026' })).status).toBe(401);
    expect((await json('POST', '/api/auth/login', { username: 'unit', password: 'Strong-Pass-2026' })).status).toBe(200);
  });
});

describe('cross-site request forgery', () => {
  const site = { type: 'Point', coordinates: [113.2, 33.9] };
  it('refuses cookie-authenticated writes from another origin or site, and allows same-origin ones', async () => {
    const cookie = await t.login('planner');
    const body = { region: '990101001001' };
    const evil = await json('POST', '/api/plans', body, { cookie, origin: 'https://evil.example.com' });
    expect(evil.status).toBe(403);
    expect((await evil.json() as any).type).toBe('/problems/cross-site');
    expect((await json('POST', '/api/plans', body, { cookie, 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await json('POST', '/api/plans', body, { cookie, 'sec-fetch-site': 'same-site', origin: 'https://other.example.cn' })).status).toBe(403);
    expect((await json('DELETE', '/api/sites/1', site, { cookie, origin: 'null' })).status).toBe(403);
    // a forged login (login CSRF) is refused too
    expect((await json('POST', '/api/auth/login', { username: 'planner', password: 'demo-2026' }, { origin: 'https://evil.example.com' })).status).toBe(403);
    // the same request from the app's own page passes
    const ok = await json('POST', '/api/plans', body, { cookie, origin: 'http://grid.example.cn', 'sec-fetch-site': 'same-origin' });
    expect(ok.status).toBe(201);
    // reads are never blocked
    expect((await t.app.request('/api/regions?geometry=false', { headers: { cookie, origin: 'https://evil.example.com', 'sec-fetch-site': 'cross-site' } })).status).toBe(200);
  });

  it('exempts bearer-token requests (no ambient credential), and a read-only token may only read', async () => {
    const planner = await t.db.kysely.selectFrom('users').select('id').where('username', '=', 'planner').executeTakeFirstOrThrow();
    const rw = await issueApiToken(t.db.kysely, planner.id, 'script', null, 'write');
    const ro = await issueApiToken(t.db.kysely, planner.id, 'qgis', null, 'read');
    const body = { region: '990101002001' };
    expect((await json('POST', '/api/plans', body, { authorization: `Bearer ${rw.token}`, origin: 'https://evil.example.com' })).status).toBe(201);
    const refused = await json('POST', '/api/plans', { region: '990101002002' }, { authorization: `Bearer ${ro.token}` });
    expect(refused.status).toBe(403);
    expect((await refused.json() as any).type).toBe('/problems/read-only-token');
    expect((await t.app.request('/api/regions?geometry=false', { headers: { authorization: `Bearer ${ro.token}` } })).status).toBe(200);
    expect((await t.app.request('/ogc/collections/grids/items?limit=1', { headers: { authorization: `Bearer ${ro.token}` } })).status).toBe(200);
  });

  it('records when a token was last used, to the minute: a client paging a layer does not write on every read', async () => {
    const planner = await t.db.kysely.selectFrom('users').select('id').where('username', '=', 'planner').executeTakeFirstOrThrow();
    const { token } = await issueApiToken(t.db.kysely, planner.id, 'gdal', null, 'read');
    const lastUsed = async () => (await t.db.kysely.selectFrom('apiTokens').select('lastUsedAt')
      .where('name', '=', 'gdal').executeTakeFirstOrThrow()).lastUsedAt;
    expect(await lastUsed()).toBeNull();
    const read = () => t.app.request('/ogc/collections/grids/items?limit=1', { headers: { authorization: `Bearer ${token}` } });
    expect((await read()).status).toBe(200);
    const first = await lastUsed();
    expect(first).not.toBeNull();
    expect((await read()).status).toBe(200);
    expect(await lastUsed()).toEqual(first);
    // an hour later (moved back in the table), the next use is recorded again
    await sql`update api_tokens set last_used_at = last_used_at - interval '1 hour' where name = 'gdal'`.execute(t.db.kysely);
    expect((await read()).status).toBe(200);
    expect((await lastUsed())!.getTime()).toBeGreaterThanOrEqual(first!.getTime());
  });
});

describe('headers and operations endpoints', () => {
  it('sends a Content-Security-Policy allowing only this server, plus the configured base map', async () => {
    const res = await t.app.request('/api/health');
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe/);
    expect(csp).toContain("worker-src 'self' blob:");
    expect(csp).not.toMatch(/https?:/);
    const tianditu = contentSecurityPolicy({ kind: 'tianditu', key: 'k' });
    expect(tianditu).toMatch(/img-src 'self' data: blob: https:\/\/\*\.tianditu\.gov\.cn/);
    expect(tianditu).toMatch(/connect-src 'self' https:\/\/\*\.tianditu\.gov\.cn/);
    const xyz = contentSecurityPolicy({ kind: 'xyz', url: 'https://{s}.tile.example.org/{z}/{x}/{y}.png', attribution: '' });
    expect(xyz).toContain('https://a.tile.example.org https://b.tile.example.org https://c.tile.example.org');
    expect(xyz).not.toMatch(/script-src[^;]*example/);
  });

  it('echoes a sane X-Request-Id and makes one up otherwise', async () => {
    const echoed = await t.app.request('/api/health/live', { headers: { 'x-request-id': 'lb-1234.abc' } });
    expect(echoed.headers.get('x-request-id')).toBe('lb-1234.abc');
    const made = await t.app.request('/api/health/live', { headers: { 'x-request-id': 'bad id with spaces<script>' } });
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const problem = await t.app.request('/api/nothing', { headers: { 'x-request-id': 'req-42' } });
    expect(problem.status).toBe(401);
    expect(problem.headers.get('x-request-id')).toBe('req-42');
  });

  it('answers liveness without the database and readiness with it, both without sign-in; health keeps its shape', async () => {
    const live = await t.get('/api/health/live');
    expect(live).toMatchObject({ status: 200, body: { ok: true } });
    const ready = await t.get('/api/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ ok: true, db: process.env.DATABASE_URL ? 'postgres' : 'pglite' });
    const health = await t.get('/api/health');
    expect(Object.keys(health.body).sort()).toEqual(['db', 'ok', 'postgis']);
  });
});
