/** The statistics and report endpoints (server/stats) through the typed client. */
import type { ReportKind } from '../../../server/stats/reports';
import { api, call, signalled, type Answer, type Args } from '../lib/api';

export type { ColumnType, Label, ReportKind } from '../../../server/stats/reports';
export type IncidentStats = Answer<(typeof api.stats)['incidents']['$get']>;
export type GroupBy = IncidentStats['groupBy'];
export type Figures = IncidentStats['summary'];
export type StatsRow = IncidentStats['rows'][number];
/** The report as JSON (the same route answers CSV and XLSX files for `format`). */
export type Report = Extract<Answer<(typeof api.reports)[':kind']['$get']>, { sections: unknown }>;

export const statsApi = {
  incidents: (q: Args<typeof api.stats.incidents.$get>['query'], signal?: AbortSignal) =>
    call(api.stats.incidents.$get({ query: q }, signalled(signal))),
  report: (kind: ReportKind, q: { region?: string; date?: string }, signal?: AbortSignal) =>
    call(api.reports[':kind'].$get({ param: { kind }, query: q }, signalled(signal))) as Promise<Report>,
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
