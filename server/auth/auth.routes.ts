import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { Kysely } from 'kysely';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Database } from '../db/schema.ts';
import { writeAudit } from '../audit/audit.repository.ts';
import type { AppEnv, AuthUser } from '../http/env.ts';
import { problem } from '../http/problem.ts';
import { bodyResponses, problemResponses, problems, validationHook, writeResponses } from '../http/schemas.ts';
import { isPrefectureCode, prefectureNameOf, regionCodeOfScope, regionName } from '../regions/regions.repository.ts';
import {
  type SessionPolicy, createSession, deleteSession, deleteUserSessions, findLogin, passwordHashOf, setPasswordHash, userById,
} from './auth.repository.ts';
import { capabilitiesFor } from './authorize.ts';
import { CAPABILITIES, type Capability, ROLES } from './capabilities.ts';
import { passwordRuleBroken } from './password-rules.ts';
import { SESSION_COOKIE } from './scope.ts';
import { hashPassword, newSecret, secretHash, verifyPassword } from './secrets.ts';

/** What the caller may do, one boolean per capability (auth/capabilities.ts); the web shows controls from this alone. */
export const May = z.object(Object.fromEntries(CAPABILITIES.map((cap) => [cap, z.boolean()])) as Record<Capability, z.ZodBoolean>)
  .openapi('Capabilities', { description: 'What the caller\'s role may do; where is row security\'s answer (scope)' });

export const Me = z.object({
  id: z.number().int(), username: z.string(), displayName: z.string(),
  role: z.enum(ROLES),
  scopeCode: z.string(), scopeName: z.string().nullable(),
  may: May,
}).openapi('Me');

/**
 * The caller as the interface shows them; scopeName is their region's name, a prefecture's for a
 * 4-digit scope; `may`, what their role may do.
 */
