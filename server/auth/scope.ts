import { type Kysely, sql } from 'kysely';
import type { MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { Database } from '../db/schema.ts';
import type { AppEnv, AuthUser } from '../http/env.ts';
import { problem } from '../http/problem.ts';
import { type SessionPolicy, userBySession, userByToken } from './auth.repository.ts';
import { bearerToken } from './bearer.ts';
import { secretHash } from './secrets.ts';

export const SESSION_COOKIE = 'pingan_session';

const defaultPolicy: SessionPolicy = { absoluteHours: 12, idleMinutes: 120 };

/**
 * Identifies the caller from an `Authorization: Bearer` token or, without an Authorization header,
 * the session cookie (a token request never falls back to the cookie; a malformed header is a 401).
 * Runs on the owner connection: sessions and tokens are invisible to request code.
 * A session ends after `policy.idleMinutes` unused or `policy.absoluteHours` after sign-in;
 * a read-only token may only read.
 */
export function authenticate(owner: Kysely<Database>, policy: SessionPolicy = defaultPolicy): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const bearer = bearerToken(c.req.header('authorization'));
    const cookie = getCookie(c, SESSION_COOKIE);
    let user: AuthUser | undefined;
    if (bearer) {
      const found = await userByToken(owner, secretHash(bearer));
      if (found) {
        const { access, ...rest } = found;
        if (access === 'read' && !['GET', 'HEAD', 'OPTIONS'].includes(c.req.method)) {
          throw problem('auth.read-only-token');
        }
        user = rest;
      }
    } else if (cookie) user = await userBySession(owner, secretHash(cookie), policy);
    c.set('user', user ?? null);
    await next();
  };
}

/**
 * Makes an open transaction the caller's: the role pingan_app, with the caller in transaction-local
 * settings that the row-level policies read. Requests get it from scopedTransaction; work that
 * outlives a request (import jobs, streamed exports) calls it on a transaction of its own.
 */
export async function enterCallerScope(trx: Kysely<Database>, user: AuthUser): Promise<void> {
  // (set_config('role', …, true) is SET LOCAL ROLE: one round trip less on every request)
  await sql`select
    set_config('pingan.user', ${String(user.id)}, true),
    set_config('pingan.role', ${user.role}, true),
    set_config('pingan.scope', ${user.scopeCode}, true),
    set_config('pingan.person', ${user.personId == null ? '' : String(user.personId)}, true),
    set_config('pingan.unit', ${user.unitId == null ? '' : String(user.unitId)}, true),
    set_config('role', 'pingan_app', true)`.execute(trx);
}

/**
 * The scope mechanism. Each API request runs in one transaction, as the role pingan_app, with
 * the caller in transaction-local settings; the row-level policies of migration 0002 filter every
 * table by them. Reads are read-only transactions. Any error or 4xx/5xx answer rolls back, so a
 * failed request changes nothing.
 */
export function scopedTransaction(owner: Kysely<Database>): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const user = c.get('user');
    if (!user) throw problem('auth.unauthenticated');
    const readOnly = c.req.method === 'GET' || c.req.method === 'HEAD';
    const trx = await owner.startTransaction().setAccessMode(readOnly ? 'read only' : 'read write').execute();
    try {
      await enterCallerScope(trx, user);
      c.set('db', trx);
      await next();
    } catch (error) {
      await trx.rollback().execute();
      throw error;
    }
    if (c.error || c.res.status >= 400) await trx.rollback().execute();
    else await trx.commit().execute();
  };
}
