import { z } from '@hono/zod-openapi';
import { featureCollection } from '../http/schemas.ts';

/** A grid of a draft with its workload against the norm (plans.repository.ts planGrids). */
const PlanGridProperties = z.object({
  id: z.number().int(), sourceGridId: z.number().int().nullable(), sourceCode: z.string().nullable(), name: z.string(), villageCode: z.string(),
  areaM2: z.number(), households: z.number().int(), population: z.number().int(),
  sites: z.record(z.string(), z.number().int()).openapi({ description: 'key sites per category inside the grid' }),
  incidents12m: z.number().int(), target: z.number(), normStatus: z.enum(['low', 'ok', 'high']),
});

/** A gap, overlap, part outside its village, multi-part grid or sliver (grids/validation.repository.ts). */
export const CoverageProblemProperties = z.object({
  kind: z.enum(['gap', 'overlap', 'outside', 'multipart', 'sliver']), villageCode: z.string(),
  gridIds: z.array(z.number().int()), gridCodes: z.array(z.string()), areaM2: z.number(), thinness: z.number(), sliver: z.boolean(),
});

export const PlanValidation = z.object({
  summary: z.object({
    gaps: z.number().int(), overlaps: z.number().int(), outside: z.number().int(), multipart: z.number().int(),
    slivers: z.number().int(), publishable: z.boolean(),
  }),
  problems: featureCollection('PlanCoverageProblems', CoverageProblemProperties),
}).openapi('PlanValidation');

export const PlanGrids = featureCollection('PlanGrids', PlanGridProperties);

/** What publishing would do (plans.publish.ts previewPlan). */
export const PlanPreview = z.object({
  summary: z.object({ unchanged: z.number().int(), changed: z.number().int(), added: z.number().int(), removed: z.number().int() }),
  grids: z.array(z.object({
    planGridId: z.number().int().nullable(), gridId: z.number().int().nullable(), code: z.string(), name: z.string(), villageCode: z.string(),
    outcome: z.enum(['unchanged', 'changed', 'added', 'removed']).openapi({ description: 'unchanged grids are left out' }),
  })),
  members: z.array(z.object({
    assignmentId: z.number().int(), personId: z.number().int(), name: z.string(), duty: z.string(), gridCode: z.string(),
    outcome: z.enum(['carried', 'ends']),
  })),
  sitesMoving: z.array(z.object({ id: z.number().int(), name: z.string(), category: z.string(), fromCode: z.string(), toCode: z.string().nullable() })),
  incidentsMoving: z.array(z.object({ id: z.number().int(), code: z.string(), title: z.string(), fromCode: z.string(), toCode: z.string().nullable() })),
}).openapi('PlanPreview');

/** What publishing did (plans.publish.ts publishPlan). */
export const PublishResult = z.object({
  closed: z.number().int(), inserted: z.number().int(), sitesRehomed: z.number().int(), incidentsRehomed: z.number().int(),
}).openapi('PublishResult');
