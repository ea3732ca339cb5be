import { type Kysely, sql } from 'kysely';
import type { Database, Duty } from '../db/schema.ts';
import { toFeatureCollection } from '../db/geo.ts';
import { assertCapability, missingCapability } from '../auth/authorize.ts';
import type { AuthUser } from '../http/env.ts';
import { described, problem, type ParamValue } from '../http/problem.ts';
import { regionCodeOfScope, regionForCaller } from '../regions/regions.repository.ts';
import { CsvError, parseCsv } from '../imports/csv.ts';
import {
  type AssignmentRow, type NewPerson, closeAssignments, existingNamePhones, findGrid, getPerson, gridAssignments,
  insertAssignment, insertPeople, lockCurrent, myGrids, openIncidentsInGrids, overloadedPeople, personAssignments,
  plannable, settingValue, sitesInGrids, staffingGrids, unitsByCode, villagesByCode,
} from './people.repository.ts';

type Db = Kysely<Database>;


async function audit(db: Db, user: AuthUser, action: string, entity: string, entityId: string | number, regionCode: string | null,
  before: unknown, after: unknown) {
  await db.insertInto('auditLog').values({
    actorId: user.id, action, entity, entityId: String(entityId), regionCode,
    before: before === null ? null : JSON.stringify(before), after: after === null ? null : JSON.stringify(after),
  }).execute();
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());
const serializeAssignment = (a: AssignmentRow) => ({
  ...a, id: Number(a.id), gridId: Number(a.gridId), personId: Number(a.personId),
  validFrom: iso(a.validFrom)!, validTo: iso(a.validTo), current: a.validTo === null,
});

// ---- people -------------------------------------------------------------------------------------

export interface PersonInput {
  name: string;
  phone?: string | null;
  gender?: 'M' | 'F' | null;
  unitCode?: string | null;
  villageCode?: string | null;
}

interface RowError { row: number; column: string | null; message: string; code?: string; params?: Record<string, ParamValue>; scope?: boolean }

/**
 * Resolves and checks new people as a batch: unit and village must exist and be visible, the
 * village must be a village, the owning region must be in the caller's planning scope, and a
 * person with the same name and phone must not exist already (nor twice in the batch).
 * Returns the rows to insert, or every error found (by row number).
 */
