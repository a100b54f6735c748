/**
 * Debian's Chromium driven by playwright-core (no browser download): the flags keep it off the network
 * and out of any profile; Playwright gives it a fresh, empty user-data directory.
 */
import { accessSync, constants } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Where Debian's `chromium` package installs the browser. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Why browser tests skip here, or undefined when Chromium is installed. */
export const chromiumSkipReason: string | undefined = (() => {
  try {
    accessSync(CHROMIUM_PATH, constants.X_OK);
    return undefined;
  } catch {
    return 'SKIPPED: Chromium is not installed (apt-get install -y chromium)';
  }
})();

/**
 * Launches headless Chromium.
 *
 * @returns The browser; close it when done.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
