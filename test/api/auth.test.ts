import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, issueApiToken } from '../../server/cli/users.ts';
import { type TestContext, createTestContext } from '../support/test-app.ts';

let t: TestContext;
beforeAll(async () => { t = await createTestContext(); });
afterAll(async () => { await t?.close(); });

const post = (path: string, body: string, headers: Record<string, string> = {}) =>
  t.app.request(path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

describe('sign-in', () => {
  it('refuses a wrong password with a problem and no cookie, in Chinese by default and English on request', async () => {
    const res = await post('/api/auth/login', JSON.stringify({ username: 'planner', password: 'wrong-password' }));
    expect(res.status).toBe(401);
    expect(res.headers.get('set-cookie')).toBeNull();
    const body = await res.json() as any;
    expect(body).toMatchObject({ type: '/problems/bad-credentials', title: '用户名或密码错误', status: 401 });
    const en = await post('/api/auth/login', JSON.stringify({ username: 'nobody', password: 'x' }), { 'accept-language': 'en-GB,en' });
    expect(en.status).toBe(401);
    expect((await en.json() as any).title).toBe('Wrong username or password');
  });

  it('answers malformed or incomplete bodies with 400, not 500', async () => {
    const broken = await post('/api/auth/login', '{"username": ');
    expect(broken.status).toBe(400);
    expect(broken.headers.get('content-type')).toMatch(/problem\+json/);
    const missing = await post('/api/auth/login', JSON.stringify({ username: 'admin' }));
    expect(missing.status).toBe(400);
    expect((await missing.json() as any).errors[0].path).toBe('password');
  });

  it('sets an HttpOnly SameSite session cookie; me answers; logout ends the session', async () => {
    const res = await post('/api/auth/login', JSON.stringify({ username: 'Planner', password: 'demo-2026' }));
    expect(res.status).toBe(200);
    const setCookie = res.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^pingan_session=/);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    expect((await res.json() as any).user).toMatchObject({ username: 'planner', role: 'planner', scopeCode: '990101' });
    const cookie = setCookie.split(';')[0];
    const me = await t.get('/api/auth/me', cookie);
    expect(me.status).toBe(200);
    expect(me.body.user.scopeName).toContain('县');
    const out = await t.app.request('/api/auth/logout', { method: 'POST', headers: { cookie } });
    expect(out.status).toBe(204);
    expect((await t.get('/api/auth/me', cookie)).status).toBe(401);
    expect((await t.get('/api/grids', cookie)).status).toBe(401);
  });

  it('accepts a bearer token made for scripts, and refuses it once revoked', async () => {
    const user = await t.db.kysely.selectFrom('users').select('id').where('username', '=', 'inspector').executeTakeFirstOrThrow();
    const { id, token } = await issueApiToken(t.db.kysely, user.id, 'qgis', null);
    expect(token).toMatch(/^pgt_/);
    const ok = await t.app.request('/api/regions?geometry=false', { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    expect((await ok.json() as any).features[0].properties.level).toBe('county');
    await t.db.kysely.updateTable('apiTokens').set({ revokedAt: new Date() }).where('id', '=', id).execute();
    const revoked = await t.app.request('/api/regions', { headers: { authorization: `Bearer ${token}` } });
    expect(revoked.status).toBe(401);
    const forged = await t.app.request('/api/regions', { headers: { authorization: 'Bearer pgt_forged' } });
    expect(forged.status).toBe(401);
  });

  it('creates an account from the command line only for a scope that names an existing region', async () => {
    const before = await t.db.kysely.selectFrom('users').select('id').execute();
    process.env.PINGAN_PASSWORD = 'scope-check-2026';
    try {
      // 410483 is no county of this database; a township's 12-digit code is not its scope; 5 digits is no level
      for (const scope of ['410483', '990199', '9902', '990101001000', '99010']) {
        await expect(createUser(t.db.kysely, { username: `scope-${scope}`, role: 'inspector', scope })).rejects.toThrow(/scope/);
      }
      expect(await t.db.kysely.selectFrom('users').select('id').execute()).toHaveLength(before.length);
      const township = (await t.db.kysely.selectFrom('regions').select('prefix').where('level', '=', 'township').orderBy('code').executeTakeFirstOrThrow()).prefix;
      await createUser(t.db.kysely, { username: 'township-inspector', role: 'inspector', scope: township });
      const cookie = await t.login('township-inspector', 'scope-check-2026');
      const root = (await t.get('/api/regions?geometry=false', cookie)).body.features;
      expect(root.map((f: any) => f.properties.code)).toEqual([`${township}000`]);
    } finally {
      delete process.env.PINGAN_PASSWORD;
    }
  });

  it('refuses an account for a quarter of an hour after five failed sign-ins, even with the right password', async () => {
    const attempt = (password: string, username = 'dispatcher') => post('/api/auth/login', JSON.stringify({ username, password }));
    for (let i = 0; i < 5; i++) expect((await attempt(`guess-${i}`)).status).toBe(401);
    const locked = await attempt('demo-2026');
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(800);
    expect((await locked.json() as any).type).toBe('/problems/too-many-attempts');
    // other accounts are unaffected
    expect((await attempt('demo-2026', 'inspector')).status).toBe(200);
  });

  it('sends security headers: no framing, no content sniffing', async () => {
    const res = await t.app.request('/api/health');
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('stores passwords as argon2id hashes and sessions only as hashes', async () => {
    const user = await t.db.kysely.selectFrom('users').select('passwordHash').where('username', '=', 'admin').executeTakeFirstOrThrow();
    expect(user.passwordHash).toMatch(/^\$argon2id\$/);
    const cookie = await t.login('admin');
    const secret = cookie.split('=')[1];
    const rows = await t.db.kysely.selectFrom('sessions').select('tokenHash').execute();
    expect(rows.some((r) => r.tokenHash === secret)).toBe(false);
  });
});
