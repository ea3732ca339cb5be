/** Labels and the deadline clock of incidents, in the UI language. */
import { i18n, t, type MessageKey } from '../i18n/i18n.svelte';
import type { IncidentSummary } from './incidents-api';

const keyOr = (key: string, fallback: string) => {
  const s = t(key as MessageKey);
  return s === key ? fallback : s;
};

export const stateLabel = (state: string) => keyOr(`incident.state.${state}`, state);
export const actionLabel = (action: string) => keyOr(`incidents.action.${action}`, action);
export const levelLabel = (level: string) => keyOr(`level.${level}`, level);
export const priorityLabel = (priority: string) => keyOr(`incidents.priority.${priority}`, priority);
export const sourceLabel = (source: string) => keyOr(`incidents.source.${source}`, source);
export const dutyLabel = (duty: string) => keyOr(`duty.${duty}`, duty);

/** "3月5日 14:20" / "5 Mar, 14:20" in China time. */
export function formatTime(iso: string | null | undefined, withYear = false): string {
  if (!iso) return '—';
  return new Intl.DateTimeFormat(i18n.locale, {
    timeZone: 'Asia/Shanghai', ...(withYear ? { year: 'numeric' } : {}), month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false,
  }).format(new Date(iso));
}

/** "2 天 3 小时" from milliseconds (at least minutes). */
export function formatSpan(ms: number): string {
  const minutes = Math.max(1, Math.round(Math.abs(ms) / 60_000));
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  if (days) return hours ? t('incidents.span.dh', { d: days, h: hours }) : t('incidents.span.d', { d: days });
  if (hours) return t('incidents.span.hm', { h: hours, m: minutes % 60 });
  return t('incidents.span.m', { m: minutes });
}

export type ClockKind = 'overdue' | 'near' | 'ok' | 'stopped' | 'none';

/**
 * The deadline clock as the server computes it (overdue / nearDue flags) with the time left or
 * past due for the text; a resolved, closed or rejected incident's clock has stopped.
 */
export function dueClock(i: Pick<IncidentSummary, 'dueAt' | 'overdue' | 'nearDue' | 'state' | 'resolvedAt'>, now = Date.now()): { kind: ClockKind; text: string } {
  if (!i.dueAt) return { kind: 'none', text: '' };
  const due = Date.parse(i.dueAt);
  if (['resolved', 'closed', 'rejected'].includes(i.state)) {
    const at = i.resolvedAt ? Date.parse(i.resolvedAt) : null;
    return { kind: 'stopped', text: at !== null && at > due ? t('incidents.clock.lateBy', { span: formatSpan(at - due) }) : t('incidents.clock.stopped') };
  }
  if (i.overdue || due < now) return { kind: 'overdue', text: t('incidents.clock.overdue', { span: formatSpan(now - due) }) };
  return { kind: i.nearDue ? 'near' : 'ok', text: t('incidents.clock.left', { span: formatSpan(due - now) }) };
}
