import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request } from 'express';
import pino, { type Logger, type LoggerOptions } from 'pino';
import type { Options as PinoHttpOptions } from 'pino-http';
import type { Config } from './config';
import { routePattern } from './metrics/route-pattern';
import { PRODUCT } from './product';

export type { Logger };

/**
 * JSON logs to stdout, tagged with the product's slug (package.json name) as the service. In development on
 * a terminal, pino-pretty (a devDependency) prints them readably instead; everywhere else, including the dev
 * container, stays JSON (`npm run logs` pretty-prints the stack's).
 */
export function createLogger(config: Pick<Config, 'logLevel' | 'version' | 'env'>): Logger {
  const options: LoggerOptions = {
    level: config.logLevel,
    base: { service: PRODUCT.slug, version: config.version, env: config.env },
    redact: {
      paths: ['req.headers.cookie', 'req.headers.authorization', '*.password'],
      censor: '[redacted]',
    },
  };
  const pretty = config.env === 'development' && process.stdout.isTTY && prettyAvailable();
  if (pretty) return pino({ ...options, transport: { target: 'pino-pretty' } });
  // Written off the request path: lines that arrive while a write is under way go out together in one
  // write (not one syscall per request), with nothing held back. pino flushes what is left at exit.
  return pino(options, pino.destination({ dest: 1, sync: false }));
}

function prettyAvailable(): boolean {
  try {
    require.resolve('pino-pretty');
    return true;
  } catch {
    return false; // a production install (npm ci --omit=dev): JSON it is
  }
}

/** Probes and scrapes come every second or so from Docker and Prometheus: debug, whatever they answer. */
const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

const pathOf = (req: IncomingMessage) => ((req as Request).originalUrl ?? req.url ?? '').split('?')[0] ?? '';

/** What one request line says: method, route pattern, path, status, duration, client IP (reqId is bound). */
function requestLine(req: IncomingMessage, res: ServerResponse, durationMs: number) {
  return {
    method: req.method,
    route: routePattern(req as Request, res.statusCode),
    path: pathOf(req).slice(0, 200),
    status: res.statusCode,
    durationMs,
    clientIp: (req as Request).ip,
  };
}

/**
 * pino-http options for one compact line per request (about 250 bytes instead of every header). Handlers'
 * own req.log lines carry just the request id. Errors keep their message; the stack is logged once by the
 * error handler.
 */
export const requestLogOptions: PinoHttpOptions = {
  quietReqLogger: true,
  quietResLogger: true,
  customLogLevel: (req, res, err) => {
    if (QUIET_PATHS.has(pathOf(req))) return 'debug';
    if (err || res.statusCode >= 500) return 'error';
    if (res.statusCode >= 400) return 'warn';
    return 'info';
  },
  customSuccessObject: (req, res, value: { responseTime: number }) =>
    requestLine(req, res, value.responseTime),
  customErrorObject: (req, res, err: Error, value: { responseTime: number }) => ({
    ...requestLine(req, res, value.responseTime),
    err: err.message,
  }),
  customSuccessMessage: (req, res) => `${req.method} ${pathOf(req).slice(0, 200)} ${res.statusCode}`,
  customErrorMessage: (req, res) => `${req.method} ${pathOf(req).slice(0, 200)} ${res.statusCode}`,
};
