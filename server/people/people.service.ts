import { type Kysely, sql } from 'kysely';
import type { Database, Duty } from '../db/schema.ts';
import { writeAudit } from '../audit/audit.repository.ts';
import { settingValue } from '../settings/settings.repository.ts';
import { toFeatureCollection } from '../db/geo.ts';
import { assertCapability, missingCapability } from '../auth/authorize.ts';
import type { AuthUser } from '../http/env.ts';
import { ProblemError, notFound } from '../http/problem.ts';
import { regionCodeOfScope, regionForCaller } from '../regions/regions.repository.ts';
import { CsvError, parseCsv } from '../imports/csv.ts';
import {
  type AssignmentRow, type NewPerson, closeAssignments, existingNamePhones, findGrid, getPerson, gridAssignments,
  insertAssignment, insertPeople, lockCurrent, myGrids, openIncidentsInGrids, overloadedPeople, personAssignments,
  plannable, sitesInGrids, staffingGrids, unitsByCode, villagesByCode,
} from './people.repository.ts';

type Db = Kysely<Database>;


async function audit(db: Db, user: AuthUser, action: string, entity: string, entityId: string | number, regionCode: string | null,
  before: unknown, after: unknown) {
  await writeAudit(db, { actorId: user.id, action, entity, entityId, regionCode, before, after });
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

interface RowError { row: number; column: string | null; message: string; scope?: boolean }

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
    const err = (column: string | null, message: string) => errors.push({ row: input.row, column, message });
    const before = errors.length;
    if (input.unitCode && !units.has(input.unitCode)) err('unit', `unknown unit code "${input.unitCode}"`);
    if (input.villageCode) {
      const v = villages.get(input.villageCode);
      if (!v) err('village', `unknown village code "${input.villageCode}" (or outside your scope)`);
      else if (v.level !== 'village') err('village', `${input.villageCode} is a ${v.level}, not a village`);
    }
    if (!input.unitCode && !input.villageCode) err(null, 'give a unit, a village, or both');
    const region = regionOf(input);
    if (errors.length === before && region && !allowed.has(region)) {
      errors.push({ row: input.row, column: input.villageCode ? 'village' : 'unit', message: `${region} is outside your scope`, scope: true });
    }
    if (input.phone) {
      const key = `${input.name}|${input.phone}`;
      if (existing.has(key)) err('phone', `${input.name} with phone ${input.phone} is already in the directory`);
      else if (seen.has(key)) err('phone', `same name and phone as row ${seen.get(key)}`);
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
    throw new ProblemError(status, status === 403 ? 'forbidden' : 'validation', errors.map((e) => e.message).join('; '),
      { errors: errors.map(({ column, message }) => ({ path: column, message })) });
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
      throw new ProblemError(422, 'validation', `the file is not valid CSV: ${error.message}`, { errors: [{ row: error.line, column: null, message: error.message }] });
    }
    throw error;
  }
  if (!records.length) throw new ProblemError(422, 'validation', 'the file is empty: expected a header row (name, phone, gender, unit, village) and data rows');
  const header = records[0].fields.map((h) => headerAliases[h.trim().toLowerCase().replace(/\s+/g, '_')] ?? null);
  const unknown = records[0].fields.filter((_, i) => header[i] === null);
  if (unknown.length) throw new ProblemError(422, 'validation', `unknown columns: ${unknown.join(', ')}; expected name, phone, gender, unit, village`);
  if (!header.includes('name')) throw new ProblemError(422, 'validation', 'the header has no name column');
  const rows = records.slice(1);
  if (rows.length > maxImportRows) throw new ProblemError(422, 'validation', `at most ${maxImportRows} rows per file; this one has ${rows.length}`);

  const errors: RowError[] = [];
  const inputs: Array<PersonInput & { row: number }> = [];
  for (const record of rows) {
    const err = (column: string | null, message: string) => errors.push({ row: record.line, column, message });
    if (record.fields.length !== header.length) {
      err(null, `${record.fields.length} fields, the header has ${header.length}`);
      continue;
    }
    const get = (column: string) => {
      const i = header.indexOf(column);
      return i < 0 ? '' : record.fields[i].trim();
    };
    const before = errors.length;
    const name = get('name');
    if (!name) err('name', 'name is required');
    else if (name.length > 50) err('name', 'name is longer than 50 characters');
    const phone = get('phone').replace(/\s+/g, '');
    if (phone && !phonePattern.test(phone)) err('phone', `"${phone}" is not a phone number (5–20 digits, + or -)`);
    const genderText = get('gender');
    const gender = genderText ? genders[genderText.toLowerCase()] : null;
    if (gender === undefined) err('gender', `"${genderText}" is not a gender (M/F, 男/女)`);
    const unitCode = get('unit') || null;
    const villageCode = get('village') || null;
    if (villageCode && !/^\d{12}$/.test(villageCode)) err('village', `"${villageCode}" is not a 12-digit village code`);
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
    throw new ProblemError(422, 'validation', `${errors.length} error(s) in ${new Set(errors.map((e) => e.row)).size} row(s); nothing was imported`,
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
  if (!person) throw notFound('person');
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
  if (!grid) throw notFound('grid');
  return grid;
}

async function currentGrid(db: Db, gridId: number) {
  const grid = await visibleGrid(db, gridId);
  if (grid.validTo !== null) throw new ProblemError(409, 'conflict', `grid ${gridId} (${grid.code}) is a closed version; assign people to its current version`);
  return grid;
}

async function visiblePerson(db: Db, personId: number) {
  const person = await getPerson(db, personId);
  if (!person) throw notFound('person');
  return person;
}

/** Effective instant of an assignment change: now, or a past instant (never the future). */
function when(at: Date | undefined) {
  const now = new Date();
  if (!at) return now;
  if (at.getTime() > now.getTime() + 60_000) throw new ProblemError(422, 'validation', 'an assignment change cannot take effect in the future');
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
    throw new ProblemError(409, 'conflict', `${person.name} already holds the duty ${input.duty} on grid ${grid.code}`);
  }
  if (!(await plannable(db, [grid.villageCode])).has(grid.villageCode)) throw new ProblemError(403, 'forbidden', `grid ${grid.code} is outside your scope`);
  let id: number;
  try {
    id = await insertAssignment(db, { gridId, personId: input.personId, duty: input.duty, validFrom: at });
  } catch (error) {
    if (isUniqueViolation(error)) throw new ProblemError(409, 'conflict', `${person.name} already holds the duty ${input.duty} on grid ${grid.code}`);
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
  if (!(await plannable(db, [grid.villageCode])).has(grid.villageCode)) throw new ProblemError(403, 'forbidden', `grid ${grid.code} is outside your scope`);
  let rows: Array<{ id: number; duty: Duty; validFrom: Date; personId: number }>;
  if ('assignmentId' in target) {
    const row = await db.selectFrom('gridAssignments').select(['id', 'duty', 'validFrom', 'personId', 'validTo'])
      .where('id', '=', target.assignmentId).where('gridId', '=', gridId).forUpdate().executeTakeFirst();
    if (!row) throw notFound('assignment');
    if (row.validTo !== null) throw new ProblemError(409, 'conflict', `assignment ${target.assignmentId} already ended at ${iso(row.validTo)}`);
    rows = [row];
  } else {
    rows = (await lockCurrent(db, gridId, target.personId, target.duty)).map((r) => ({ ...r, personId: target.personId }));
    if (!rows.length) throw notFound(`current assignment of person ${target.personId}${target.duty ? ` as ${target.duty}` : ''} on this grid`);
  }
  const end = when(at);
  const tooEarly = rows.find((r) => new Date(r.validFrom) >= end);
  if (tooEarly) throw new ProblemError(422, 'validation', `assignment ${tooEarly.id} starts at ${iso(tooEarly.validFrom)}; it cannot end before that`);
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
  if (input.fromPersonId === input.toPersonId) throw new ProblemError(422, 'validation', 'a handover needs two different people');
  const grid = await currentGrid(db, gridId);
  if (!(await plannable(db, [grid.villageCode])).has(grid.villageCode)) throw new ProblemError(403, 'forbidden', `grid ${grid.code} is outside your scope`);
  const from = await visiblePerson(db, input.fromPersonId);
  const to = await visiblePerson(db, input.toPersonId);
  const [outgoing] = await lockCurrent(db, gridId, input.fromPersonId, input.duty);
  if (!outgoing) throw new ProblemError(409, 'conflict', `${from.name} holds no current ${input.duty} duty on grid ${grid.code}`);
  if ((await lockCurrent(db, gridId, input.toPersonId, input.duty)).length) {
    throw new ProblemError(409, 'conflict', `${to.name} already holds the duty ${input.duty} on grid ${grid.code}`);
  }
  const at = when(input.at);
  if (new Date(outgoing.validFrom) >= at) throw new ProblemError(422, 'validation', `${from.name}'s assignment starts at ${iso(outgoing.validFrom)}; the handover must be later`);
  await closeAssignments(db, [Number(outgoing.id)], at);
  let id: number;
  try {
    id = await insertAssignment(db, { gridId, personId: input.toPersonId, duty: input.duty, validFrom: at });
  } catch (error) {
    if (isUniqueViolation(error)) throw new ProblemError(409, 'conflict', `${to.name} already holds the duty ${input.duty} on grid ${grid.code}`);
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
  if (!where) throw notFound('region');
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
