import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { AppEnv } from '../http/env.ts';
import { problem } from '../http/problem.ts';
import { Day, RegionOrPrefectureCode, notFoundResponse, problemResponses, validationHook } from '../http/schemas.ts';
import { type Lang, reportCsv, reportXlsx } from './report-export.ts';
import { buildReport, reportKinds } from './reports.ts';
import { groupings, incidentStates } from './stats.repository.ts';
import { incidentStats } from './stats.service.ts';

/*
 * Incident statistics and the routine reports. Mounted at /api: /stats/incidents, /reports/{kind}.
 * Everything is read through the caller's scoped transaction, so row-level security decides which
 * incidents are counted: a township's staff count their township, a unit its own cases.
 */


export const definitions = [
  'Definitions: total = incidents of the region reported (created) in the period, local days of the',
  'deployment time zone (setting patrols.timeZone, Asia/Shanghai), from and to inclusive.',
  'acceptedTotal (受理数) = total − reported − rejected (every case taken in).',
  'resolvedTotal (化解数) = resolved + closed.',
  'resolutionRate (化解率) = resolvedTotal / acceptedTotal; rejected cases are excluded; null when nothing was accepted.',
  'onTimeRate (按期办结率) = cases of resolvedTotal whose resolution (resolved_at) is not later than due_at',
  '(no deadline counts as on time) / resolvedTotal.',
  'meanHandlingHours = mean of resolved_at − created_at in hours over resolvedTotal.',
  'overdueOpen = cases still open (reported, accepted, dispatched, in_progress, escalated, reopened) whose due_at',
  'has passed at the time of the request. resolved_at is the time of the resolution that holds (a reopened case has none).',
].join(' ');

const States = z.object(Object.fromEntries(incidentStates.map((s) => [s, z.number().int()])) as Record<(typeof incidentStates)[number], z.ZodNumber>);
const Figures = {
  total: z.number().int(), states: States, acceptedTotal: z.number().int(), resolvedTotal: z.number().int(),
  onTime: z.number().int(), overdueOpen: z.number().int(),
  resolutionRate: z.number().nullable().openapi({ description: '化解率, 0–1' }),
  onTimeRate: z.number().nullable().openapi({ description: '按期办结率, 0–1' }),
  meanHandlingHours: z.number().nullable(),
};
const StatsFigures = z.object(Figures).openapi('IncidentStatsFigures');
const IncidentStats = z.object({
  region: z.object({ code: z.string(), name: z.string(), level: z.string() }),
  groupBy: z.enum(groupings), from: z.string(), to: z.string(), timeZone: z.string(), category: z.string().nullable(),
  summary: StatsFigures,
  rows: z.array(z.object({
    key: z.string().nullable().openapi({ description: 'region code, grid id, category code or YYYY-MM; null: incidents outside any grid' }),
    code: z.string().nullable(), name: z.string(), nameEn: z.string().nullable(), ...Figures,
  })),
}).openapi('IncidentStats');

const Label = z.object({ zh: z.string(), en: z.string() });
const Report = z.object({
  kind: z.enum(reportKinds), title: Label, region: z.object({ code: z.string(), name: z.string(), level: z.string() }),
  from: z.string(), to: z.string(), timeZone: z.string(), generatedAt: z.string(), summary: StatsFigures,
  sections: z.array(z.object({
    key: z.string(), title: Label,
    columns: z.array(z.object({ key: z.string(), label: Label, type: z.string() })),
    rows: z.array(z.record(z.string(), z.unknown())),
  })),
}).openapi('IncidentReport');

const regionDescription = 'A 12-digit region code, or a 4-digit prefecture code (level `prefecture`, its counties\' subtree), which only '
  + 'prefecture-wide accounts see: for anyone else it is an unknown region (404). Default: the caller\'s scope (a prefecture for a 4-digit scope).';

const ok = <T extends z.ZodTypeAny>(description: string, schema: T) => ({ description, content: { 'application/json': { schema } } });

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export function statsRoutes() {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })

  .openapi(createRoute({
    method: 'get', path: '/stats/incidents', tags: ['statistics'],
    summary: 'Incident figures per county, township, village, grid, category or month: counts by state, 化解率, on-time rate, mean handling time, overdue',
    description: definitions,
    request: { query: z.object({
      region: RegionOrPrefectureCode.optional().openapi({ description: regionDescription }),
      groupBy: z.enum(groupings).default('township')
        .openapi({ description: 'rows: the counties of a prefecture, the townships or villages of the region (every one, zero rows included), grids with incidents, categories, or months' }),
      from: Day.optional().openapi({ description: 'first local day; default: the first day of the month eleven months before `to`' }),
      to: Day.optional().openapi({ description: 'last local day, inclusive; default today' }),
      category: z.string().regex(/^[a-z_]+([.][a-z_]+)?$/, 'an incident category code').optional()
        .openapi({ description: 'a category and its sub-categories; with groupBy=category and a top-level category, groups by sub-category' }),
    }) },
    responses: { 200: ok('Figures', IncidentStats), ...problemResponses, ...notFoundResponse },
  }), async (c) => c.json(await incidentStats(c.get('db'), c.get('user')!, c.req.valid('query')), 200))

  .openapi(createRoute({
    method: 'get', path: '/reports/{kind}', tags: ['statistics'],
    summary: 'Routine reports: daily village screening (村级日排查), weekly township meeting (乡级周例会), monthly county analysis (县级月研判)',
    description: `daily: the local day of \`date\`; weekly: its ISO week, Monday to Sunday; monthly: its calendar month. format=csv is UTF-8 with a byte-order mark (Excel); format=xlsx one sheet per section. ${definitions}`,
    request: {
      params: z.object({ kind: z.enum(reportKinds) }),
      query: z.object({
        region: RegionOrPrefectureCode.optional().openapi({ description: `${regionDescription} A prefecture's reports list its counties where a county's list its townships.` }),
        date: Day.optional().openapi({ description: 'a local day inside the period; default today' }),
        format: z.enum(['json', 'csv', 'xlsx']).default('json'),
        lang: z.enum(['zh', 'en']).optional().openapi({ description: 'headers of CSV/XLSX; default from Accept-Language, else Chinese' }),
      }),
    },
    responses: {
      200: { description: 'The report', content: {
        'application/json': { schema: Report },
        'text/csv': { schema: z.string() },
        [XLSX]: { schema: z.string().openapi({ format: 'binary' }) },
      } },
      ...problemResponses, ...notFoundResponse,
    },
  }), async (c) => {
    const { kind } = c.req.valid('param');
    const { region, date, format, lang: langParam } = c.req.valid('query');
    const user = c.get('user');
    if (!user) throw problem('auth.unauthenticated');
    const report = await buildReport(c.get('db'), user, kind, { region, date });
    if (format === 'json') return c.json(report, 200);
    const lang: Lang = langParam ?? (/^\s*en\b/i.test(c.req.header('accept-language') ?? '') ? 'en' : 'zh');
    const base = `${kind}-${report.region.code}-${report.from}${report.to !== report.from ? `_${report.to}` : ''}`;
    const disposition = (ext: string) => `attachment; filename="${base}.${ext}"; filename*=UTF-8''${encodeURIComponent(`${report.title[lang]}-${report.region.name}-${report.from}.${ext}`)}`;
    if (format === 'csv') {
      return c.body(reportCsv(report, lang), 200, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': disposition('csv') }) as never;
    }
    const body = await reportXlsx(report, lang);
    return c.body(new Uint8Array(body), 200, { 'content-type': XLSX, 'content-disposition': disposition('xlsx') }) as never;
  });
}
