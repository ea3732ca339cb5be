import { type Browser, chromium } from 'playwright-core';

/**
 * Debian's Chromium, headless, rendering WebGL through SwiftShader; the background-networking
 * flags keep it from calling out (the machine has no internet, and the tests assert no request
 * leaves the server). See STACK-NOTES.md.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
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
}
