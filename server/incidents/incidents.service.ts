import { Ajv, type ValidateFunction } from 'ajv';
import type { Kysely } from 'kysely';
import type { Database, IncidentSource, IncidentState } from '../db/schema.ts';
import { writeAudit } from '../audit/audit.repository.ts';
import { settingValue } from '../settings/settings.repository.ts';
import { assertCapability, incidentPermissionsFor, missingCapability } from '../auth/authorize.ts';
import { INCIDENT_CAPABILITIES, INCIDENT_CAPABILITY_NAMES, permissionsGrant } from '../auth/capabilities.ts';
import type { AuthUser } from '../http/env.ts';
import { ajvFieldErrors, fieldErrorsDetail } from '../http/field-errors.ts';
import { problem } from '../http/problem.ts';
import {
  type Level, duplicateCandidates, duplicateLink, escalateDue, getCategory, getUnit, incidentCode, incidentVersion, incidentVisible,
  insertEvent, insertIncident, insertNotification, levels, lockIncident, markNotificationRead, mayAct, openIncidentOfViolation,
  routeIncident, transactionNow, transition, updateIncidentAt, violationInfo,
} from './incidents.repository.ts';

type Db = Kysely<Database>;

// Category schemas carry display keywords (titleEn, unit): allowed, not validated.
const ajv = new Ajv({ allErrors: true, strict: false });
const validators = new Map<string, ValidateFunction>();
function validatorFor(schema: unknown): ValidateFunction {
  const key = JSON.stringify(schema);
  let validate = validators.get(key);
  if (!validate) validators.set(key, validate = ajv.compile(schema as object));
  return validate;
}

async function audit(db: Db, actorId: number | null, action: string, id: number, regionCode: string, before: unknown, after: unknown) {
  await writeAudit(db, { actorId, action, entity: 'incident', entityId: id, regionCode, before, after });
}

// ---- intake --------------------------------------------------------------------------------------

export interface IncidentInput {
  category: string;
  title: string;
  description?: string;
  /** lon, lat (WGS84) */
  point: [number, number];
  priority?: 'low' | 'normal' | 'high' | 'urgent';
  attrs?: Record<string, unknown>;
  caller?: { name: string; phone?: string | null } | null;
  /** who is speaking: derived from the caller's role when absent (member, staff, hotline with a caller) */
  source?: IncidentSource;
  sourceData?: Record<string, unknown> | null;
}

export interface Routing {
  gridId: number;
  gridCode: string;
  gridName: string;
  villageCode: string;
}

/**
 * Records a new incident where its point lies. Routing (in SQL, app.incident_grid): the current
 * comprehensive grid that covers the point; on a shared edge or vertex the lowest grid code wins.
 * Village and township follow from the grid; due_at = reported time + the category's deadline.
 * Grid members report inside their own grids; centre staff anywhere in their scope.
 * Returns the new incident's id and the duplicate suggestions.
 */
