import { defineConfig } from 'vitest/config';
import { ProcessesFirst } from './test/support/sequencer.ts';

export default defineConfig({
  test: {
    // PGlite with PostGIS takes ~1 GB per instance; two workers fit the 2-core machines we run on
    maxWorkers: 2,
    // the files that start server processes first (test/support/sequencer.ts): the two workers finish together
    sequence: { sequencer: ProcessesFirst },
    // Timeouts are deadlines for hangs, not speed targets: they hold on a machine loaded several
    // times over (tests wait for conditions with test/support/wait.ts, never for a fixed time), so a
    // loaded machine makes the run slower but not red. A test that needs more says so itself.
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], environment: 'node' } },
      {
        test: {
          name: 'api', include: ['test/api/**/*.test.ts'], environment: 'node',
          globalSetup: ['test/support/global-setup.ts'], testTimeout: 120_000, hookTimeout: 600_000,
          // One worker process runs many files (no fresh fork and server import per file): each file
          // still opens its own fresh database clone, and the server keeps no per-database state in
          // modules (its caches are keyed by content), so files cannot see each other's data.
          isolate: false,
        },
      },
      {
        test: {
          name: 'e2e', include: ['test/e2e/**/*.e2e.test.ts'], environment: 'node',
          globalSetup: ['test/support/e2e-setup.ts'], setupFiles: ['test/support/e2e-hooks.ts'], testTimeout: 180_000, hookTimeout: 600_000,
          // expect.poll waits for a condition; its default deadline (1 s) fails on a loaded machine
          expect: { poll: { timeout: 60_000, interval: 100 } },
          fileParallelism: false,
        },
      },
    ],
  },
});
