import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { AuthUser } from '../http/env.ts';
import {
  type GroupBy, type IncidentLine, type StatsFilter, countOverdue, incidentsOverdue, incidentsReported, openStates, resolvedInPeriod, statsGroups, statsTotal,
} from './stats.repository.ts';
import { type StatsFigures, addDays, figures, monthEnd, monthStart, resolveScope, weekStart } from './stats.service.ts';

type Db = Kysely<Database>;

/**
 * The three routine reports, as one structure that JSON, CSV, XLSX and the printable page all render:
 * - daily (村级日排查): one local day — what was reported, by category, and what is overdue;
 * - weekly (乡级周例会): the ISO week (Monday–Sunday) holding the date — figures against the week
 *   before, per village (or the level below the region), per category, the overdue list;
 * - monthly (县级月研判): the calendar month holding the date — figures against the month before and
 *   the same month a year earlier, per township (level below), per category with the change, the
 *   twelve-month trend, the overdue list.
 * A prefecture's reports list its counties where a county's list its townships.
 */
export const reportKinds = ['daily', 'weekly', 'monthly'] as const;
export type ReportKind = (typeof reportKinds)[number];

export interface Label { zh: string; en: string }
/** How a cell is shown; `value`: the row's own `type` says (the summary's mixed measures). */
export type ColumnType = 'text' | 'label' | 'int' | 'rate' | 'hours' | 'datetime' | 'state' | 'value';
export interface ReportColumn { key: string; label: Label; type: ColumnType }
export interface ReportSection { key: string; title: Label; columns: ReportColumn[]; rows: Array<Record<string, unknown>> }
export interface Report {
  kind: ReportKind;
  title: Label;
  region: { code: string; name: string; level: string };
  from: string;
  to: string;
  timeZone: string;
  generatedAt: string;
  summary: StatsFigures;
  sections: ReportSection[];
}

const L = (zh: string, en: string): Label => ({ zh, en });
const col = (key: string, zh: string, en: string, type: ColumnType): ReportColumn => ({ key, label: L(zh, en), type });

export const reportTitles: Record<ReportKind, Label> = {
  daily: L('村级日排查报表', 'Village daily screening'),
  weekly: L('乡级周例会报表', 'Township weekly meeting report'),
  monthly: L('县级月研判报表', 'County monthly analysis'),
};

export const stateLabels: Record<string, Label> = {
  reported: L('已上报', 'Reported'), accepted: L('已受理', 'Accepted'), rejected: L('不予受理', 'Rejected'),
  dispatched: L('已派发', 'Dispatched'), in_progress: L('处置中', 'In progress'), resolved: L('已办结', 'Resolved'),
  closed: L('已销号', 'Closed'), escalated: L('已上报上级', 'Escalated'), reopened: L('已重启', 'Reopened'),
};

const figureColumns: ReportColumn[] = [
  col('total', '上报数', 'Reported', 'int'),
  col('acceptedTotal', '受理数', 'Accepted', 'int'),
  col('resolvedTotal', '化解数', 'Resolved', 'int'),
  col('open', '在办数', 'Open', 'int'),
  col('resolutionRate', '化解率', 'Resolution rate', 'rate'),
  col('onTimeRate', '按期办结率', 'On-time rate', 'rate'),
  col('meanHandlingHours', '平均办理时长(小时)', 'Mean handling time (h)', 'hours'),
  col('overdueOpen', '逾期未办结', 'Overdue open', 'int'),
];

const childLevel: Record<string, { groupBy: GroupBy; label: Label }> = {
  prefecture: { groupBy: 'county', label: L('县（市、区）', 'County') },
  county: { groupBy: 'township', label: L('乡镇（街道）', 'Township') },
  township: { groupBy: 'village', label: L('村（社区）', 'Village') },
  village: { groupBy: 'grid', label: L('网格', 'Grid') },
};

const openCount = (f: StatsFigures) => openStates.reduce((n, s) => n + f.states[s], 0);
const figureRow = (f: StatsFigures) => ({
  total: f.total, acceptedTotal: f.acceptedTotal, resolvedTotal: f.resolvedTotal, open: openCount(f),
  resolutionRate: f.resolutionRate, onTimeRate: f.onTimeRate, meanHandlingHours: f.meanHandlingHours, overdueOpen: f.overdueOpen,
});

