import type { Request, RequestHandler } from 'express';

/** The label for every response no route matched (scanners' 404s): one value, so they cannot grow the series. */
export const UNMATCHED = 'unmatched';

const PATTERN = Symbol('routePattern');
type Tracked = Request & { [PATTERN]?: string };

/**
 * Remembers the matched route's full pattern: req.baseUrl + req.route.path, e.g. /api/posts/:id.
 * Express sets req.route when a route matches, while req.baseUrl still holds its router's mount path; by the
 * time the response ends, an error passed to next() has taken req.baseUrl back to '' (the router restores
 * it on the way out). So the pattern is read at that moment, through a setter on req.route.
 * Mount it before every router.
 */
export const trackRoutePattern: RequestHandler = (req, _res, next) => {
  let route: unknown;
  Object.defineProperty(req, 'route', {
    configurable: true,
    enumerable: true,
    get: () => route,
    set: (value: { path?: unknown } | undefined) => {
      route = value;
      if (value) (req as Tracked)[PATTERN] = joinPattern(req.baseUrl, value.path);
    },
  });
  next();
};

function joinPattern(baseUrl: string, path: unknown): string {
  const tail = typeof path === 'string' ? path : String(path);
  const joined = baseUrl + (tail === '/' && baseUrl ? '' : tail);
  return joined || '/';
}

/**
 * The route pattern a finished request matched. No route: `unmatched` for a 404; the mount path plus /*
 * for middleware that answered under a mount (express.static at /public); `unmatched` otherwise.
 */
export function routePattern(req: Request, status: number): string {
  const pattern = (req as Tracked)[PATTERN];
  if (pattern) return pattern;
  if (status !== 404 && req.baseUrl) return `${req.baseUrl}/*`;
  return UNMATCHED;
}