async function resolvePeople(db: Db, inputs: Array<PersonInput & { row: number }>) {
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

// ---- assignments --------------------------------------------------------------------------------

async function visibleGrid(db: Db, gridId: number) {
  const grid = await findGrid(db, gridId);
  if (!grid) throw problem('grid.not-found');
  return grid;
}

async function currentGrid(db: Db, gridId: number) {
  const grid = await visibleGrid(db, gridId);
  if (grid.validTo !== null) throw problem('assignment.closed-grid-version', { gridId, gridCode: grid.code });
  return grid;
}

async function visiblePerson(db: Db, personId: number) {
  const person = await getPerson(db, personId);
  if (!person) throw problem('person.not-found');
  return person;
}

/** Effective instant of an assignment change: now, or a past instant (never the future). */
function when(at: Date | undefined) {
  const now = new Date();
  if (!at) return now;
  if (at.getTime() > now.getTime() + 60_000) throw problem('assignment.in-future');
  return at;
}

export async function listGridAssignments(db: Db, gridId: number, history: boolean) {
  const grid = await visibleGrid(db, gridId);
  return { grid, assignments: (await gridAssignments(db, gridId, history)).map(serializeAssignment) };
}

function isUniqueViolation(error: unknown) {
  return (error as { code?: string })?.code === '23505';
}

export async function assign(db: Db, user: AuthUser, gridId: number, input: { personId: number; duty: Duty; validFrom?: Date }) {
  await assertCapability(db, user, 'assignMembers');
  const grid = await currentGrid(db, gridId);
  const person = await visiblePerson(db, input.personId);
  const at = when(input.validFrom);
  if ((await lockCurrent(db, gridId, input.personId, input.duty)).length) {
    throw problem('assignment.duty-taken', { personName: person.name, duty: input.duty, gridCode: grid.code });
  }
  if (!(await plannable(db, [grid.villageCode])).has(grid.villageCode)) throw problem('grid.outside-scope', { gridCode: grid.code });
  let id: number;
  try {
    id = await insertAssignment(db, { gridId, personId: input.personId, duty: input.duty, validFrom: at });
  } catch (error) {
    if (isUniqueViolation(error)) throw problem('assignment.duty-taken', { personName: person.name, duty: input.duty, gridCode: grid.code });
    throw error;
  }
  await audit(db, user, 'assignment.create', 'grid_assignment', id, grid.villageCode, null,
    { gridId, personId: input.personId, duty: input.duty, validFrom: at.toISOString() });
  return { id, grid, person };
}

/** Ends current assignments (history is kept): one by id, or a person's on the grid (optionally one duty). */
export async function unassign(db: Db, user: AuthUser, gridId: number,
  target: { assignmentId: number } | { personId: number; duty?: Duty }, at?: Date) {
  await assertCapability(db, user, 'assignMembers');
  const grid = await visibleGrid(db, gridId);
  if (!(await plannable(db, [grid.villageCode])).has(grid.villageCode)) throw problem('grid.outside-scope', { gridCode: grid.code });
  let rows: Array<{ id: number; duty: Duty; validFrom: Date; personId: number }>;
  if ('assignmentId' in target) {
    const row = await db.selectFrom('gridAssignments').select(['id', 'duty', 'validFrom', 'personId', 'validTo'])
      .where('id', '=', target.assignmentId).where('gridId', '=', gridId).forUpdate().executeTakeFirst();
    if (!row) throw problem('assignment.not-found');
    if (row.validTo !== null) throw problem('assignment.already-ended', { assignmentId: target.assignmentId, endedAt: iso(row.validTo) });
    rows = [row];
  } else {
    rows = (await lockCurrent(db, gridId, target.personId, target.duty)).map((r) => ({ ...r, personId: target.personId }));
    if (!rows.length) throw problem('assignment.current-not-found', { personId: target.personId, duty: target.duty ?? null });
  }
  const end = when(at);
  const tooEarly = rows.find((r) => new Date(r.validFrom) >= end);
  if (tooEarly) throw problem('assignment.end-before-start', { assignmentId: tooEarly.id, startsAt: iso(tooEarly.validFrom) });
  await closeAssignments(db, rows.map((r) => Number(r.id)), end);
  for (const r of rows) {
    await audit(db, user, 'assignment.end', 'grid_assignment', r.id, grid.villageCode,
      { gridId, personId: Number(r.personId), duty: r.duty, validFrom: iso(r.validFrom) }, { validTo: end.toISOString() });
  }
  return rows.map((r) => Number(r.id));
}

/**
 * Handover: the outgoing person's duty ends and the incoming person's begins at the same instant,
 * in one transaction (the request's), so the grid is never without, nor twice with, that duty.
 */
export async function handover(db: Db, user: AuthUser, gridId: number,
  input: { fromPersonId: number; toPersonId: number; duty: Duty; at?: Date }) {
  await assertCapability(db, user, 'assignMembers');
  if (input.fromPersonId === input.toPersonId) throw problem('handover.same-person');
  const grid = await currentGrid(db, gridId);
  if (!(await plannable(db, [grid.villageCode])).has(grid.villageCode)) throw problem('grid.outside-scope', { gridCode: grid.code });
  const from = await visiblePerson(db, input.fromPersonId);
  const to = await visiblePerson(db, input.toPersonId);
  const [outgoing] = await lockCurrent(db, gridId, input.fromPersonId, input.duty);
  if (!outgoing) throw problem('handover.no-outgoing-duty', { personName: from.name, duty: input.duty, gridCode: grid.code });
  if ((await lockCurrent(db, gridId, input.toPersonId, input.duty)).length) {
    throw problem('assignment.duty-taken', { personName: to.name, duty: input.duty, gridCode: grid.code });
  }
  const at = when(input.at);
  if (new Date(outgoing.validFrom) >= at) throw problem('handover.too-early', { personName: from.name, startsAt: iso(outgoing.validFrom) });
  await closeAssignments(db, [Number(outgoing.id)], at);
  let id: number;
  try {
    id = await insertAssignment(db, { gridId, personId: input.toPersonId, duty: input.duty, validFrom: at });
  } catch (error) {
    if (isUniqueViolation(error)) throw problem('assignment.duty-taken', { personName: to.name, duty: input.duty, gridCode: grid.code });
    throw error;
  }
  await audit(db, user, 'assignment.handover', 'grid_assignment', id, grid.villageCode,
    { assignmentId: Number(outgoing.id), personId: input.fromPersonId },
    { assignmentId: id, gridId, personId: input.toPersonId, duty: input.duty, at: at.toISOString() });
  return { closed: Number(outgoing.id), opened: id, at: at.toISOString() };
}

// ---- staffing -----------------------------------------------------------------------------------

export async function staffingThresholds(db: Db) {
  return {
    maxGrids: Number(await settingValue(db, 'staffing.maxGridsPerMember', 4)),
    maxHouseholds: Number(await settingValue(db, 'staffing.maxHouseholdsPerMember', 1000)),
    memberDuties: await settingValue<Duty[]>(db, 'staffing.memberDuties', ['leader', 'full_time', 'part_time']),
  };
}

type Counts = { grids: number; noMember: number; noLeader: number; withOverloadedMember: number };
const emptyCounts = (): Counts => ({ grids: 0, noMember: 0, noLeader: 0, withOverloadedMember: 0 });

/**
 * Staffing of a region's current grids: grids with no member or no leader, people over the
 * configured load, counts per county, township and village, and the problem grids as GeoJSON for
 * colouring. The region may be a prefecture (4 digits; its counties are the rows a county's
 * townships are), for callers whose scope covers it; anything else outside the scope is a 404 like
 * an unknown region.
 */
export async function staffingReport(db: Db, user: AuthUser, region?: string) {
  const where = await regionForCaller(db, user.scopeCode, region);
  if (!where) throw problem('region.not-found');
  const thresholds = await staffingThresholds(db);
  const grids = await staffingGrids(db, where.prefix, thresholds);
  const overloaded = await overloadedPeople(db, where.prefix, thresholds);

  const counties = new Map<string, Counts & { code: string; name: string }>();
  const townships = new Map<string, Counts & { code: string; name: string; countyCode: string }>();
  const villages = new Map<string, Counts & { code: string; name: string; townshipCode: string }>();
  const total = emptyCounts();
  const problemFeatures = [];
  for (const g of grids) {
    const problems: string[] = [];
    if (g.members === 0) problems.push('no_member');
    if (g.leaders === 0) problems.push('no_leader');
    if (g.overloadedMembers > 0) problems.push('overloaded_member');
    const c = counties.get(g.countyCode) ?? { code: g.countyCode, name: g.countyName, ...emptyCounts() };
    const t = townships.get(g.townshipCode) ?? { code: g.townshipCode, name: g.townshipName, countyCode: g.countyCode, ...emptyCounts() };
    const v = villages.get(g.villageCode) ?? { code: g.villageCode, name: g.villageName, townshipCode: g.townshipCode, ...emptyCounts() };
    counties.set(c.code, c);
    townships.set(t.code, t);
    villages.set(v.code, v);
    for (const n of [c, t, v, total]) {
      n.grids++;
      if (problems.includes('no_member')) n.noMember++;
      if (problems.includes('no_leader')) n.noLeader++;
      if (problems.includes('overloaded_member')) n.withOverloadedMember++;
    }
    if (problems.length) {
      const { geometry, townshipName: _t, villageName: _v, countyName: _c, ...properties } = g;
      problemFeatures.push({ ...properties, villageName: g.villageName, problems, geometry });
    }
  }
  const withProblems = <T extends Counts>(list: T[]) => list.map((c) => ({ ...c, ok: c.noMember + c.noLeader + c.withOverloadedMember === 0 }));
  return {
    region: where.code,
    name: where.name,
    level: where.level,
    thresholds,
    summary: { ...total, overloadedPeople: overloaded.length },
    counties: withProblems([...counties.values()]),
    townships: withProblems([...townships.values()]),
    villages: withProblems([...villages.values()]),
    overloaded: overloaded.map((p) => ({
      ...p, over: [...(p.grids > thresholds.maxGrids ? ['grids'] : []), ...(p.households > thresholds.maxHouseholds ? ['households'] : [])],
    })),
    problemGrids: toFeatureCollection(problemFeatures),
  };
}

// ---- my area ------------------------------------------------------------------------------------

/** A grid member's own area: their grids, the key sites in them by category, open incidents, duties. */
export async function myArea(db: Db, user: AuthUser) {
  await assertCapability(db, user, 'myArea');
  if (user.personId === null) throw missingCapability('myArea');
  const grids = await myGrids(db, user.personId);
  const gridIds = grids.map((g) => g.id);
  const sites = await sitesInGrids(db, gridIds);
  const incidents = await openIncidentsInGrids(db, gridIds);
  const { rows: [person] } = await sql<{ id: number; name: string; phone: string | null }>`
    select id, name, phone from people where id = ${user.personId}`.execute(db);
  const byCategory = new Map<string, { category: string; name: string; nameEn: string; color: string; count: number; siteIds: number[] }>();
  for (const s of sites) {
    const c = byCategory.get(s.category) ?? { category: s.category, name: s.categoryName, nameEn: s.categoryNameEn, color: s.color, count: 0, siteIds: [] };
    c.count++;
    c.siteIds.push(s.id);
    byCategory.set(s.category, c);
  }
  return {
    person: person ? { ...person, id: Number(person.id) } : null,
    duties: grids.flatMap((g) => g.duties.map((duty) => ({ gridId: g.id, gridCode: g.code, gridName: g.name, duty }))),
    grids: toFeatureCollection(grids),
    sitesByCategory: [...byCategory.values()],
    sites: toFeatureCollection(sites.map(({ sort: _s, color: _c, ...s }) => s)),
    incidents: toFeatureCollection(incidents.map((i) => ({ ...i, createdAt: iso(i.createdAt)!, dueAt: iso(i.dueAt) }))),
  };
}
