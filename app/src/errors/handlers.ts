import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import { classifyError, HttpError } from './http-error';

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

export const notFoundHandler: RequestHandler = (_req, _res, next) => {
  next(new HttpError(404, 'Not found'));
};

export function errorHandler(opts: { showStack: boolean }): ErrorRequestHandler {
  // Express recognises error handlers by their four parameters, so `_next` must stay.
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  return (err, req, res, _next) => {
    const c = classifyError(err);
    if (c.unexpected) req.log?.error({ err }, 'unhandled error');
    else if (c.status >= 500)
      req.log?.warn({ err: (err as Error)?.message, status: c.status }, 'service unavailable');

    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.status(c.status);
    if (c.status === 503) res.setHeader('Retry-After', '5');
    if (c.status >= 500) res.setHeader('Cache-Control', 'no-store');

    if (wantsJson(req)) {
      res.json(c.fields ? { error: c.message, fields: c.fields } : { error: c.message });
      return;
    }
    const view = c.status === 404 ? '404' : c.status === 503 ? '503' : c.status >= 500 ? '500' : 'error';
    const stack = opts.showStack && c.unexpected && err instanceof Error ? err.stack : undefined;
    res.render(
      view,
      { title: `${c.status} ${c.message}`, status: c.status, message: c.message, stack },
      (renderErr, html) => {
        if (renderErr) {
          req.log?.error({ err: renderErr }, 'error page failed to render');
          res.type('text/plain').send(`${c.status} ${c.message}`);
          return;
        }
        res.send(html);
      },
    );
  };
}
