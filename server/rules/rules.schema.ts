import { z } from '@hono/zod-openapi';
import { Geometry } from '../http/schemas.ts';

/** One violation of a rule, as a GeoJSON feature (rules.repository.ts violationFeatures). */
export const RuleViolation = z.object({
  type: z.literal('Feature'), id: z.number().int(), geometry: Geometry,
  properties: z.object({
    ruleId: z.number().int(), subjectName: z.string(), subjectCategory: z.string(),
    targetName: z.string().nullable(), targetCategory: z.string().nullable(),
    missing: z.array(z.object({ key: z.string(), name: z.string(), nameEn: z.string() })).nullable(),
    siteId: z.number().int(), regionCode: z.string(), gridId: z.number().int().nullable(),
    point: z.array(z.number()).openapi({ description: '[lon, lat] of the place to mark' }),
    distance_m: z.number().nullable().openapi({ description: 'spheroidal metres, 0.1 m; null when a required target is missing altogether' }),
    subject_id: z.number().int(), target_id: z.number().int().nullable(),
  }),
}).openapi('RuleViolation');

export const RuleSummary = z.object({
  id: z.number().int(), code: z.string(), name: z.string(), nameEn: z.string(), distanceM: z.number(),
  method: z.enum(['boundary', 'entrance', 'walking']), mode: z.enum(['forbidden', 'required', 'attributes']),
  severity: z.enum(['info', 'warning', 'serious']), basis: z.string(),
}).openapi('RuleSummary');

/** The buffer around each subject (`zones=true`). */
export const RuleZones = z.object({
  type: z.literal('FeatureCollection'),
  features: z.array(z.object({ type: z.literal('Feature'), geometry: Geometry,
    properties: z.object({ subject_id: z.number().int(), name: z.string(), distance_m: z.number() }) })),
}).openapi('RuleZones');

/** Violations of one rule (a run) or of every rule concerning one site (without `rule`). */
export const RuleViolations = z.object({
  type: z.literal('FeatureCollection'), rule: RuleSummary.optional(), features: z.array(RuleViolation), zones: RuleZones.optional(),
}).openapi('RuleViolations');
