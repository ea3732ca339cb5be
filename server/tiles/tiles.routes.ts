import { OpenAPIHono } from '@hono/zod-openapi';
import type { DbKind } from '../db/connection.ts';
import type { AppEnv } from '../http/env.ts';

/** Vector tiles: GET /tiles/{layer}/{z}/{x}/{y}.mvt (issue 7, being built). */
export function tileRoutes(_kind: DbKind) {
  return new OpenAPIHono<AppEnv>();
}
