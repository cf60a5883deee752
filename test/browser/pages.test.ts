import { Browser, Page } from 'playwright-core';
import { docker } from '../support/docker';
import { httpClient, suffix, uncached } from '../support/http';
import { apiWrite, registerAccount } from '../support/accounts';
import { resource } from '../../app/src/resource';
import { postDetailPattern, postFields, postPaths, validPost, withLongText } from '../support/posts';
import { appName, welcomeText } from '../support/product';
import { Stack, startStack } from '../support/stack';
import { eventually } from '../support/wait';
import { launchChromium, screenshot, seriousA11yViolations, watchedPage } from '../support/browser';

// A real browser (a system Chromium, or Playwright's) against the real compose stack, only through nginx.
jest.setTimeout(300_000);

let browser: Browser;
let stack: Stack;

beforeAll(async () => {
  browser = await launchChromium(); // first: without chromium there is no point starting the stack
  stack = await startStack({ label: 'browser' });
});

afterAll(async () => {
  await browser?.close();
  await stack?.down();
});

/** A URL path pattern for the detail page (postDetailPattern without its anchors), for page.waitForURL. */
const detailUrl = new RegExp(`${postDetailPattern.source.replace(/^\^/, '')}`);
const listUrl = new RegExp(`${postPaths.list}$`);

const url = (path: string) => `${stack.baseUrl}${path}`;

/** Waits until `text` is rendered and visible (not merely present in the HTML). */
async function expectVisible(page: Page, text: string | RegExp): Promise<void> {
  await page.getByText(text).first().waitFor({ state: 'visible', timeout: 10_000 });
}

async function postTitlesOnPage(page: Page): Promise<string[]> {
  return (await page.locator('li.item h3 a').allInnerTexts()).map((t) => t.trim());
}

it('home page: welcome text, version and links, no console errors', async () => {
  const { page, errors } = await watchedPage(browser);

  const response = await page.goto(url('/'));
  await expectVisible(page, welcomeText);
  await expectVisible(page, 'The app is running correctly.');
  await screenshot(page, 'home');

  expect(response?.status()).toBe(200);
  expect(await page.title()).toContain(appName);
  expect(await page.getByTestId('version').innerText()).toMatch(/^\d+\.\d+\.\d+/);
  expect(errors).toEqual([]);
  await page.context().close();
});

it('posts list: 20 posts on page 1, "Older" goes to the next older posts (by cursor)', async () => {
  const { page, errors } = await watchedPage(browser);

  await page.goto(url(postPaths.list));
  await expectVisible(page, /page 1 of \d+/);
  const firstPage = await postTitlesOnPage(page);
  await screenshot(page, 'posts-page-1');
  await page.locator('a[rel="next"]').click();
  await page.waitForURL(/[?&]before=[A-Za-z0-9_-]+/);
  const secondPage = await postTitlesOnPage(page);
  await screenshot(page, 'posts-page-2');

  expect(await page.title()).toContain(appName);
  expect(firstPage).toHaveLength(20);
  expect(secondPage.length).toBeGreaterThan(0);
  expect(secondPage.filter((title) => firstPage.includes(title))).toEqual([]);
  expect(await page.locator('a[rel="first"]').innerText()).toContain('Newest');
  for (const title of secondPage.slice(0, 3)) await expectVisible(page, title);
  expect(errors).toEqual([]);
  await page.context().close();
});

it('opens a post from the list and shows its title and body', async () => {
  const { page, errors } = await watchedPage(browser);
  await page.goto(url(postPaths.list));
  const first = page.locator('li.item').first();
  const title = (await first.locator('h3 a').innerText()).trim();

  await first.locator('h3 a').click();
  await page.waitForURL(detailUrl);
  await page.locator('article.item-detail h1').waitFor({ state: 'visible' });
  await screenshot(page, 'post-detail');

  expect((await page.locator('article.item-detail h1').innerText()).trim()).toBe(title);
  expect(await page.title()).toContain(title);
  expect((await page.locator('article.item-detail .text').innerText()).trim().length).toBeGreaterThan(0);
  expect(await page.locator('article.item-detail .text').isVisible()).toBe(true);
  expect(errors).toEqual([]);
  await page.context().close();
});

