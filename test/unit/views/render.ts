import express, { type Express } from 'express';
import { configureViews } from '../../../app/src/app';

/** HTML-special characters on purpose: every page must escape the name, not just show it. */
export const TEST_APP_NAME = 'Acme <Notes> & Co';
export const TEST_APP_NAME_HTML = 'Acme &lt;Notes&gt; &amp; Co';
export const TEST_VERSION = '1.2.3-test';

/** An Express app with exactly the view settings and locals createApp() uses, and no routes or database. */
export function viewApp(): Express {
  const app = express();
  configureViews(app, { appName: TEST_APP_NAME, env: 'test', version: TEST_VERSION });
  return app;
}

/** Renders a view (a name under app/views, or an absolute path) as res.render would, without HTTP. */
export function renderView(app: Express, view: string, locals: Record<string, unknown>): Promise<string> {
  return new Promise((resolve, reject) => {
    app.render(view, locals, (err, html) => (err ? reject(err) : resolve(html)));
  });
}

/** The page's <title> text, still HTML-escaped. */
export function titleOf(html: string): string {
  const match = /<title>([^<]*)<\/title>/.exec(html);
  if (!match) throw new Error('the page has no <title>');
  return match[1]!;
}
