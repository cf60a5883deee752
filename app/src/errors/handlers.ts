import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import { classifyError, HttpError, type ErrorMapper } from './http-error';

/** Seconds a client should wait before retrying a 503 that did not say otherwise. */
const DEFAULT_RETRY_AFTER_S = '5';

export const notFoundHandler: RequestHandler = (_req, _res, next) => {
  next(new HttpError(404, 'Not found'));
};

export interface ErrorHandlerOptions {
  showStack: boolean;
  /** Whether this request gets a JSON error or an HTML page: the app knows its routes, this layer does not. */
  wantsJson: (req: Request) => boolean;
  /** Classifiers for errors this layer must not know about (e.g. the database's, from db/errors.ts). */
  mappers?: readonly ErrorMapper[];
}

export function errorHandler(opts: ErrorHandlerOptions): ErrorRequestHandler {
  const mappers = opts.mappers ?? [];
  // Express recognises error handlers by their four parameters, so `_next` must stay.
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  return (err, req, res, _next) => {
    const c = classifyError(err, mappers);
    if (c.unexpected) req.log?.error({ err }, 'unhandled error');
    else if (c.status >= 500)
      req.log?.warn({ err: (err as Error)?.message, status: c.status }, 'service unavailable');

    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.status(c.status);
    if (c.status === 503) res.setHeader('Retry-After', DEFAULT_RETRY_AFTER_S);
    if (c.status >= 500) res.setHeader('Cache-Control', 'no-store');
    for (const [name, value] of Object.entries(c.headers ?? {})) res.setHeader(name, value);

    if (opts.wantsJson(req)) {
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
