import type { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { Database } from '../../server/db/schema.ts';
import { numericSetting, readSettings, settingValue } from '../../server/settings/settings.repository.ts';

/** A stand-in for a connection or transaction that counts how often the settings table is read. */
function fakeDb(isTransaction: boolean, rows: Array<{ key: string; value: unknown }>) {
  const db = {
    isTransaction,
    reads: 0,
    selectFrom(table: string) {
      expect(table).toBe('settings');
      return { select: () => ({ execute: async () => { db.reads++; return rows; } }) };
    },
  };
  return db as typeof db & Kysely<Database>;
}

describe('the settings reader', () => {
  it('reads the settings table once per transaction, however many settings a request asks for', async () => {
    const trx = fakeDb(true, [{ key: 'plans.lockMinutes', value: 90 }, { key: 'workload.tolerance', value: '0.25' }]);
    expect(await numericSetting(trx, 'plans.lockMinutes', 120)).toBe(90);
    expect(await numericSetting(trx, 'workload.tolerance', 0.4)).toBe(0.25);
    expect(await settingValue(trx, 'plans.snapToleranceM', 2)).toBe(2);
    await Promise.all([readSettings(trx), readSettings(trx)]);
    expect(trx.reads).toBe(1);
    const next = fakeDb(true, [{ key: 'plans.lockMinutes', value: 30 }]);
    expect(await numericSetting(next, 'plans.lockMinutes', 120)).toBe(30);
    expect(next.reads).toBe(1);
  });

  it('reads afresh outside a transaction, so a changed setting is seen on the next call', async () => {
    const rows = [{ key: 'incidents.autoEscalate', value: false as unknown }];
    const owner = fakeDb(false, rows);
    expect(await settingValue(owner, 'incidents.autoEscalate', false)).toBe(false);
    rows[0].value = true;
    expect(await settingValue(owner, 'incidents.autoEscalate', false)).toBe(true);
    expect(owner.reads).toBe(2);
  });
});
