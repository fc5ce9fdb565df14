/**
 * Test infrastructure: Debian's Chromium, launched headless for the browser tests and the console screenshots.
 * The machine has no network beyond package registries: without the background-networking flags Chromium's
 * own connections are refused many at a time, and a downloaded browser (`npx playwright install`) cannot be had.
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

const LAUNCH_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Launches Chromium, or fails with the install hint when it is missing (CI installs it). */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is needed at ${CHROMIUM_PATH} for the browser tests: install it with "apt-get update && apt-get install -y chromium" (CI does).`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: LAUNCH_ARGS });
}
