/** The statistics and report endpoints (server/stats): typed calls over lib/api's request(). */
import { request } from '../lib/api';

export type GroupBy = 'county' | 'township' | 'village' | 'grid' | 'category' | 'month';
export type IncidentState =
  | 'reported' | 'accepted' | 'rejected' | 'dispatched' | 'in_progress' | 'resolved' | 'closed' | 'escalated' | 'reopened';

export interface Figures {
  total: number;
  states: Record<IncidentState, number>;
  acceptedTotal: number;
  resolvedTotal: number;
  onTime: number;
  overdueOpen: number;
  resolutionRate: number | null;
  onTimeRate: number | null;
  meanHandlingHours: number | null;
}

export interface StatsRow extends Figures {
  key: string | null;
  code: string | null;
  name: string;
  nameEn: string | null;
}

export interface IncidentStats {
  region: { code: string; name: string; level: string };
  groupBy: GroupBy;
  from: string;
  to: string;
  timeZone: string;
  category: string | null;
  summary: Figures;
  rows: StatsRow[];
}

export type ReportKind = 'daily' | 'weekly' | 'monthly';
export interface Label { zh: string; en: string }
export type ColumnType = 'text' | 'label' | 'int' | 'rate' | 'hours' | 'datetime' | 'state' | 'value';
export interface ReportSection {
  key: string;
  title: Label;
  columns: Array<{ key: string; label: Label; type: ColumnType }>;
  rows: Array<Record<string, unknown>>;
}
export interface Report {
  kind: ReportKind;
  title: Label;
  region: { code: string; name: string; level: string };
  from: string;
  to: string;
  timeZone: string;
  generatedAt: string;
  summary: Figures;
  sections: ReportSection[];
}

export const statsApi = {
  incidents: (q: { region?: string; groupBy: GroupBy; from?: string; to?: string; category?: string }, signal?: AbortSignal) =>
    request<IncidentStats>('GET', '/api/stats/incidents', { query: q, signal }),
  report: (kind: ReportKind, q: { region?: string; date?: string }, signal?: AbortSignal) =>
    request<Report>('GET', `/api/reports/${kind}`, { query: q, signal }),
};

/** Where the CSV or XLSX of a report downloads from. */
export function reportFileUrl(kind: ReportKind, q: { region?: string; date?: string }, format: 'csv' | 'xlsx', lang: 'zh' | 'en'): string {
  const params = new URLSearchParams({ format, lang });
  if (q.region) params.set('region', q.region);
  if (q.date) params.set('date', q.date);
  return `/api/reports/${kind}?${params}`;
}

/** The printable page of a report: a route of this app, opened in a new tab. */
export function reportPageUrl(kind: ReportKind, q: { region?: string; date?: string }): string {
  const params = new URLSearchParams();
  if (q.region) params.set('region', q.region);
  if (q.date) params.set('date', q.date);
  const s = params.toString();
  return `/reports/${kind}${s ? `?${s}` : ''}`;
}

/** The report route, when the page was opened on one (App shows the printable report instead of the map). */
export function reportRoute(loc: Location = location): { kind: ReportKind; region?: string; date?: string } | null {
  const m = /^\/reports\/(daily|weekly|monthly)\/?$/.exec(loc.pathname);
  if (!m) return null;
  const params = new URLSearchParams(loc.search);
  return { kind: m[1] as ReportKind, region: params.get('region') ?? undefined, date: params.get('date') ?? undefined };
}
