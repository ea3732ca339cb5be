import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { assertCapability } from '../auth/authorize.ts';
import type { AuthUser } from '../http/env.ts';
import { described, problem } from '../http/problem.ts';
import { regionCodeOfScope } from '../regions/regions.repository.ts';
import { CsvError, parseCsv } from '../imports/csv.ts';
import { audit } from './people.shared.ts';
import { insertPeople } from './people.repository.ts';
import { type PersonInput, type RowError, resolvePeople } from './people.service.ts';

type Db = Kysely<Database>;

const phonePattern = /^[0-9+-]{5,20}$/;
const headerAliases: Record<string, string> = {
  name: 'name', 姓名: 'name',
  phone: 'phone', 电话: 'phone', 手机: 'phone', 手机号: 'phone', 联系电话: 'phone',
  gender: 'gender', sex: 'gender', 性别: 'gender',
  unit: 'unit', unit_code: 'unit', unitcode: 'unit', 单位: 'unit', 单位代码: 'unit',
  village: 'village', village_code: 'village', villagecode: 'village', 村: 'village', 村社区: 'village', 村代码: 'village', 村社区代码: 'village',
};
const genders: Record<string, 'M' | 'F'> = { m: 'M', f: 'F', male: 'M', female: 'F', 男: 'M', 女: 'F' };
export const maxImportRows = 5000;

/**
 * CSV import of people: a header row (name, phone, gender, unit, village; English or Chinese
 * names), then one person per row. All or nothing: any row error refuses the whole file and the
 * report lists every error by line. A dry run reports the same without writing.
 */
export async function importPeople(db: Db, user: AuthUser, text: string, dryRun: boolean) {
  await assertCapability(db, user, 'importPeople');
  let records;
  try {
    records = parseCsv(text);
  } catch (error) {
    if (error instanceof CsvError) {
      throw problem('people-import.csv-unreadable', { reason: error.message }, { errors: [{ row: error.line, column: null, message: error.message }] });
    }
    throw error;
  }
  if (!records.length) throw problem('people-import.empty');
  const header = records[0].fields.map((h) => headerAliases[h.trim().toLowerCase().replace(/\s+/g, '_')] ?? null);
  const unknown = records[0].fields.filter((_, i) => header[i] === null);
  if (unknown.length) throw problem('people-import.unknown-columns', { columns: unknown.join(', ') });
  if (!header.includes('name')) throw problem('people-import.no-name-column');
  const rows = records.slice(1);
  if (rows.length > maxImportRows) throw problem('people-import.too-many-rows', { max: maxImportRows, rows: rows.length });

  const errors: RowError[] = [];
  const inputs: Array<PersonInput & { row: number }> = [];
  for (const record of rows) {
    const err = (column: string | null, what: ReturnType<typeof described>) => errors.push({ row: record.line, column, ...what });
    if (record.fields.length !== header.length) {
      err(null, described('row.field-count', { fields: record.fields.length, header: header.length }));
      continue;
    }
    const get = (column: string) => {
      const i = header.indexOf(column);
      return i < 0 ? '' : record.fields[i].trim();
    };
    const before = errors.length;
    const name = get('name');
    if (!name) err('name', described('row.name-required'));
    else if (name.length > 50) err('name', described('row.name-too-long', { max: 50 }));
    const phone = get('phone').replace(/\s+/g, '');
    if (phone && !phonePattern.test(phone)) err('phone', described('row.not-a-phone', { phone }));
    const genderText = get('gender');
    const gender = genderText ? genders[genderText.toLowerCase()] : null;
    if (gender === undefined) err('gender', described('row.not-a-gender', { gender: genderText }));
    const unitCode = get('unit') || null;
    const villageCode = get('village') || null;
    if (villageCode && !/^\d{12}$/.test(villageCode)) err('village', described('row.not-a-village-code', { village: villageCode }));
    // rows with format errors are still resolved, so that the report lists all of a row's errors at once
    const validVillage = villageCode && /^\d{12}$/.test(villageCode) ? villageCode : null;
    if (name && name.length <= 50 && (validVillage || unitCode || errors.length === before)) {
      inputs.push({ row: record.line, name, phone: phone && phonePattern.test(phone) ? phone : null, gender: gender ?? null, unitCode, villageCode: validVillage });
    }
  }
  const resolved = await resolvePeople(db, inputs);
  errors.push(...resolved.errors.map(({ scope: _, ...e }) => e));
  errors.sort((a, b) => a.row - b.row || (a.column ?? '').localeCompare(b.column ?? ''));
  const failed = new Set(errors.map((e) => e.row));
  const valid = resolved.people.filter((p) => !failed.has(p.row)).map(({ row: _, ...p }) => p);
  const report = { rows: rows.length, valid: valid.length, errors };
  if (dryRun) return { dryRun: true, ok: errors.length === 0, ...report, inserted: 0, ids: [] as number[] };
  if (errors.length) {
    throw problem('people-import.row-errors', { errors: errors.length, rows: new Set(errors.map((e) => e.row)).size },
      { ...report, ok: false });
  }
  const ids = await insertPeople(db, valid);
  await audit(db, user, 'person.import', 'person', ids.length ? `${ids[0]}-${ids[ids.length - 1]}` : '', regionCodeOfScope(user.scopeCode), null,
    { count: ids.length, ids });
  return { dryRun: false, ok: true, ...report, inserted: ids.length, ids };
}
