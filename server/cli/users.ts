import { createInterface } from 'node:readline/promises';
import type { Kysely } from 'kysely';
import { insertApiToken, insertUser, listAccounts, revokeApiToken, userIdByName } from '../auth/auth.repository.ts';
import { passwordProblem } from '../auth/password-rules.ts';
import { hashPassword, newSecret, secretHash } from '../auth/secrets.ts';
import { ROLES, isRole } from '../auth/capabilities.ts';
import type { Database } from '../db/schema.ts';
import { regionOfScope } from '../regions/regions.repository.ts';
import { writeAudit } from '../audit/audit.repository.ts';

/** Reads a password from PINGAN_PASSWORD, else asks on the terminal. */
async function readPassword(): Promise<string> {
  if (process.env.PINGAN_PASSWORD) return process.env.PINGAN_PASSWORD;
  if (!process.stdin.isTTY) throw new Error('set PINGAN_PASSWORD, or run in a terminal to be asked for the password');
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try { return await rl.question('Password (min. 10 characters): '); } finally { rl.close(); }
}

export async function createUser(db: Kysely<Database>, options: Record<string, string | undefined>) {
  const { username, role, scope, name, person } = options;
  if (!username || !role || !scope) throw new Error('usage: users create --username NAME --role ROLE --scope REGION_PREFIX [--name DISPLAY] [--person ID]');
  if (!isRole(role)) throw new Error(`role must be one of ${ROLES.join(', ')}`);
  if (!/^\d{4}(\d{2}(\d{3}(\d{3})?)?)?$/.test(scope)) throw new Error('scope is a region code prefix: 4 digits (prefecture), 6 (county), 9 (township) or 12 (village)');
  const region = await regionOfScope(db, scope);
  if (!region) {
    throw new Error(`scope ${scope} names no region in this database: give a prefecture with counties (4 digits), `
      + 'a county (6), a township (9) or a village (12) that exists');
  }
  const password = await readPassword();
  const problem = passwordProblem(password, username);
  if (problem) throw new Error(problem);
  const id = await insertUser(db, {
    username, displayName: name ?? username, passwordHash: await hashPassword(password),
    role, scopeCode: scope, personId: person ? Number(person) : null,
  });
  await writeAudit(db, { action: 'create', entity: 'user', entityId: id, after: { username, role, scope } });
  console.log(`created user ${username} (id ${id}, ${role}, scope ${scope}: ${region.name})`);
}

export async function listUsers(db: Kysely<Database>) {
  const users = await listAccounts(db);
  console.table(users);
}

export async function createToken(db: Kysely<Database>, options: Record<string, string | undefined>) {
  const { username, name, days, access = 'write' } = options;
  if (!username || !name) throw new Error('usage: tokens create --username NAME --name LABEL [--days N] [--access read|write]');
  if (access !== 'read' && access !== 'write') throw new Error('--access is read (GET only: GIS clients) or write');
  const user = await userIdByName(db, username);
  if (!user) throw new Error(`no user ${username}`);
  const expiresAt = days ? new Date(Date.now() + Number(days) * 86400_000) : null;
  const { id, token } = await issueApiToken(db, user.id, name, expiresAt, access);
  console.log(`${access === 'read' ? 'read-only ' : ''}token ${id} for ${username} (${name})${expiresAt ? `, expires ${expiresAt.toISOString()}` : ''}. Shown once:\n${token}`);
}

/** Creates a bearer token for scripts and GIS clients; only its hash is stored. */
export async function issueApiToken(db: Kysely<Database>, userId: number, name: string, expiresAt: Date | null,
  access: 'read' | 'write' = 'write') {
  const token = newSecret('pgt_');
  const row = await insertApiToken(db, { userId, name, tokenHash: secretHash(token), expiresAt, access });
  await writeAudit(db, { action: 'create', entity: 'api_token', entityId: row.id, after: { userId, name, expiresAt, access } });
  return { id: row.id, token };
}

export async function revokeToken(db: Kysely<Database>, options: Record<string, string | undefined>) {
  if (!options.id) throw new Error('usage: tokens revoke --id N');
  const revoked = await revokeApiToken(db, Number(options.id));
  if (!revoked) throw new Error(`no token ${options.id}`);
  await writeAudit(db, { action: 'revoke', entity: 'api_token', entityId: options.id });
  console.log(`revoked token ${options.id}`);
}
