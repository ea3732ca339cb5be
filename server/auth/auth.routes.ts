import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { Kysely } from 'kysely';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Database } from '../db/schema.ts';
import type { AppEnv, AuthUser } from '../http/env.ts';
import { ProblemError } from '../http/problem.ts';
import { problemResponses, validationHook } from '../http/schemas.ts';
import { regionCodeOfScope } from '../regions/regions.repository.ts';
import { createSession, deleteSession, findLogin, userById } from './auth.repository.ts';
import { SESSION_COOKIE } from './scope.ts';
import { newSecret, secretHash, verifyPassword } from './secrets.ts';

export const Me = z.object({
  id: z.number().int(), username: z.string(), displayName: z.string(),
  role: z.enum(['admin', 'planner', 'dispatcher', 'inspector', 'grid_member', 'unit_staff']),
  scopeCode: z.string(), scopeName: z.string().nullable(),
}).openapi('Me');

async function describe(db: Kysely<Database>, user: AuthUser) {
  const region = await db.selectFrom('regions').select('name')
    .where('code', '=', regionCodeOfScope(user.scopeCode)).executeTakeFirst();
  return {
    id: user.id, username: user.username, displayName: user.displayName, role: user.role,
    scopeCode: user.scopeCode, scopeName: region?.name ?? null,
  };
}

/**
 * Failed sign-ins per username: after MAX_FAILURES within WINDOW_MS the username is refused (429)
 * until the window has passed, whatever the password, so guessing runs at five tries a quarter hour.
 */
const MAX_FAILURES = 5;
const WINDOW_MS = 15 * 60_000;

class LoginThrottle {
  #failures = new Map<string, number[]>();

  /** Milliseconds until `username` may try again; 0 when it may now. */
  retryAfter(username: string, now = Date.now()): number {
    const recent = (this.#failures.get(username) ?? []).filter((t) => now - t < WINDOW_MS);
    this.#failures.set(username, recent);
    return recent.length >= MAX_FAILURES ? recent[0] + WINDOW_MS - now : 0;
  }

  fail(username: string, now = Date.now()) {
    this.#failures.set(username, [...(this.#failures.get(username) ?? []), now]);
  }

  succeed(username: string) {
    this.#failures.delete(username);
  }
}

/** Login, logout and "who am I". Runs on the owner connection: it reads sessions and hashes. */
export function authRoutes(owner: Kysely<Database>, sessionHours: number) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const throttle = new LoginThrottle();

  app.openapi(createRoute({
    method: 'post', path: '/login', tags: ['auth'], summary: 'Sign in; sets an HttpOnly session cookie',
    request: { body: { required: true, content: { 'application/json': { schema: z.object({
      username: z.string().min(1).max(40), password: z.string().min(1).max(200),
    }) } } } },
    responses: { 200: { description: 'Signed in', content: { 'application/json': { schema: z.object({ user: Me }) } } }, ...problemResponses },
  }), async (c) => {
    const { username, password } = c.req.valid('json');
    const key = username.toLowerCase();
    const wait = throttle.retryAfter(key);
    if (wait > 0) {
      throw new ProblemError(429, 'too-many-attempts', `too many failed sign-ins for this account; try again in ${Math.ceil(wait / 60_000)} minutes`,
        {}, { 'retry-after': String(Math.ceil(wait / 1000)) });
    }
    const login = await findLogin(owner, username);
    if (!(await verifyPassword(login?.passwordHash ?? null, password)) || !login) {
      throttle.fail(key);
      throw new ProblemError(401, 'bad-credentials', 'wrong username or password');
    }
    throttle.succeed(key);
    const secret = newSecret();
    await createSession(owner, login.id, secretHash(secret), sessionHours);
    setCookie(c, SESSION_COOKIE, secret, {
      httpOnly: true, sameSite: 'Lax', path: '/', maxAge: sessionHours * 3600,
      secure: new URL(c.req.url).protocol === 'https:',
    });
    const user = (await userById(owner, login.id))!;
    return c.json({ user: await describe(owner, user) }, 200);
  });

  app.openapi(createRoute({
    method: 'post', path: '/logout', tags: ['auth'], summary: 'Sign out (ends the session)',
    responses: { 204: { description: 'Signed out' } },
  }), async (c) => {
    const cookie = getCookie(c, SESSION_COOKIE);
    if (cookie) await deleteSession(owner, secretHash(cookie));
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.body(null, 204);
  });

  app.openapi(createRoute({
    method: 'get', path: '/me', tags: ['auth'], summary: 'The signed-in user',
    responses: { 200: { description: 'The caller', content: { 'application/json': { schema: z.object({ user: Me }) } } }, ...problemResponses },
  }), async (c) => {
    const user = c.get('user');
    if (!user) throw new ProblemError(401, 'unauthenticated', 'sign in, or send a bearer token');
    return c.json({ user: await describe(owner, user) }, 200);
  });

  return app;
}
