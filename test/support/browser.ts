import fs from 'node:fs';
import path from 'node:path';
import { Browser, chromium, ConsoleMessage, Page } from 'playwright-core';
import { projectRoot } from './stack';

export const screenshotDir = path.join(projectRoot, 'test-results', 'screenshots');
/** The README's pictures. `npm run screenshots` (SCREENSHOTS_TO_DOCS=1) rewrites each one a test takes. */
export const docsScreenshotDir = path.join(projectRoot, 'docs', 'screenshots');

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

const SYSTEM_PATHS = [
  '/usr/bin/chromium',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
];
const SYSTEM_COMMANDS = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

/** The first PATH entry holding `command`, or undefined. */
function onPath(command: string): string | undefined {
  return (process.env.PATH ?? '')
    .split(path.delimiter)
    .filter(Boolean)
    .map((dir) => path.join(dir, command))
    .find((file) => fs.existsSync(file));
}

/**
 * Which browser to run: CHROMIUM_PATH when set (and it must exist), else a system Chromium or Chrome, else
 * the browser `npx playwright install chromium` downloaded (undefined: playwright-core finds its own).
 * Throws, saying exactly what to install, when there is none: these tests are never skipped.
 */
export function chooseChromium(): { executablePath?: string; description: string } {
  const configured = process.env.CHROMIUM_PATH;
  if (configured) {
    if (!fs.existsSync(configured))
      throw new Error(`CHROMIUM_PATH is ${configured}, and there is no file there. Fix or unset it.`);
    return { executablePath: configured, description: `CHROMIUM_PATH (${configured})` };
  }
  const system =
    SYSTEM_PATHS.find((file) => fs.existsSync(file)) ?? SYSTEM_COMMANDS.map(onPath).find(Boolean);
  if (system) return { executablePath: system, description: `system browser ${system}` };
  const playwrights = chromium.executablePath();
  if (fs.existsSync(playwrights)) return { description: `Playwright's chromium (${playwrights})` };
  throw new Error(
    'The browser tests need Chromium and found none. Looked for CHROMIUM_PATH (unset), ' +
      `${SYSTEM_PATHS.join(', ')}, ${SYSTEM_COMMANDS.join('/')} on PATH, and Playwright's browser at ${playwrights}. ` +
      "Install one: `npx playwright install chromium` (any OS; downloads Playwright's build), or " +
      '`apt-get install -y chromium` (Debian/Ubuntu), or set CHROMIUM_PATH to a Chromium or Chrome binary.',
  );
}

/** Launches Chromium (see chooseChromium), or fails with the reason and the fix. */
export async function launchChromium(): Promise<Browser> {
  const { executablePath, description } = chooseChromium();
  console.log(`[browser] ${description}`);
  try {
    return await chromium.launch({ executablePath, args, headless: true, timeout: 60_000 });
  } catch (error) {
    throw new Error(
      `Could not start ${description}: ${(error as Error).message}\n` +
        "If it is Playwright's own browser, `npx playwright install chromium` (re)installs it; " +
        'CHROMIUM_PATH can point at another Chromium or Chrome binary.',
    );
  }
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
  viewport = { width: 1100, height: 800 },
): Promise<WatchedPage & { expectStatusOf(url: string): void }> {
  const context = await browser.newContext({ viewport });
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

/**
 * Full-page screenshot at test-results/screenshots/<name>.png; returns the path. With SCREENSHOTS_TO_DOCS=1
 * it also replaces docs/screenshots/<name>.png when that file exists (add a file there to make it one).
 */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  const docs = path.join(docsScreenshotDir, `${name}.png`);
  if (process.env.SCREENSHOTS_TO_DOCS === '1' && fs.existsSync(docs)) fs.copyFileSync(file, docs);
  return file;
}

/**
 * axe-core's serious and critical violations on the page as it is now (WCAG 2 A/AA rules), as
 * "rule: target" lines: [] when there are none.
 */
export async function seriousA11yViolations(page: Page): Promise<string[]> {
  const { default: AxeBuilder } = await import('@axe-core/playwright');
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(' ')}`));
}
