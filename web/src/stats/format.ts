/** Formatting of statistics for the panel and the printable reports (mirrors server/stats/report-export.ts). */
import { i18n, t, type MessageKey } from '../i18n/i18n.svelte';
import type { ColumnType, Figures, Label } from './stats-api';

export type Measure = 'total' | 'resolutionRate' | 'onTimeRate' | 'meanHandlingHours' | 'overdueOpen';
export const MEASURES: Measure[] = ['total', 'resolutionRate', 'onTimeRate', 'meanHandlingHours', 'overdueOpen'];
export const isRate = (m: Measure) => m === 'resolutionRate' || m === 'onTimeRate';

/** A number with exactly `digits` decimals in the UI's locale. */
export function fixed(x: number, digits: number): string {
  return new Intl.NumberFormat(i18n.locale, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(x);
}

export function percent(x: number | null | undefined): string {
  return x === null || x === undefined ? '—' : `${fixed(x * 100, 1)}%`;
}

export function measureValue(f: Figures, m: Measure): number | null {
  return f[m];
}

export function formatMeasure(value: number | null | undefined, m: Measure): string {
  if (value === null || value === undefined) return '—';
  if (isRate(m)) return percent(value);
  if (m === 'meanHandlingHours') return fixed(value, 1);
  return i18n.formatNumber(value);
}

export const pickLabel = (l: Label) => (i18n.lang === 'en' ? l.en : l.zh);

/** Local wall-clock time (YYYY-MM-DD HH:mm) in the deployment's time zone. */
export function localTime(iso: string, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(new Date(iso));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}`;
}

export function stateLabel(state: string): string {
  const key = `stats.state.${state}` as MessageKey;
  const s = t(key);
  return s === key ? state : s;
}

/** A report cell as text. */
export function cellText(value: unknown, type: ColumnType, timeZone: string): string {
  if (value === null || value === undefined || value === '') return '';
  switch (type) {
    case 'label': return typeof value === 'object' ? pickLabel(value as Label) : String(value);
    case 'state': return stateLabel(String(value));
    case 'rate': return percent(Number(value));
    case 'hours': return fixed(Number(value), 1);
    case 'int': return i18n.formatNumber(Number(value));
    case 'datetime': return localTime(String(value), timeZone);
    default: return String(value);
  }
}

/** Calendar helpers on local days (YYYY-MM-DD). */
const toDate = (day: string) => new Date(`${day}T00:00:00Z`);
const fmt = (d: Date) => d.toISOString().slice(0, 10);
export const addDays = (day: string, n: number) => fmt(new Date(toDate(day).getTime() + n * 86_400_000));
export function monthStart(day: string, add = 0): string {
  const d = toDate(day);
  return fmt(new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + add, 1)));
}
export const monthEnd = (day: string) => addDays(monthStart(day, 1), -1);
