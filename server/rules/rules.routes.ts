import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { AppEnv } from '../http/env.ts';
import { problem } from '../http/problem.ts';
import { Id, RegionOrPrefectureCode, notFoundResponse, problemResponses, problems, validationHook, writeResponses } from '../http/schemas.ts';
import { regionForCaller } from '../regions/regions.repository.ts';
import { listRules, ruleSummary, ruleZones, runRule, violationFeatures } from './rules.repository.ts';
import { RuleViolations } from './rules.schema.ts';

const Rule = z.object({
  id: z.number().int(), code: z.string(), name: z.string(), nameEn: z.string(), subjectCategories: z.array(z.string()),
  targetCategories: z.array(z.string()), subjectFilter: z.record(z.string(), z.unknown()).nullable(), distanceM: z.number(),
  method: z.enum(['boundary', 'entrance', 'walking']), mode: z.enum(['forbidden', 'required', 'attributes']),
  severity: z.enum(['info', 'warning', 'serious']), basis: z.string(), enabled: z.boolean(),
  requirements: z.array(z.object({ key: z.string(), name: z.string(), nameEn: z.string(), path: z.array(z.string()),
    test: z.enum(['positive', 'contact', 'present']) })).nullable(),
  nearHouseholds: z.boolean(),
}).openapi('Rule');

export function ruleRoutes() {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })

  .openapi(createRoute({
    method: 'get', path: '/', tags: ['rules'], summary: 'Spatial rules (data): subjects, targets, distance, method, legal basis',
    responses: { 200: { description: 'Rules', content: { 'application/json': { schema: z.object({ items: z.array(Rule) }) } } }, ...problemResponses },
  }), async (c) => c.json({ items: (await listRules(c.get('db'))) }, 200))

  .openapi(createRoute({
    method: 'post', path: '/{id}/run', tags: ['rules'],
    summary: 'Run a rule over a region: violations as GeoJSON (shortest line, or the place lacking a required target) with geodesic distance_m; zones=true adds the buffer around each subject',
    request: { params: z.object({ id: Id }), query: z.object({ region: RegionOrPrefectureCode.openapi({ description: 'a region, or a 4-digit prefecture for accounts whose scope covers it' }), zones: z.enum(['true', 'false']).default('false') }) },
    responses: { 200: { description: 'Violations', content: { 'application/json': { schema: RuleViolations } } }, ...writeResponses, ...notFoundResponse,
      422: { ...problems[422], description: 'The rule cannot be run here (walking distance needs a road network)' } },
  }), async (c) => {
    const db = c.get('db');
    const { id } = c.req.valid('param');
    const rule = (await listRules(db)).find((r) => r.id === id);
    if (!rule) throw problem('rule.not-found');
    if (rule.method === 'walking') {
      throw problem('rule.walking-unsupported');
    }
    const prefix = (await regionForCaller(db, c.get('user')!.scopeCode, c.req.valid('query').region))?.prefix;
    if (!prefix) throw problem('region.not-found');
    const { zones } = c.req.valid('query');
    const violations = await runRule(db, rule, { prefix });
    return c.json({
      type: 'FeatureCollection' as const,
      rule: ruleSummary(rule),
      features: violationFeatures(violations),
      ...(zones === 'true' ? { zones: await ruleZones(db, rule, { prefix }) } : {}),
    }, 200);
  });
}
