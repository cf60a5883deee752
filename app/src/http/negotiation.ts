import type { Request } from 'express';

/** Pages are HTML-first: JSON only for a client that accepts JSON but not HTML (e.g. Accept: application/json). */
export function prefersJson(req: Request): boolean {
  return !req.accepts('html') && Boolean(req.accepts('json'));
}

/** JSON under the given path prefixes (the API, the probes) and for JSON-only clients; HTML pages otherwise. */
export function jsonUnder(prefixes: readonly string[]): (req: Request) => boolean {
  return (req) =>
    prefixes.some((prefix) => req.path === prefix || req.path.startsWith(`${prefix}/`)) || prefersJson(req);
}
