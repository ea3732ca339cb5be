import { type Browser, chromium } from 'playwright-core';

/**
 * Debian's Chromium, headless, rendering WebGL through SwiftShader; the background-networking
 * flags keep it from calling out (the machine has no internet, and the tests assert no request
 * leaves the server). See STACK-NOTES.md.
 *
 * Contexts bypass the Content-Security-Policy unless a test asks otherwise (`bypassCSP: false`):
 * tests pass page-side code as strings to evaluate/waitForFunction, which the policy forbids.
 * test/e2e/csp.e2e.test.ts loads the app under the policy.
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
  browser.newContext = (options = {}) => newContext({ bypassCSP: true, ...options });
  browser.newPage = (options = {}) => newPage({ bypassCSP: true, ...options });
  return browser;
}
