import type { Kysely } from 'kysely';
import type { Database, Duty } from '../db/schema.ts';
import { assertCapability } from '../auth/authorize.ts';
import type { AuthUser } from '../http/env.ts';
import { problem } from '../http/problem.ts';
import { audit, iso, serializeAssignment } from './people.shared.ts';
import {
  closeAssignments, findGrid, getPerson, gridAssignments, insertAssignment, lockAssignment, lockCurrent, plannable,
} from './people.repository.ts';

/* Who serves which grid: assigning, ending and handing over duties, with their history. */

type Db = Kysely<Database>;

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
    const row = await lockAssignment(db, target.assignmentId, gridId);
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
