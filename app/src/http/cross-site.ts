import type { RequestHandler } from 'express';
import { HttpError } from '../errors/http-error';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Refuses writes that a browser sends on behalf of another site (a hidden form on evil.example posting here).
 * Browsers say where a request comes from: Sec-Fetch-Site (all current browsers) or else Origin. A request
 * that sends neither (curl, scripts, the tests' HTTP clients) is not a browser acting for another site, so it
 * passes; the JSON API needs application/json anyway, which a cross-site form cannot send.
 */
export function refuseCrossSiteWrites(): RequestHandler {
  return (req, _res, next) => {
    if (!UNSAFE.has(req.method)) return next();
    const fetchSite = req.get('sec-fetch-site');
    if (fetchSite !== undefined) {
      // same-origin: our own form; none: the user typed or bookmarked it. same-site (a sibling subdomain) is
      // another origin too.
      return next(fetchSite === 'same-origin' || fetchSite === 'none' ? undefined : refused());
    }
    const origin = req.get('origin');
    if (origin === undefined) return next();
    next(sameHost(origin, req.hostname) ? undefined : refused());
  };
}

function sameHost(origin: string, hostname: string): boolean {
  try {
    // "null" (sandboxed frames, some redirects) does not parse: refused.
    return new URL(origin).hostname === hostname;
  } catch {
    return false;
  }
}

function refused(): HttpError {
  return new HttpError(403, 'Cross-site form posts are not accepted');
}
