import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { assertCapability } from '../auth/authorize.ts';
import type { AuthUser } from '../http/env.ts';
import { described, problem, type ParamValue } from '../http/problem.ts';
import { audit, iso, serializeAssignment } from './people.shared.ts';
import { type NewPerson, existingNamePhones, getPerson, insertPeople, personAssignments, plannable, unitsByCode, villagesByCode } from './people.repository.ts';

/* The people directory: checking and adding people, a person's detail. CSV import: people-import.service.ts. */

type Db = Kysely<Database>;

export interface PersonInput {
  name: string;
  phone?: string | null;
  gender?: 'M' | 'F' | null;
  unitCode?: string | null;
  villageCode?: string | null;
}

export interface RowError { row: number; column: string | null; message: string; code?: string; params?: Record<string, ParamValue>; scope?: boolean }

/**
 * Resolves and checks new people as a batch: unit and village must exist and be visible, the
 * village must be a village, the owning region must be in the caller's planning scope, and a
 * person with the same name and phone must not exist already (nor twice in the batch).
 * Returns the rows to insert, or every error found (by row number).
 */
export async function resolvePeople(db: Db, inputs: Array<PersonInput & { row: number }>) {
  const units = await unitsByCode(db, [...new Set(inputs.map((i) => i.unitCode).filter((c): c is string => !!c))]);
  const villages = await villagesByCode(db, [...new Set(inputs.map((i) => i.villageCode).filter((c): c is string => !!c))]);
  const regionOf = (i: PersonInput) => i.villageCode ?? (i.unitCode ? units.get(i.unitCode)?.regionCode : undefined);
  const allowed = await plannable(db, [...new Set(inputs.map(regionOf).filter((c): c is string => !!c))]);
  const withPhone = inputs.filter((i) => i.phone).map((i) => ({ name: i.name, phone: i.phone! }));
  const existing = await existingNamePhones(db, withPhone);
  const errors: RowError[] = [];
  const people: Array<NewPerson & { row: number }> = [];
  const seen = new Map<string, number>();
  for (const input of inputs) {
    const err = (column: string | null, what: ReturnType<typeof described>) => errors.push({ row: input.row, column, ...what });
    const before = errors.length;
    if (input.unitCode && !units.has(input.unitCode)) err('unit', described('row.unknown-unit', { unit: input.unitCode }));
    if (input.villageCode) {
      const v = villages.get(input.villageCode);
      if (!v) err('village', described('row.unknown-village', { village: input.villageCode }));
      else if (v.level !== 'village') err('village', described('row.not-a-village', { village: input.villageCode, level: v.level }));
    }
    if (!input.unitCode && !input.villageCode) err(null, described('row.unit-or-village-required'));
    const region = regionOf(input);
    if (errors.length === before && region && !allowed.has(region)) {
      errors.push({ row: input.row, column: input.villageCode ? 'village' : 'unit', ...described('row.outside-scope', { region }), scope: true });
    }
    if (input.phone) {
      const key = `${input.name}|${input.phone}`;
      if (existing.has(key)) err('phone', described('row.person-exists', { name: input.name, phone: input.phone }));
      else if (seen.has(key)) err('phone', described('row.same-as-row', { row: seen.get(key)! }));
      else seen.set(key, input.row);
    }
    if (errors.length === before) {
      people.push({
        row: input.row, name: input.name, phone: input.phone || null, gender: input.gender ?? null,
        unitId: input.unitCode ? units.get(input.unitCode)!.id : null, villageCode: input.villageCode || null, regionCode: region!,
      });
    }
  }
  return { errors, people };
}

export async function createPerson(db: Db, user: AuthUser, input: PersonInput) {
  await assertCapability(db, user, 'editPeople');
  const { errors, people } = await resolvePeople(db, [{ ...input, row: 1 }]);
  if (errors.length) {
    const status = errors.some((e) => e.scope) ? 403 : 422;
    throw problem(status === 403 ? 'person.outside-scope' : 'fields.invalid', { summary: errors.map((e) => e.message).join('; '), fields: errors.map((e) => e.column).join(', ') },
      { errors: errors.map(({ column, message, code, params }) => ({ path: column, message, code, params })) });
  }
  const { row: _, ...person } = people[0];
  const [id] = await insertPeople(db, [person]);
  await audit(db, user, 'person.create', 'person', id, person.regionCode, null, person);
  return (await getPerson(db, id))!;
}

/** A person with their current grids and the whole assignment history the caller may see. */
export async function personDetail(db: Db, id: number) {
  const person = await getPerson(db, id);
  if (!person) throw problem('person.not-found');
  const assignments = (await personAssignments(db, id)).map(serializeAssignment);
  return {
    ...person, createdAt: iso(person.createdAt)!,
    currentGrids: assignments.filter((a) => a.current),
    history: assignments,
  };
}
