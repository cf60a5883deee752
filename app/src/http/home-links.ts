import type { Express } from 'express';

/** A link on the home page or in the header. Features add their own, so removing one removes its links. */
export interface HomeLink {
  href: string;
  label: string;
}

/** What a feature links from the shared pages. `mine.href` is followed by the signed-in account's id. */
export interface FeatureLinks {
  nav: HomeLink[];
  home: HomeLink[];
  mine?: HomeLink;
}

type LinkLocals = { homeLinks?: HomeLink[]; navLinks?: HomeLink[]; mineLink?: HomeLink | null };

/** The list home.ejs renders (app.locals.homeLinks), created on first use. */
export function homeLinks(app: Express): HomeLink[] {
  const locals = app.locals as LinkLocals;
  locals.homeLinks ??= [];
  return locals.homeLinks;
}

/** Adds a feature's links: the header's navigation (navLinks), the home page, the account page (mineLink). */
export function addFeatureLinks(app: Express, links: FeatureLinks): void {
  const locals = app.locals as LinkLocals;
  locals.navLinks = [...(locals.navLinks ?? []), ...links.nav];
  homeLinks(app).push(...links.home);
  // null until a feature has one: the views test it, and an undefined local would not even exist for EJS.
  locals.mineLink = links.mine ?? locals.mineLink ?? null;
}
