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

export async function userBySession(db: Kysely<Database>, tokenHash: string): Promise<AuthUser | undefined> {
  return userColumns(db)
    .innerJoin('sessions as s', 's.userId', 'u.id')
    .where('s.tokenHash', '=', tokenHash)
    .where('s.expiresAt', '>', sql<Date>`now()`)
    .executeTakeFirst();
}

export async function userByToken(db: Kysely<Database>, tokenHash: string): Promise<AuthUser | undefined> {
  const user = await userColumns(db)
    .innerJoin('apiTokens as t', 't.userId', 'u.id')
    .where('t.tokenHash', '=', tokenHash)
    .where('t.revokedAt', 'is', null)
    .where((eb) => eb.or([eb('t.expiresAt', 'is', null), eb('t.expiresAt', '>', sql<Date>`now()`)]))
    .executeTakeFirst();
  if (user) {
    await db.updateTable('apiTokens').set({ lastUsedAt: sql`now()` as never }).where('tokenHash', '=', tokenHash).execute();
  }
  return user;
}

export async function userById(db: Kysely<Database>, id: number): Promise<AuthUser | undefined> {
  return userColumns(db).where('u.id', '=', id).executeTakeFirst();
}

export async function createSession(db: Kysely<Database>, userId: number, tokenHash: string, hours: number) {
  await db.deleteFrom('sessions').where('expiresAt', '<', sql<Date>`now()`).execute();
  await db.insertInto('sessions')
    .values({ tokenHash, userId, expiresAt: sql<Date>`now() + make_interval(hours => ${hours})` as never })
    .execute();
}

export async function deleteSession(db: Kysely<Database>, tokenHash: string) {
  await db.deleteFrom('sessions').where('tokenHash', '=', tokenHash).execute();
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
