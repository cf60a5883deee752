import type { RequestHandler } from 'express';
import { Gauge, Histogram, type Registry } from 'prom-client';
import { routePattern } from './route-pattern';

/** Seconds; dense around the 500 ms the /posts latency alert watches. */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

// Methods outside this list (PROPFIND from scanners, ...) share one label value.
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * http_request_duration_seconds{method,route,status} and http_requests_in_flight. Needs trackRoutePattern
 * before the routers. A request the client abandoned before the answer counts with status 499 (nginx's
 * "client closed request").
 */
export function httpMetrics(registry: Registry): RequestHandler {
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from the request reaching Express to the end of the response, by route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  const inFlight = new Gauge({
    name: 'http_requests_in_flight',
    help: 'Requests being handled right now',
    registers: [registry],
  });

  return (req, res, next) => {
    const end = duration.startTimer();
    inFlight.inc();
    // 'close' fires once per response: after 'finish', or alone when the connection dropped first.
    res.once('close', () => {
      inFlight.dec();
      const status = res.writableFinished ? res.statusCode : 499;
      end({
        method: KNOWN_METHODS.has(req.method) ? req.method : 'OTHER',
        route: routePattern(req, status),
        status: String(status),
      });
    });
    next();
  };
}