async function describe(db: Kysely<Database>, user: AuthUser) {
  const scopeName = isPrefectureCode(user.scopeCode) ? await prefectureNameOf(db, user.scopeCode)
    : await regionName(db, regionCodeOfScope(user.scopeCode));
  return {
    id: user.id, username: user.username, displayName: user.displayName, role: user.role,
    scopeCode: user.scopeCode, scopeName, may: await capabilitiesFor(db, user),
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

/**
 * Login, logout (here or everywhere), password change and "who am I". Runs on the owner
 * connection: it reads sessions and hashes.
 */
export function authRoutes(owner: Kysely<Database>, policy: SessionPolicy) {
  const throttle = new LoginThrottle();
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })

  .openapi(createRoute({
    method: 'post', path: '/login', tags: ['auth'], summary: 'Sign in; sets an HttpOnly session cookie',
    request: { body: { required: true, content: { 'application/json': { schema: z.object({
      username: z.string().min(1).max(40), password: z.string().min(1).max(200),
    }) } } } },
    responses: { 200: { description: 'Signed in', content: { 'application/json': { schema: z.object({ user: Me }) } } }, ...bodyResponses,
      401: { ...problems[401], description: 'Wrong username or password (`/problems/bad-credentials`)' },
      429: { ...problems[429], description: 'Too many failed sign-ins for this username (`/problems/too-many-attempts`); see Retry-After' } },
  }), async (c) => {
    const { username, password } = c.req.valid('json');
    const key = username.toLowerCase();
    const wait = throttle.retryAfter(key);
    if (wait > 0) {
      throw problem('auth.too-many-sign-ins', { minutes: Math.ceil(wait / 60_000) },
        {}, { 'retry-after': String(Math.ceil(wait / 1000)) });
    }
    const login = await findLogin(owner, username);
    if (!(await verifyPassword(login?.passwordHash ?? null, password)) || !login) {
      throttle.fail(key);
      throw problem('auth.bad-credentials');
    }
    throttle.succeed(key);
    // rotation: whatever session the browser held before (perhaps one planted by someone else) ends;
    // the signed-in session always gets a fresh secret
    const previous = getCookie(c, SESSION_COOKIE);
    if (previous) await deleteSession(owner, secretHash(previous));
    const secret = newSecret();
    await createSession(owner, login.id, secretHash(secret), policy);
    setCookie(c, SESSION_COOKIE, secret, {
      httpOnly: true, sameSite: 'Lax', path: '/', maxAge: policy.absoluteHours * 3600,
      secure: new URL(c.req.url).protocol === 'https:',
    });
    const user = (await userById(owner, login.id))!;
    return c.json({ user: await describe(owner, user) }, 200);
  })

  .openapi(createRoute({
    method: 'post', path: '/logout', tags: ['auth'], summary: 'Sign out: ends this session, or with all=1 every session of the user',
    request: { query: z.object({ all: z.enum(['0', '1', 'true', 'false']).optional() }) },
    responses: { 204: { description: 'Signed out' }, ...writeResponses },
  }), async (c) => {
    const cookie = getCookie(c, SESSION_COOKIE);
    const all = ['1', 'true'].includes(c.req.valid('query').all ?? '');
    const user = c.get('user');
    if (all) {
      if (!user) throw problem('auth.unauthenticated');
      const ended = await deleteUserSessions(owner, user.id);
      await writeAudit(owner, { actorId: user.id, action: 'logout.all', entity: 'user', entityId: user.id, after: { sessionsEnded: ended } });
    } else if (cookie) await deleteSession(owner, secretHash(cookie));
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.body(null, 204);
  })

  .openapi(createRoute({
    method: 'post', path: '/password', tags: ['auth'],
    summary: 'Change one\'s password (the rules: 10+ characters, three kinds, not the username); other sessions end',
    request: { body: { required: true, content: { 'application/json': { schema: z.object({
      currentPassword: z.string().min(1).max(200), newPassword: z.string().min(1).max(400),
    }) } } } },
    responses: { 204: { description: 'Changed' }, ...bodyResponses,
      403: { ...problems[403], description: 'Wrong current password (`/problems/bad-credentials`), a read-only token or a cross-site request' },
      422: { ...problems[422], description: 'The new password breaks a rule (`/problems/weak-password`)' },
      429: { ...problems[429], description: 'Too many wrong current passwords (`/problems/too-many-attempts`); see Retry-After' } },
  }), async (c) => {
    const user = c.get('user');
    if (!user) throw problem('auth.unauthenticated');
    const { currentPassword, newPassword } = c.req.valid('json');
    const key = user.username.toLowerCase();
    const wait = throttle.retryAfter(key);
    if (wait > 0) {
      throw problem('auth.too-many-attempts', { minutes: Math.ceil(wait / 60_000) },
        {}, { 'retry-after': String(Math.ceil(wait / 1000)) });
    }
    if (!(await verifyPassword(await passwordHashOf(owner, user.id), currentPassword))) {
      throttle.fail(key);
      throw problem('auth.wrong-current-password');
    }
    const broken = passwordRuleBroken(newPassword, user.username);
    if (broken) throw problem(broken.code, broken.params as never);
    await setPasswordHash(owner, user.id, await hashPassword(newPassword));
    const cookie = getCookie(c, SESSION_COOKIE);
    const ended = await deleteUserSessions(owner, user.id, cookie ? secretHash(cookie) : undefined);
    await writeAudit(owner, { actorId: user.id, action: 'password.change', entity: 'user', entityId: user.id, after: { otherSessionsEnded: ended } });
    return c.body(null, 204);
  })

  .openapi(createRoute({
    method: 'get', path: '/me', tags: ['auth'], summary: 'The signed-in user',
    responses: { 200: { description: 'The caller', content: { 'application/json': { schema: z.object({ user: Me }) } } }, ...problemResponses },
  }), async (c) => {
    const user = c.get('user');
    if (!user) throw problem('auth.unauthenticated');
    return c.json({ user: await describe(owner, user) }, 200);
  });
}
