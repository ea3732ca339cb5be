import ExcelJS from 'exceljs';
import type { ColumnType, Label, Report, ReportColumn, ReportSection } from './reports.ts';
import { stateLabels } from './reports.ts';

/**
 * CSV and XLSX renderings of a report. CSV: UTF-8 with a byte-order mark and CRLF, which Excel opens
 * as UTF-8 (Chinese intact); the sections follow each other, each with its title row and header row.
 * XLSX: a sheet per section, with rates as real percentages and times as real dates.
 */
export type Lang = 'zh' | 'en';

const pick = (l: Label, lang: Lang) => (lang === 'en' ? l.en : l.zh);

/** A cell's value in local time (YYYY-MM-DD HH:mm). */
function localTime(iso: string, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(new Date(iso));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}`;
}

function cellType(column: ReportColumn, row: Record<string, unknown>): ColumnType {
  return column.type === 'value' ? (row.type as ColumnType) ?? 'text' : column.type;
}

/** The cell as text (CSV, and the printable page's rules, mirrored in web/src/stats). */
export function cellText(value: unknown, type: ColumnType, lang: Lang, timeZone: string): string {
  if (value === null || value === undefined || value === '') return '';
  switch (type) {
    case 'label': return typeof value === 'object' ? pick(value as Label, lang) : String(value);
    case 'state': return stateLabels[String(value)] ? pick(stateLabels[String(value)], lang) : String(value);
    case 'rate': return `${(Number(value) * 100).toFixed(1)}%`;
    case 'hours': return Number(value).toFixed(1);
    case 'datetime': return localTime(String(value), timeZone);
    default: return String(value);
  }
}

function csvField(text: string, fromUser: boolean): string {
  // a text a spreadsheet would take for a formula is defused (CSV injection)
  const safe = fromUser && /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function metaRows(report: Report, lang: Lang): string[][] {
  return [
    [pick(report.title, lang)],
    [lang === 'en' ? 'Region' : '区域', report.region.name, report.region.code],
    [lang === 'en' ? 'Period' : '期间', report.from, report.to],
    [lang === 'en' ? 'Generated' : '生成时间', localTime(report.generatedAt, report.timeZone), report.timeZone],
  ];
}

export function reportCsv(report: Report, lang: Lang): string {
  const lines: string[] = metaRows(report, lang).map((r) => r.map((c) => csvField(c, false)).join(','));
  for (const section of report.sections) {
    lines.push('', csvField(pick(section.title, lang), false));
    lines.push(section.columns.map((c) => csvField(pick(c.label, lang), false)).join(','));
    for (const row of section.rows) {
      lines.push(section.columns.map((c) => {
        const type = cellType(c, row);
        return csvField(cellText(row[c.key], type, lang, report.timeZone), type === 'text');
      }).join(','));
    }
  }
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

/** Sheet names: at most 31 characters, none of []:*?/\ */
const sheetName = (s: string) => s.replace(/[[\]:*?/\\]/g, ' ').slice(0, 31);

function xlsxValue(value: unknown, type: ColumnType, lang: Lang, timeZone: string): ExcelJS.CellValue {
  if (value === null || value === undefined || value === '') return null;
  switch (type) {
    case 'int': return Number(value);
    case 'rate': return Number(value);
    case 'hours': return Number(value);
    // Excel has no time zones: the local wall-clock time, stored as if UTC
    case 'datetime': return new Date(`${localTime(String(value), timeZone).replace(' ', 'T')}:00Z`);
    default: return cellText(value, type, lang, timeZone);
  }
}

const numFmt: Partial<Record<ColumnType, string>> = { rate: '0.0%', hours: '0.0', datetime: 'yyyy-mm-dd hh:mm', int: '0' };

function addSectionSheet(workbook: ExcelJS.Workbook, report: Report, section: ReportSection, lang: Lang) {
  const sheet = workbook.addWorksheet(sheetName(pick(section.title, lang)));
  sheet.addRow([pick(report.title, lang), report.region.name, `${report.from} – ${report.to}`]).font = { bold: true };
  sheet.addRow([]);
  const header = sheet.addRow(section.columns.map((c) => pick(c.label, lang)));
  header.font = { bold: true };
  header.eachCell((cell) => { cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE8EEF6' } }; });
  for (const row of section.rows) {
    const values = section.columns.map((c) => xlsxValue(row[c.key], cellType(c, row), lang, report.timeZone));
    const added = sheet.addRow(values);
    section.columns.forEach((c, i) => {
      const fmt = numFmt[cellType(c, row)];
      if (fmt) added.getCell(i + 1).numFmt = fmt;
    });
  }
  section.columns.forEach((c, i) => {
    const longest = Math.max(pick(c.label, lang).length * 2, ...section.rows.slice(0, 200).map((r) => cellText(r[c.key], cellType(c, r), lang, report.timeZone).length));
    sheet.getColumn(i + 1).width = Math.min(60, Math.max(8, longest + 2));
  });
  sheet.views = [{ state: 'frozen', ySplit: 3 }];
}

export async function reportXlsx(report: Report, lang: Lang): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'Pingan Grid';
  workbook.created = new Date(report.generatedAt);
  for (const section of report.sections) addSectionSheet(workbook, report, section, lang);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
