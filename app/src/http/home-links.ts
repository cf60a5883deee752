import type { Express } from 'express';

/** A link on the home page. Features add their own, so removing a feature removes its link too. */
export interface HomeLink {
  href: string;
  label: string;
}

/** The list home.ejs renders (app.locals.homeLinks), created on first use. */
export function homeLinks(app: Express): HomeLink[] {
  const locals = app.locals as { homeLinks?: HomeLink[] };
  locals.homeLinks ??= [];
  return locals.homeLinks;
}
