import { type Kysely, sql } from 'kysely';
import type { Database, Role } from '../db/schema.ts';
import type { AuthUser } from '../http/env.ts';

/** Authentication data lives outside row security: these functions take the owner connection. */

const userColumns = (db: Kysely<Database>) =>
  db.selectFrom('users as u')
    .leftJoin('people as p', 'p.id', 'u.personId')
    .select(['u.id', 'u.username', 'u.displayName', 'u.role', 'u.scopeCode', 'u.personId', 'p.unitId'])
    .where('u.disabledAt', 'is', null);

export async function findLogin(db: Kysely<Database>, username: string) {
  return db.selectFrom('users')
    .select(['id', 'passwordHash'])
    .where(sql<string>`lower(username)`, '=', username.toLowerCase())
    .where('disabledAt', 'is', null)
    .executeTakeFirst();
}

/** How long sessions live: `absoluteHours` after sign-in at most, `idleMinutes` after their last use. */
export interface SessionPolicy {
  absoluteHours: number;
  idleMinutes: number;
}

/**
 * The user of a live session, sliding its idle expiry forward (never past the absolute one). The
 * expiry is rewritten at most once a minute per session, so reads do not each cost a write.
 */
export async function userBySession(db: Kysely<Database>, tokenHash: string, policy: SessionPolicy): Promise<AuthUser | undefined> {
  const user = await userColumns(db)
    .innerJoin('sessions as s', 's.userId', 'u.id')
    .select(sql<boolean>`s.expires_at < least(s.created_at + make_interval(hours => ${policy.absoluteHours}),
      now() + make_interval(mins => ${policy.idleMinutes})) - interval '1 minute'`.as('stale'))
    .where('s.tokenHash', '=', tokenHash)
    .where('s.expiresAt', '>', sql<Date>`now()`)
    .where(sql<boolean>`s.created_at + make_interval(hours => ${policy.absoluteHours}) > now()`)
    .executeTakeFirst();
  if (!user) return undefined;
  const { stale, ...rest } = user;
  if (stale) {
    await sql`update sessions set expires_at = least(created_at + make_interval(hours => ${policy.absoluteHours}),
      now() + make_interval(mins => ${policy.idleMinutes})) where token_hash = ${tokenHash}`.execute(db);
  }
  return rest;
}

export async function userByToken(db: Kysely<Database>, tokenHash: string): Promise<(AuthUser & { access: 'read' | 'write' }) | undefined> {
  const user = await userColumns(db)
    .innerJoin('apiTokens as t', 't.userId', 'u.id')
    .select('t.access')
    .where('t.tokenHash', '=', tokenHash)
    .where('t.revokedAt', 'is', null)
    .where((eb) => eb.or([eb('t.expiresAt', 'is', null), eb('t.expiresAt', '>', sql<Date>`now()`)]))
    .executeTakeFirst();
  if (user) {
    // to the minute: a GIS client paging through a layer would otherwise write (and wait for the
    // log to be flushed) on every read
    await db.updateTable('apiTokens').set({ lastUsedAt: sql`now()` as never }).where('tokenHash', '=', tokenHash)
      .where((eb) => eb.or([eb('lastUsedAt', 'is', null), eb('lastUsedAt', '<', sql<Date>`now() - interval '1 minute'`)]))
      .execute();
  }
  return user;
}

export async function userById(db: Kysely<Database>, id: number): Promise<AuthUser | undefined> {
  return userColumns(db).where('u.id', '=', id).executeTakeFirst();
}

export async function createSession(db: Kysely<Database>, userId: number, tokenHash: string, policy: SessionPolicy) {
  await db.deleteFrom('sessions').where('expiresAt', '<', sql<Date>`now()`).execute();
  await db.insertInto('sessions')
    .values({ tokenHash, userId, expiresAt: sql<Date>`now() + least(make_interval(hours => ${policy.absoluteHours}),
      make_interval(mins => ${policy.idleMinutes}))` as never })
    .execute();
}

export async function deleteSession(db: Kysely<Database>, tokenHash: string) {
  await db.deleteFrom('sessions').where('tokenHash', '=', tokenHash).execute();
}

/** Ends every session of a user (logout everywhere, a password change); returns how many. */
export async function deleteUserSessions(db: Kysely<Database>, userId: number, except?: string): Promise<number> {
  let query = db.deleteFrom('sessions').where('userId', '=', userId);
  if (except) query = query.where('tokenHash', '<>', except);
  const result = await query.executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function passwordHashOf(db: Kysely<Database>, userId: number) {
  const row = await db.selectFrom('users').select('passwordHash').where('id', '=', userId).executeTakeFirst();
  return row?.passwordHash ?? null;
}

export async function setPasswordHash(db: Kysely<Database>, userId: number, passwordHash: string) {
  await db.updateTable('users').set({ passwordHash }).where('id', '=', userId).execute();
}

export interface NewUser {
  username: string;
  displayName: string;
  passwordHash: string;
  role: Role;
  scopeCode: string;
  personId?: number | null;
}

export async function insertUser(db: Kysely<Database>, user: NewUser): Promise<number> {
  const row = await db.insertInto('users').values({ ...user, personId: user.personId ?? null })
    .returning('id').executeTakeFirstOrThrow();
  return row.id;
}

export async function countAdmins(db: Kysely<Database>): Promise<number> {
  const row = await db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n'))
    .where('role', '=', 'admin').where('disabledAt', 'is', null).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Every account, for the CLI's list. */
export async function listAccounts(db: Kysely<Database>) {
  return db.selectFrom('users').select(['id', 'username', 'displayName', 'role', 'scopeCode', 'disabledAt']).orderBy('id').execute();
}

export async function userIdByName(db: Kysely<Database>, username: string) {
  return db.selectFrom('users').select('id').where('username', '=', username).executeTakeFirst();
}

/** Stores an API token by its hash; returns its id. */
export async function insertApiToken(db: Kysely<Database>, token: {
  userId: number; name: string; tokenHash: string; expiresAt: Date | null; access: 'read' | 'write';
}) {
  return db.insertInto('apiTokens').values(token).returning('id').executeTakeFirstOrThrow();
}

/** Revokes a token; false when there is no such token. */
export async function revokeApiToken(db: Kysely<Database>, id: number) {
  const result = await db.updateTable('apiTokens').set({ revokedAt: new Date() }).where('id', '=', id).executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
