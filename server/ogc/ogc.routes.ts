import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../http/env.ts';

/** OGC API – Features, Part 1, under /ogc (issue 7, being built). */
export function ogcRoutes() {
  return new OpenAPIHono<AppEnv>();
}
