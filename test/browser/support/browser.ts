import fs from 'node:fs';
import path from 'node:path';
import { Browser, chromium, ConsoleMessage, Page } from 'playwright-core';
import { projectRoot } from '../../stack/support/stack';

/** Debian's chromium (apt-get install -y chromium); CHROMIUM_PATH points elsewhere. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const screenshotDir = path.join(projectRoot, 'test-results', 'screenshots');

// Headless, and quiet on the network: no first-run, sync, update or QUIC traffic, only the pages we open.
const args = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Launches chromium, or fails with the reason and the fix: these tests are never skipped. */
export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(chromiumPath)) {
    throw new Error(
      `The browser tests need Chromium at ${chromiumPath} and there is none. ` +
        'Install it with `apt-get install -y chromium`, or set CHROMIUM_PATH to a Chromium binary.',
    );
  }
  return chromium.launch({ executablePath: chromiumPath, args, headless: true, timeout: 60_000 });
}

export interface WatchedPage {
  page: Page;
  /** console errors and uncaught page errors, as "url: text" lines. */
  errors: string[];
}

/**
 * A fresh page that records every console error and uncaught exception. `expectedStatusUrl` names the one
 * document whose non-2xx status is the point of the test (404, 50x): Chromium reports such a main-document
 * response as a console error ("Failed to load resource"), which is then not the page's fault.
 */
export async function watchedPage(
  browser: Browser,
): Promise<WatchedPage & { expectStatusOf(url: string): void }> {
  const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
  const page = await context.newPage();
  const errors: string[] = [];
  const expected = new Set<string>();
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() !== 'error') return;
    const url = message.location().url;
    if (expected.has(url) && message.text().startsWith('Failed to load resource')) return;
    errors.push(`${url}: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  return { page, errors, expectStatusOf: (url) => expected.add(url) };
}

/** Full-page screenshot at test-results/screenshots/<name>.png; returns the path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