it('registers, writes, edits and deletes a post, logs out and back in, all by keyboard-reachable forms', async () => {
  const { page, errors } = await watchedPage(browser);
  const username = `browser-${suffix()}`;
  const password = `pw-${suffix()}-${suffix()}`;
  const name = `Browser ${suffix()}`;
  const input = validPost('Browser post');
  const { title } = input;
  await page.goto(url('/'));

  // Register: the header's "Log in", then "Register".
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Log in' }).click();
  await page.getByRole('link', { name: 'Register' }).click();
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Display name').fill(name);
  await page.getByLabel('Password').fill(password);
  await screenshot(page, 'register');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL(/\/account$/);
  await expectVisible(page, `Signed in as ${name}`);

  // Write, by keyboard alone: focus the title, type, Tab to the body, Enter on the button.
  const newLink = resource.links.nav.find((link) => link.href === postPaths.newForm)!;
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: newLink.label }).click();
  await page.waitForURL(new RegExp(`${postPaths.newForm}$`));
  await page.getByLabel('Title').focus();
  for (const [i, field] of postFields.entries()) {
    if (i > 0) await page.keyboard.press('Tab');
    await page.keyboard.type(input[field]);
  }
  await screenshot(page, 'post-new-form');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await page.waitForURL(detailUrl);
  await expectVisible(page, title);
  await expectVisible(page, `by ${name}`);
  await screenshot(page, 'post-created');

  // Edit.
  await page.getByRole('link', { name: 'Edit' }).click();
  await page.getByLabel('Title').fill(`${title} (edited)`);
  await page.getByRole('button', { name: 'Save' }).click();
  await page.waitForURL(detailUrl);
  await expectVisible(page, `${title} (edited)`);
  const postPath = new URL(page.url()).pathname;

  // Delete, with the confirmation page.
  await page.getByRole('link', { name: 'Delete' }).click();
  await expectVisible(page, /^Delete this \w+\?$/);
  await page.getByRole('button', { name: 'Delete' }).click();
  await page.waitForURL(listUrl);
  expect(await postTitlesOnPage(page)).not.toContain(`${title} (edited)`);
  expect((await page.goto(url(postPath)))?.status()).toBe(404);

  // Log out, then log in again and land where the login began.
  await page.goto(url('/'));
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.waitForURL(url('/'));
  await expectVisible(page, 'Log in');
  await page.goto(url(postPaths.newForm));
  await page.waitForURL(/\/login\?next=/);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(new RegExp(`${postPaths.newForm}$`));

  expect(errors.filter((e) => !e.includes(postPath))).toEqual([]);
  await page.context().close();
});

