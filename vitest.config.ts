import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // PGlite with PostGIS takes ~1 GB per instance; two workers fit the 2-core machines we run on
    maxWorkers: 2,
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], environment: 'node' } },
      {
        test: {
          name: 'api', include: ['test/api/**/*.test.ts'], environment: 'node',
          globalSetup: ['test/support/global-setup.ts'], testTimeout: 30_000, hookTimeout: 180_000,
        },
      },
      {
        test: {
          name: 'e2e', include: ['test/e2e/**/*.e2e.test.ts'], environment: 'node',
          globalSetup: ['test/support/e2e-setup.ts'], setupFiles: ['test/support/e2e-hooks.ts'], testTimeout: 60_000, hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
