import { type Browser, type BrowserContext, type Page, chromium } from 'playwright-core';

/**
 * Debian's Chromium, headless, rendering WebGL through SwiftShader; the background-networking
 * flags keep it from calling out (the machine has no internet, and the tests assert no request
 * leaves the server). See STACK-NOTES.md.
 *
 * Contexts bypass the Content-Security-Policy unless a test asks otherwise (`bypassCSP: false`):
 * tests pass page-side code as strings to evaluate/waitForFunction, which the policy forbids.
 * test/e2e/csp.e2e.test.ts loads the app under the policy.
 *
 * Every page of every context is watched for errors (see `pageProblems`): test/support/e2e-hooks.ts
 * fails the test during which one occurred, so a new browser test file gets this without asking.
 */
export async function launchChromium(): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      '--enable-unsafe-swiftshader',
    ],
  });
  const newContext = browser.newContext.bind(browser);
  const newPage = browser.newPage.bind(browser);
  browser.newContext = async (options = {}) => watchContext(await newContext({ bypassCSP: true, ...options }));
  // (Browser.newPage opens its context through this.newContext, i.e. the wrapper above)
  browser.newPage = (options = {}) => newPage({ bypassCSP: true, ...options });
  return browser;
}

/**
 * Errors the watched pages raised since the last `takePageProblems`: uncaught exceptions,
 * unhandled rejections (both 'pageerror'), console.error messages and 5xx answers to the page.
 */
const problems: string[] = [];
const allowed: Array<{ pattern: RegExp; why: string; seen: number }> = [];

function watchContext(context: BrowserContext): BrowserContext {
  // Playwright's 30 s per action is a deadline for a hang; a loaded machine (SwiftShader drawing the
  // map on a shared CPU) needs more, and a quiet one never waits for it
  context.setDefaultTimeout(90_000);
  context.on('page', watchPage);
  return context;
}

function watchPage(page: Page) {
  page.on('pageerror', (error) => {
    problems.push(`uncaught error on ${page.url()}: ${error.stack ?? error.message}`);
  });
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    // the browser logs every 4xx answer as "Failed to load resource" (e.g. GET /api/auth/me before
    // signing in is 401): an answered 4xx is the API's documented behaviour, not a page error. A 5xx is
    // one, and is reported by the 'response' listener below with its URL.
    if (/^Failed to load resource: the server responded with a status of \d{3}/.test(message.text())) return;
    const where = message.location().url ? ` (${message.location().url}:${message.location().lineNumber})` : '';
    problems.push(`console.error on ${page.url()}: ${message.text()}${where}`);
  });
  page.on('response', (response) => {
    if (response.status() >= 500) problems.push(`${response.status()} answer on ${page.url()}: ${response.request().method()} ${response.url()}`);
  });
}

/**
 * Says that the current test expects page errors matching `pattern` (why: what the test provokes,
 * e.g. a refused login logs the browser's "status of 401"); they then do not fail it. Holds until
 * the end of the test.
 */
export function allowPageErrors(pattern: RegExp, why: string): void {
  if (!why) throw new Error('allowPageErrors needs a reason');
  allowed.push({ pattern, why, seen: 0 });
}

/** The page errors collected so far that no `allowPageErrors` of this test covers; resets both lists. */
export function takePageProblems(): string[] {
  const unexpected = problems.filter((p) => !allowed.some((a) => a.pattern.test(p) && ++a.seen));
  problems.length = 0;
  allowed.length = 0;
  return unexpected;
}
