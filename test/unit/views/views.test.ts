import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { VIEWS_DIR } from '../../../app/src/paths';
import { HOSTILE, VIEW_FIXTURES } from './fixtures';
import { legacyDetail } from '../../support/posts';
import { renderView, TEST_APP_NAME_HTML, TEST_VERSION, titleOf, viewApp } from './render';
import { escapeRegExp } from '../../support/regexp';

/** Every page under app/views (partials are rendered through them), as names res.render takes. */
function pageViews(dir = VIEWS_DIR): string[] {
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ejs') && !file.startsWith(`partials${path.sep}`))
    .map((file) => file.slice(0, -'.ejs'.length).split(path.sep).join('/'))
    .sort();
}

describe('views', () => {
  const app = viewApp();

  it('has a fixture for every page, and no fixture for a page that is gone', () => {
    expect(pageViews()).toEqual(Object.keys(VIEW_FIXTURES).sort());
  });

  describe.each(pageViews())('%s', (view) => {
    let html: string;
    beforeAll(async () => {
      const fixture = VIEW_FIXTURES[view];
      if (!fixture) throw new Error(`no fixture for ${view} in test/unit/views/fixtures.ts`);
      html = await renderView(app, view, fixture.locals);
    });

    it('names the app (APP_NAME, escaped) in the title and the header', () => {
      expect(titleOf(html)).toMatch(new RegExp(` · ${escapeRegExp(TEST_APP_NAME_HTML)}$`));
      expect(html).toContain(`<a class="brand" href="/">${TEST_APP_NAME_HTML}</a>`);
    });

    it('shows the request id on error pages only (other pages stay the same for every request)', () => {
      const isError = Number(VIEW_FIXTURES[view]?.locals.status ?? 200) >= 400;
      expect(html.includes('req-1234')).toBe(isError);
    });

    it('escapes user-provided text', () => {
      expect(html).not.toContain(HOSTILE);
      expect(html).not.toMatch(/<script/i);
    });

    it('shows its key content', () => {
      for (const text of VIEW_FIXTURES[view]!.expect) expect(html).toContain(text);
    });

    it('links the stylesheet by content hash and shows the version in the footer', () => {
      expect(html).toMatch(/<link rel="stylesheet" href="\/public\/css\/site\.css\?v=[0-9a-f]{12}">/);
      expect(html).toContain(`version ${TEST_VERSION}`);
    });
  });

  it('welcomes with the app name and lists the links features added', async () => {
    const withLink = viewApp();
    (withLink.locals.homeLinks as { href: string; label: string }[]).push({
      href: '/feature',
      label: `A feature ${HOSTILE}`,
    });

    const html = await renderView(withLink, 'home', VIEW_FIXTURES.home!.locals);

    expect(html).toContain(`<h1>Welcome to ${TEST_APP_NAME_HTML}</h1>`);
    expect(html).toMatch(/<a href="\/feature">A feature &lt;script&gt;/);
  });

  it('shows a document written by the original app (no author, no timestamps)', async () => {
    const html = await renderView(app, legacyDetail.view, legacyDetail.locals);

    expect(html).toContain(`<h1>${legacyDetail.locals.title}</h1>`);
    expect(html).not.toContain('class="meta"');
  });

  it('fails on a broken template (what a syntax error in a view looks like here)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'views-'));
    const broken = path.join(dir, 'broken.ejs');
    fs.writeFileSync(broken, "<%- include('partials/header') %>\n<% if (true) { %>\n<p>unclosed</p>\n");

    try {
      await expect(renderView(app, broken, {})).rejects.toThrow();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails when a page uses a local its route does not pass', async () => {
    await expect(renderView(app, legacyDetail.view, {})).rejects.toThrow(/ is not defined/);
  });
});