const lineColumns = (withDue: boolean): ReportColumn[] => [
  col('code', '编号', 'Code', 'text'),
  col('createdAt', '上报时间', 'Reported at', 'datetime'),
  col('categoryName', '类别', 'Category', 'label'),
  col('title', '事项', 'Title', 'text'),
  col('villageName', '村（社区）', 'Village', 'text'),
  col('gridName', '网格', 'Grid', 'text'),
  col('state', '状态', 'State', 'state'),
  col('dueAt', '办理期限', 'Due', 'datetime'),
  ...(withDue ? [col('overdueHours', '逾期(小时)', 'Overdue (h)', 'hours')] : []),
];
const lineRow = (l: IncidentLine) => ({
  code: l.code, createdAt: l.createdAt, categoryName: L(l.categoryName, l.categoryNameEn), title: l.title,
  villageName: l.villageName, gridName: l.gridName ?? '', state: l.state, dueAt: l.dueAt, overdueHours: l.overdueHours,
});

interface SummaryItem { key: string; label: Label; value: number | null; type: Exclude<ColumnType, 'value'> }
function summarySection(items: SummaryItem[]): ReportSection {
  return {
    key: 'summary', title: L('总体情况', 'Summary'),
    columns: [col('item', '指标', 'Measure', 'label'), col('value', '数值', 'Value', 'value')],
    rows: items.map((i) => ({ key: i.key, item: i.label, value: i.value, type: i.type })),
  };
}
const figureItems = (f: StatsFigures): SummaryItem[] => [
  { key: 'total', label: L('上报数', 'Reported'), value: f.total, type: 'int' },
  { key: 'acceptedTotal', label: L('受理数', 'Accepted'), value: f.acceptedTotal, type: 'int' },
  { key: 'rejected', label: L('不予受理', 'Rejected'), value: f.states.rejected, type: 'int' },
  { key: 'resolvedTotal', label: L('化解数', 'Resolved'), value: f.resolvedTotal, type: 'int' },
  { key: 'resolutionRate', label: L('化解率', 'Resolution rate'), value: f.resolutionRate, type: 'rate' },
  { key: 'onTimeRate', label: L('按期办结率', 'On-time rate'), value: f.onTimeRate, type: 'rate' },
  { key: 'meanHandlingHours', label: L('平均办理时长(小时)', 'Mean handling time (h)'), value: f.meanHandlingHours, type: 'hours' },
];

async function groupedSection(db: Db, f: StatsFilter, groupBy: GroupBy, key: string, title: Label, nameLabel: Label): Promise<ReportSection> {
  const groups = await statsGroups(db, f, groupBy);
  return {
    key, title,
    columns: [{ key: 'name', label: nameLabel, type: groupBy === 'category' ? 'label' : 'text' }, ...figureColumns],
    rows: groups.map((g) => ({
      key: g.key, code: g.code,
      name: groupBy === 'category' ? L(g.name, g.nameEn ?? g.name) : (g.name || (groupBy === 'grid' ? '—' : g.key ?? '')),
      ...figureRow(figures(g)),
    })),
  };
}

/** The longest overdue first; the list stops at a limit, the summary's count does not. */
function overdueSection(lines: IncidentLine[]): ReportSection {
  return { key: 'overdue', title: L('逾期未办结事项（督办）', 'Overdue open incidents (supervision)'), columns: lineColumns(true), rows: lines.map(lineRow) };
}

