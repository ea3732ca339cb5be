import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';

type Db = Kysely<Database>;

/** Every setting by key, as stored (JSON values). */
export type Settings = ReadonlyMap<string, unknown>;

/**
 * One read of the settings table per transaction: a request runs in one transaction (auth/scope.ts),
 * so every service and repository that asks during a request shares the first read. Keyed weakly on
 * the transaction object, so the memo ends with it. Outside a transaction (the owner connection,
 * tests changing a setting between calls) every call reads afresh.
 */
const perTransaction = new WeakMap<Db, Promise<Settings>>();

async function readAll(db: Db): Promise<Settings> {
  const rows = await db.selectFrom('settings').select(['key', 'value']).execute();
  return new Map(rows.map((r) => [r.key, r.value]));
}

/** All settings, read once per transaction. */
export function readSettings(db: Db): Promise<Settings> {
  if (!db.isTransaction) return readAll(db);
  let settings = perTransaction.get(db);
  if (!settings) {
    settings = readAll(db);
    perTransaction.set(db, settings);
    // a failed read is not remembered: the next caller tries again
    settings.catch(() => perTransaction.delete(db));
  }
  return settings;
}

/** One setting's value, or `fallback` when the setting is absent (or null). */
export async function settingValue<T>(db: Db, key: string, fallback: T): Promise<T> {
  return ((await readSettings(db)).get(key) ?? fallback) as T;
}

/** A numeric setting (stored as a JSON number or a numeric string). */
export async function numericSetting(db: Db, key: string, fallback: number): Promise<number> {
  return Number(await settingValue<unknown>(db, key, fallback));
}