export async function createIncident(db: Db, user: AuthUser, input: IncidentInput) {
  const category = await getCategory(db, input.category);
  if (!category) throw problem('incident.unknown-category', { category: input.category }, { errors: [{ path: 'category', message: 'unknown category', rule: 'choice' }] });
  const attrs = input.attrs ?? {};
  const validate = validatorFor(category.attrSchema);
  if (!validate(attrs)) {
    const errors = ajvFieldErrors(validate.errors, 'attrs');
    throw problem('fields.invalid', { summary: fieldErrorsDetail(errors), fields: errors.map((e) => e.path).join(', ') }, { errors });
  }
  const [lon, lat] = input.point;
  const route = await routeIncident(db, lon, lat);
  // A point outside the caller's area answers exactly like a point in no grid at all: routing sees
  // every grid (security definer), but the answer must not tell where the county's grids lie.
  const permissions = await incidentPermissionsFor(db, user);
  if (!permissionsGrant(user.role, permissions, 'report')) throw missingCapability('report');
  // reporters by the grid relation (grid members) report inside the grids they serve, as themselves
  const reportsInOwnGrids = permissions.some((p) => p.action === 'report' && p.relation === 'grid');
  const memberPath = reportsInOwnGrids && !!route?.ownGrid;
  if (!route || (!(route.inScope && route.mayReport) && !memberPath)) {
    if (reportsInOwnGrids) throw problem('incident.outside-own-grids');
    throw problem('incident.point-outside-area');
  }
  const source: IncidentSource = input.source ?? (reportsInOwnGrids ? 'member' : input.caller ? 'hotline' : 'staff');
  const row = await insertIncident(db, {
    category: category.code, title: input.title, description: input.description ?? '', lon, lat, gridId: route.gridId,
    villageCode: route.villageCode, priority: input.priority ?? 'normal', reporterId: user.personId, attrs, source,
    sourceData: input.sourceData ?? null, callerName: input.caller?.name ?? null, callerPhone: input.caller?.phone ?? null, createdBy: user.id,
  });
  const id = Number(row.id);
  await insertEvent(db, {
    incidentId: id, actorId: user.personId, actorUserId: user.id, action: 'report', fromState: null, toState: 'reported',
    note: input.caller ? `来电人：${input.caller.name}` : null,
    data: { source, gridCode: route.gridCode, ...(input.sourceData ? { sourceData: input.sourceData } : {}) },
  });
  await audit(db, user.id, 'incident.report', id, route.villageCode, null,
    { code: row.code, category: category.code, title: input.title, point: input.point, gridId: route.gridId, source });
  const [radius, days] = await Promise.all([
    settingValue(db, 'incidents.duplicateRadiusM', 50), settingValue(db, 'incidents.duplicateDays', 7)]);
  return { id, code: row.code, duplicates: await duplicateCandidates(db, id, Number(radius), Number(days)) };
}

export interface RuleViolationRef {
  ruleId: number;
  subjectId: number;
  targetId: number | null;
  distanceM?: number | null;
}

/**
 * Turns a spatial rule violation (server/rules) into an incident: at the target site (the subject
 * when a required target is missing), titled from the rule and the sites, source data
 * {ruleId, subjectId, targetId}. The same violation is not reported twice while an incident for it is open.
 */
export async function reportRuleViolation(db: Db, user: AuthUser, violation: RuleViolationRef, category = 'campus.venues') {
  await assertCapability(db, user, 'report');
  const info = await violationInfo(db, violation);
  if (!info) throw problem('violation.not-found');
  const existing = await openIncidentOfViolation(db, violation);
  if (existing) {
    throw problem('violation.already-reported', { incidentCode: existing.code, incidentId: Number(existing.id) }, { incidentId: Number(existing.id) });
  }
  const schema = (await getCategory(db, category))?.attrSchema as { properties?: Record<string, unknown> } | undefined;
  const attrs: Record<string, unknown> = {};
  if (schema?.properties?.schoolName) attrs.schoolName = info.subjectName;
  if (schema?.properties?.venueName && info.targetName) attrs.venueName = info.targetName;
  if (schema?.properties?.distanceM && violation.distanceM != null) attrs.distanceM = violation.distanceM;
  return createIncident(db, user, {
    category, title: `${info.ruleName}：${info.targetName ?? info.subjectName}`.slice(0, 200),
    description: info.targetName ? `${info.subjectName} — ${info.targetName}` : info.subjectName,
    point: [Number(info.lon), Number(info.lat)], attrs, source: 'rule',
    sourceData: { ruleId: violation.ruleId, subjectId: violation.subjectId, targetId: violation.targetId },
  });
}

/** Possible duplicates of a visible incident: same category within the settings' radius and days. */
export async function duplicatesOf(db: Db, id: number) {
  if (!(await incidentVisible(db, id))) throw problem('incident.not-found');
  const [radius, days] = await Promise.all([settingValue(db, 'incidents.duplicateRadiusM', 50), settingValue(db, 'incidents.duplicateDays', 7)]);
  return duplicateCandidates(db, id, Number(radius), Number(days));
}