export async function buildReport(db: Db, user: AuthUser, kind: ReportKind, q: { region?: string; date?: string }): Promise<Report> {
  const { region, timeZone, today } = await resolveScope(db, user, q.region);
  const date = q.date ?? today;
  const base = { prefix: region.prefix, timeZone };
  const child = childLevel[region.level];
  const sections: ReportSection[] = [];
  let from: string;
  let to: string;
  let summary: StatsFigures;

  if (kind === 'daily') {
    from = to = date;
    const f = { ...base, from, to };
    summary = figures(await statsTotal(db, f));
    const overdue = await incidentsOverdue(db, region.prefix, 500);
    sections.push(summarySection([
      ...figureItems(summary),
      { key: 'resolvedInPeriod', label: L('当日办结（含往日上报）', 'Resolved this day (any report date)'), value: await resolvedInPeriod(db, f), type: 'int' },
      { key: 'overdueOpenNow', label: L('当前逾期未办结', 'Overdue open now'), value: await countOverdue(db, region.prefix), type: 'int' },
    ]));
    sections.push(await groupedSection(db, f, 'category', 'byCategory', L('分类情况', 'By category'), L('类别', 'Category')));
    sections.push({ key: 'reported', title: L('当日上报事项', 'Reported this day'), columns: lineColumns(false),
      rows: (await incidentsReported(db, f, 1000)).map(lineRow) });
    sections.push(overdueSection(overdue));
  } else {
    const weekly = kind === 'weekly';
    from = weekly ? weekStart(date) : monthStart(date);
    to = weekly ? addDays(from, 6) : monthEnd(date);
    const f = { ...base, from, to };
    summary = figures(await statsTotal(db, f));
    const prevFrom = weekly ? addDays(from, -7) : monthStart(date, -1);
    const prevTo = weekly ? addDays(from, -1) : monthEnd(prevFrom);
    const previous = figures(await statsTotal(db, { ...base, from: prevFrom, to: prevTo }));
    const overdue = await incidentsOverdue(db, region.prefix, weekly ? 200 : 100);
    const items: SummaryItem[] = [
      ...figureItems(summary),
      { key: 'resolvedInPeriod', label: weekly ? L('本周办结（含往期上报）', 'Resolved this week (any report date)') : L('本月办结（含往期上报）', 'Resolved this month (any report date)'),
        value: await resolvedInPeriod(db, f), type: 'int' },
      { key: 'overdueOpenNow', label: L('当前逾期未办结', 'Overdue open now'), value: await countOverdue(db, region.prefix), type: 'int' },
      { key: 'previousTotal', label: weekly ? L('上周上报数', 'Reported the week before') : L('上月上报数', 'Reported the month before'), value: previous.total, type: 'int' },
      { key: 'previousResolutionRate', label: weekly ? L('上周化解率', 'Resolution rate the week before') : L('上月化解率', 'Resolution rate the month before'), value: previous.resolutionRate, type: 'rate' },
    ];
    if (!weekly) {
      const lastYear = figures(await statsTotal(db, { ...base, from: monthStart(date, -12), to: monthEnd(monthStart(date, -12)) }));
      items.push({ key: 'lastYearTotal', label: L('去年同月上报数', 'Reported in the same month last year'), value: lastYear.total, type: 'int' });
    }
    sections.push(summarySection(items));
    if (child) sections.push(await groupedSection(db, f, child.groupBy, 'byRegion', L(`分${child.label.zh}情况`, `By ${child.label.en.toLowerCase()}`), child.label));
    const byCategory = await groupedSection(db, f, 'category', 'byCategory', L('分类情况', 'By category'), L('类别', 'Category'));
    if (!weekly) {
      // the month before, per category, and the change
      const before = await statsGroups(db, { ...base, from: prevFrom, to: prevTo }, 'category');
      const previousByKey = new Map(before.map((g) => [g.key, g.total]));
      byCategory.columns.splice(2, 0, col('previousTotal', '上月上报数', 'Month before', 'int'), col('change', '环比增减', 'Change', 'int'));
      for (const row of byCategory.rows) {
        const prev = previousByKey.get(row.key as string) ?? 0;
        row.previousTotal = prev;
        row.change = (row.total as number) - prev;
      }
    }
    sections.push(byCategory);
    if (!weekly) {
      sections.push(await groupedSection(db, { ...base, from: monthStart(date, -11), to }, 'month', 'trend',
        L('近12个月走势', 'Last twelve months'), L('月份', 'Month')));
    }
    sections.push(overdueSection(overdue));
  }

  return {
    kind, title: reportTitles[kind], region: { code: region.code, name: region.name, level: region.level },
    from, to, timeZone, generatedAt: new Date().toISOString(), summary, sections,
  };
}