describe('every page, for everyone who may see it', () => {
  /** Pages as an anonymous visitor, then as a signed-in author (their forms and their own post). */
  const anonymousPages = () => ['/', postPaths.list, '/login', '/register', `/no-such-page-${suffix()}`];
  const signedInPages = (postId: string) => [
    postPaths.detail(postId),
    postPaths.newForm,
    postPaths.edit(postId),
    postPaths.remove(postId),
    '/account',
  ];

  it('has no serious or critical axe-core violation, and fits a 375-pixel-wide screen', async () => {
    const { page, errors, expectStatusOf } = await watchedPage(browser, { width: 375, height: 740 });
    const account = await registerAccount(stack.baseUrl, 'a11y');
    const created = await httpClient(stack.baseUrl).post(postPaths.api, validPost('Axe'), {
      headers: apiWrite(account),
    });
    expect(created.status).toBe(201);
    const overflow = () => page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    const found: Record<string, string[]> = {};
    const widths: Record<string, number> = {};
    const visit = async (path: string, shot: string) => {
      expectStatusOf(url(path));
      await page.goto(url(path));
      found[path] = await seriousA11yViolations(page);
      widths[path] = await overflow();
      await screenshot(page, `375-${shot}`);
    };

    for (const path of anonymousPages())
      await visit(path, path === '/' ? 'home' : path.split('/')[1]!.slice(0, 12));
    const [sid, value] = account.cookie.split('=');
    await page.context().addCookies([{ name: sid!, value: value!, url: stack.baseUrl }]);
    for (const [i, path] of signedInPages(created.data.id).entries()) await visit(path, `signed-in-${i}`);

    console.log(
      `[browser] axe-core on ${Object.keys(found).length} pages at 375 px: ${JSON.stringify(found)}`,
    );
    expect(Object.values(found).flat()).toEqual([]);
    expect(Object.entries(widths).filter(([, w]) => w > 0)).toEqual([]);
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('reaches every link and button of a signed-in page by Tab alone, each with a visible focus', async () => {
    const { page } = await watchedPage(browser);
    const account = await registerAccount(stack.baseUrl, 'keys');
    const [sid, value] = account.cookie.split('=');
    await page.context().addCookies([{ name: sid!, value: value!, url: stack.baseUrl }]);
    await page.goto(url('/account'));

    const focusable = await page.locator('a[href], button, input:not([type=hidden]), textarea').count();
    const reached = new Set<string>();
    for (let i = 0; i < focusable + 2; i++) {
      await page.keyboard.press('Tab');
      const focused = await page.evaluate<string>(
        "(() => { const e = document.activeElement; const s = getComputedStyle(e); return e === document.body ? '' : e.outerHTML.slice(0, 80) + '|' + s.outlineStyle; })()",
      );
      if (focused) reached.add(focused);
    }

    expect(reached.size).toBe(focusable);
    expect([...reached].filter((f) => f.endsWith('|none'))).toEqual([]);
    await page.context().close();
  });
});

it('keeps a post of 150- and 400-letter words inside a 375-pixel-wide screen, in the list and on its page', async () => {
  const word = 'W'.repeat(150);
  const account = await registerAccount(stack.baseUrl, 'words');
  const created = await httpClient(stack.baseUrl).post(
    postPaths.api,
    withLongText(validPost(word), 400, 'B'),
    {
      headers: apiWrite(account),
    },
  );
  expect(created.status).toBe(201);
  const { page, errors } = await watchedPage(browser, { width: 375, height: 740 });
  // How far the page is wider than the screen (evaluated in the page, hence a string: no DOM types here).
  const overflow = () => page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');

  await page.goto(url(postPaths.list));
  await expectVisible(page, word.slice(0, 20));
  const inList = await overflow();
  await page.goto(url(postPaths.detail(created.data.id)));
  await page.locator('article.item-detail h1').waitFor({ state: 'visible' });
  await screenshot(page, 'post-detail-375');
  const onPage = await overflow();

  expect(inList).toBeLessThanOrEqual(0);
  expect(onPage).toBeLessThanOrEqual(0);
  expect(errors).toEqual([]);
  await page.context().close();
});

it('shows the 404 page for an unknown address', async () => {
  const { page, errors, expectStatusOf } = await watchedPage(browser);
  const missing = url(`/no-such-page-${suffix()}`);
  expectStatusOf(missing);

  const response = await page.goto(missing);
  await expectVisible(page, '404 · Not found');
  await screenshot(page, '404');

  expect(response?.status()).toBe(404);
  expect(await page.title()).toContain(appName);
  expect(await page.getByRole('link', { name: 'Home' }).last().isVisible()).toBe(true);
  expect(errors).toEqual([]);
  await page.context().close();
});

it("shows nginx's friendly 50x page while the app is down, and the posts again once it is back", async () => {
  const { page, errors, expectStatusOf } = await watchedPage(browser);
  // A cookie takes this browser past nginx's micro-cache: in the first second after the stop it would still
  // get the stored page, whose stylesheet the stopped app can no longer serve. This test is about the 50x page.
  const [cookieName, cookieValue] = uncached.cookie.split('=') as [string, string];
  await page.context().addCookies([{ name: cookieName, value: cookieValue, url: stack.baseUrl }]);
  const postsUrl = url(postPaths.list);
  expectStatusOf(postsUrl);
  const app = await stack.idOf('app');

  await docker(['stop', app]);
  let status = 0;
  try {
    status = await eventually(async () => {
      const code = (await page.goto(postsUrl))?.status();
      expect([502, 503, 504]).toContain(code);
      return code!;
    });
    await expectVisible(page, 'Service temporarily unavailable');
    await screenshot(page, '503');
  } finally {
    await docker(['start', app]);
  }
  const titleWhileDown = await page.title();
  const back = await eventually(
    async () => {
      const code = (await page.goto(postsUrl))?.status();
      expect(code).toBe(200);
      return code;
    },
    { timeoutMs: 90_000, everyMs: 1_000 },
  );
  await expectVisible(page, /page 1 of \d+/);
  await screenshot(page, 'posts-after-recovery');

  console.log(`[browser] nginx answered ${status} with its friendly page while the app was stopped`);
  expect([502, 503, 504]).toContain(status);
  expect(titleWhileDown).toBe('Service temporarily unavailable');
  expect(back).toBe(200);
  expect(errors).toEqual([]);
  await page.context().close();
});

it('shows the API console (Swagger UI from the app, under its CSP) with every operation', async () => {
  const { page, errors } = await watchedPage(browser);

  await page.goto(url('/api/docs'));
  const document = (
    await httpClient(stack.baseUrl).get<{ paths: Record<string, Record<string, { summary: string }>> }>(
      '/api/openapi.json',
    )
  ).data;
  const summaries = Object.values(document.paths).flatMap((item) =>
    Object.values(item).map((op) => op.summary),
  );
  await expectVisible(page, summaries[0]!);
  await screenshot(page, 'api-docs');

  expect(summaries.length).toBeGreaterThanOrEqual(5);
  for (const summary of summaries) await expectVisible(page, summary);
  expect(errors).toEqual([]);
  await page.context().close();
});