/** A unit's staff mark one of their unit's notifications read (audited). */
export async function readNotification(db: Db, user: AuthUser, id: number) {
  if (!(await markNotificationRead(db, id))) throw problem('notification.not-found');
  await writeAudit(db, { actorId: user.id, action: 'incident.notification.read', entity: 'incident_notification',
    entityId: id, regionCode: null, before: null, after: { read: true } });
}

// ---- workflow ------------------------------------------------------------------------------------

export interface ActionInput {
  action: string;
  note?: string | null;
  unitId?: number | null;
  version?: number;
  data?: Record<string, unknown> | null;
}

/** Actions whose note is required (the reason, the result, the supervision note). */
const noteRequired: Record<string, string> = {
  reject: 'a rejection needs a reason (note)',
  resolve: 'a resolution needs its result (note)',
  reopen: 'reopening needs a reason (note)',
  supervise: 'a supervision needs its note',
};

const nextLevel = (level: Level): Level | undefined => levels[levels.indexOf(level) + 1];

/**
 * One workflow step. Order of checks: the incident must be visible (404); the caller's role and
 * relation must permit the action at all (403 with the allowed actions); `version` must be current
 * (409 with the current version); the action must lead out of the current state (409 with the
 * current state); its inputs must be complete (422). The update is conditional on the version read,
 * so of two concurrent steps the second gets 409. Every step is an incident_events row and an audit entry.
 */
