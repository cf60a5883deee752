import type { RequestHandler } from 'express';
import type { mongo } from 'mongoose';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { httpMetrics } from './http-metrics';
import { mongoPoolMetrics } from './mongo-pool';
import { trackRoutePattern } from './route-pattern';

export interface Metrics {
  registry: Registry;
  /** Remembers each request's route pattern (for the histogram and the request log): mount before everything. */
  trackRoutePattern: RequestHandler;
  /** The request histogram and in-flight gauge: mount before every router. */
  requests: RequestHandler;
  /** GET /metrics in Prometheus' text format. A request that came through a proxy gets a 404 instead. */
  endpoint: RequestHandler;
  /** Follows a MongoDB driver client's pool events (Database.onClient calls it for each new client). */
  watchMongoClient(client: mongo.MongoClient): void;
  /** What app_ready reports at each scrape: the same condition the app serves database pages under. */
  setReadinessProbe(isReady: () => boolean): void;
}

/** One registry per app (tests run several apps in one process), with the default Node metrics. */
export function createMetrics(opts: { version: string }): Metrics {
  const registry = new Registry();
  // process_* and nodejs_*: CPU, RSS, heap, event-loop lag, GC, handles.
  collectDefaultMetrics({ register: registry });

  let isReady: () => boolean = () => false;
  new Gauge({
    name: 'app_ready',
    help: '1 while the app can serve (MongoDB connected and not shutting down), else 0',
    registers: [registry],
    collect() {
      this.set(isReady() ? 1 : 0);
    },
  });
  new Gauge({
    name: 'app_info',
    help: 'Always 1; the version label says which build runs',
    labelNames: ['version'] as const,
    registers: [registry],
  }).set({ version: opts.version }, 1);

  const pool = mongoPoolMetrics(registry);
  return {
    registry,
    trackRoutePattern,
    requests: httpMetrics(registry),
    endpoint: async (req, res, next) => {
      // nginx (any proxy) adds X-Forwarded-For; Prometheus scrapes the app's port directly and never does.
      // So even a spelling nginx's own block misses (/METRICS: Express matches paths case-insensitively)
      // cannot reach the numbers from outside.
      if (req.headers['x-forwarded-for'] !== undefined) {
        next();
        return;
      }
      const body = await registry.metrics();
      res.set('Cache-Control', 'no-store').type(registry.contentType).send(body);
    },
    watchMongoClient: (client) => pool.watch(client),
    setReadinessProbe: (probe) => {
      isReady = probe;
    },
  };
}
