import type { TestProject } from 'vitest/node';
import { ensurePgliteTemplate, ensurePostgresTemplate } from './template.ts';

/** Builds the migrated, demo-loaded template once per run; test files clone it. */
export default async function setup(project: TestProject) {
  const databaseUrl = process.env.DATABASE_URL;
  if (databaseUrl) project.provide('postgresTemplate', await ensurePostgresTemplate(databaseUrl));
  else project.provide('pgliteTemplate', await ensurePgliteTemplate());
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplate?: string;
    postgresTemplate?: string;
  }
}