export async function act(db: Db, user: AuthUser, id: number, input: ActionInput) {
  const incident = await lockIncident(db, id);
  if (!incident) throw problem('incident.not-found');
  const allowedActions = incident.allowedActions;
  if (!(await mayAct(db, input.action, id))) {
    // when the role lacks the action altogether (not only on this incident), name the capability
    const permissions = await incidentPermissionsFor(db, user);
    const capability = INCIDENT_CAPABILITY_NAMES.find((cap) => (INCIDENT_CAPABILITIES[cap] as { action?: string }).action === input.action
      && !permissionsGrant(user.role, permissions, cap));
    throw problem('incident.action-forbidden', { action: input.action },
      { allowedActions, currentState: incident.state, ...(capability ? { capability } : {}) });
  }
  if (input.version !== undefined && input.version !== incident.version) {
    throw problem('incident.stale-version', { incidentCode: incident.code, currentVersion: incident.version, version: input.version },
      { currentVersion: incident.version, currentState: incident.state });
  }
  const step = await transition(db, input.action, incident.state);
  if (!step) {
    throw problem('incident.illegal-transition', { state: incident.state, action: input.action },
      { currentState: incident.state, allowedActions });
  }
  const note = input.note?.trim() || null;
  if (noteRequired[input.action] && !note) throw problem('incident.note-required', { action: input.action }, { errors: [{ path: 'note', message: 'required', rule: 'required' }] });

  const toState = (step.toState ?? incident.state) as IncidentState;
  const set: Record<string, unknown> = { state: toState };
  const data: Record<string, unknown> = { ...(input.data ?? {}) };
  let notifyUnit: number | null = null;
  switch (input.action) {
    case 'dispatch': {
      const unitId = input.unitId ?? (await getCategory(db, incident.category))?.defaultUnitId ?? null;
      if (unitId == null) throw problem('incident.unit-required', {}, { errors: [{ path: 'unitId', message: 'required', rule: 'required' }] });
      const unit = await getUnit(db, unitId);
      if (!unit) throw problem('incident.unknown-unit', { unitId }, { errors: [{ path: 'unitId', message: 'unknown unit', rule: 'choice' }] });
      if (incident.state === 'dispatched' && incident.unitId === unit.id) {
        throw problem('incident.already-dispatched', { unitName: unit.name }, { currentState: incident.state, allowedActions });
      }
      set.unitId = unit.id;
      Object.assign(data, { unitId: unit.id, unitName: unit.name, previousUnitId: incident.unitId });
      break;
    }
    case 'escalate': {
      const to = nextLevel(incident.level as Level);
      if (!to) throw problem('incident.at-top-level', {}, { currentState: incident.state, allowedActions });
      set.level = to;
      Object.assign(data, { fromLevel: incident.level, toLevel: to });
      break;
    }
    case 'resolve': set.result = note; break;
    case 'close': set.closedAt = transactionNow; break;
    case 'reopen': set.closedAt = null; set.confirmedAt = null; set.satisfied = null; break;
    case 'confirm': {
      if (typeof data.satisfied !== 'boolean') {
        throw problem('incident.satisfied-required', {}, { errors: [{ path: 'data.satisfied', message: 'required boolean', rule: 'required' }] });
      }
      set.confirmedAt = transactionNow;
      set.satisfied = data.satisfied;
      break;
    }
    case 'supervise':
      notifyUnit = incident.unitId;
      break;
    case 'duplicate': {
      const of = Number(data.duplicateOf);
      if (!Number.isInteger(of) || of <= 0) throw problem('incident.original-required', {}, { errors: [{ path: 'data.duplicateOf', message: 'required id', rule: 'required' }] });
      if (of === id) throw problem('incident.duplicate-of-itself');
      const original = await duplicateLink(db, of);
      if (!original) throw problem('incident.unknown-original', { original: of }, { errors: [{ path: 'data.duplicateOf', message: 'unknown incident', rule: 'choice' }] });
      // link to the original of a chain, never to another duplicate
      const target = original.duplicateOf ?? Number(original.id);
      if (target === id) throw problem('incident.duplicate-cycle');
      set.duplicateOf = target;
      data.duplicateOf = target;
      data.duplicateOfCode = original.duplicateOf ? await incidentCode(db, target) : original.code;
      break;
    }
  }
  const updated = await updateIncidentAt(db, id, incident.version, set);
  if (!updated) {
    const now = await incidentVersion(db, id);
    throw problem('incident.changed-meanwhile', { incidentCode: incident.code }, { currentVersion: now?.version, currentState: now?.state });
  }
  const eventData = Object.keys(data).length ? data : null;
  await insertEvent(db, {
    incidentId: id, actorId: user.personId, actorUserId: user.id, action: input.action,
    fromState: incident.state, toState, note, data: eventData,
  });
  if (notifyUnit !== null) {
    await insertNotification(db, { incidentId: id, unitId: notifyUnit, kind: 'supervise', note, createdBy: user.id });
  }
  await audit(db, user.id, `incident.${input.action}`, id, incident.regionCode,
    { state: incident.state, level: incident.level, unitId: incident.unitId, version: incident.version },
    { state: toState, ...(set.level ? { level: set.level } : {}), ...(set.unitId ? { unitId: set.unitId } : {}), version: incident.version + 1, note, data });
}

// ---- deadlines -----------------------------------------------------------------------------------

/**
 * Automatic escalation of overdue incidents (setting incidents.autoEscalate): an open incident past
 * its due time goes one level up (village → township → county), at most once per
 * incidents.autoEscalateEveryHours. Waiting cases (reported, accepted) become `escalated` for the
 * higher level's intake desk; cases already with a unit keep their state and the unit is notified.
 * Runs as the owner (system work, actor null), in one statement; `now` is explicit for tests.
 * Returns the escalated incidents' ids.
 */
export async function escalateOverdue(owner: Db, now: Date = new Date(), options: { force?: boolean } = {}): Promise<number[]> {
  return owner.transaction().execute(async (db) => {
    const enabled = await settingValue(db, 'incidents.autoEscalate', false);
    if (!enabled && !options.force) return [];
    const everyHours = Number(await settingValue(db, 'incidents.autoEscalateEveryHours', 24));
    return escalateDue(db, now, everyHours);
  });
}
