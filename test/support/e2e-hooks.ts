/**
 * Runs in every browser test file (the e2e project's setupFiles): a test during which any watched
 * page raised an uncaught exception, an unhandled rejection or a console.error fails, unless the test
 * declared it with `allowPageErrors` (test/support/browser.ts). Errors raised while a beforeAll set
 * pages up count against the file's first test; errors after the last test fail the file's afterAll.
 */
import { afterAll, afterEach } from 'vitest';
import { takePageProblems } from './browser.ts';

function assertNoPageProblems() {
  const problems = takePageProblems();
  if (problems.length) throw new Error(`the page raised ${problems.length} error(s):\n${problems.join('\n')}`);
}

afterEach(assertNoPageProblems);
afterAll(assertNoPageProblems);
