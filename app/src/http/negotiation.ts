import type { Request } from 'express';

/** JSON for the API, the probes and JSON-only clients; HTML pages for everyone else. */
export function wantsJson(req: Request): boolean {
  if (
    req.path.startsWith('/api/') ||
    req.path === '/api' ||
    req.path === '/healthz' ||
    req.path === '/readyz'
  )
    return true;
  return prefersJson(req);
}

/** Pages are HTML-first: JSON only for a client that accepts JSON but not HTML (e.g. Accept: application/json). */
export function prefersJson(req: Request): boolean {
  return !req.accepts('html') && Boolean(req.accepts('json'));
}
