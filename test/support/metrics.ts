import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import mongoose from 'mongoose';
import pino from 'pino';
import { createApp } from '../../app/src/app';
import type { Readiness } from '../../app/src/health/health.routes';
import { createMetrics, type Metrics } from '../../app/src/metrics/metrics';
import { getAccountModels } from '../../app/src/users/user.model';
import { resource } from '../../app/src/resource';
import { httpClient } from './http';

/** Prometheus text of one sample, e.g. sample(text, 'app_ready') or sample(text, 'x', 'route="/a"'). */
export function sample(text: string, name: string, labels = ''): number | undefined {
  const line = text
    .split('\n')
    .find(
      (l) =>
        l.startsWith(`${name}${labels ? `{` : ''}`) && (!labels || l.includes(labels)) && !l.startsWith('#'),
    );
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/**
 * The real createApp() with no database (every database page answers 503, /readyz too), a fake connection
 * state, and JSON log lines captured in `logs`. Served on 127.0.0.1 on a free port.
 */
export async function serveApp(opts: { connected?: boolean; logLevel?: string } = {}) {
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) logs.push(JSON.parse(line));
      done();
    },
  });
  const logger = pino({ level: opts.logLevel ?? 'debug' }, sink);
  const state = { connected: opts.connected ?? false };
  const readiness: Readiness = { shuttingDown: false };
  const metrics: Metrics = createMetrics({ version: '9.9.9-test' });
  const db = {
    get state() {
      return state.connected ? 'connected' : 'disconnected';
    },
    ping: async () => state.connected,
    isConnected: () => state.connected,
  };
  const unconnected = mongoose.createConnection();
  const app = createApp({
    config: {
      appName: 'Metrics Test',
      env: 'test',
      version: '9.9.9-test',
      listingTotalCacheMs: 0,
      bodyLimit: '100kb',
      registration: 'open',
      session: { secret: 'metrics-test', idleMinutes: 10, absoluteHours: 1 },
      db: { queryTimeoutMs: 1000 },
    },
    logger,
    db,
    model: resource.model(unconnected),
    accounts: getAccountModels(unconnected),
    mongoClient: new Promise(() => {}), // never connects: no page here reads a session
    readiness,
    metrics,
  });
  const server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    app,
    http: httpClient(baseUrl),
    metrics,
    logs,
    state,
    readiness,
    scrape: async () => (await httpClient(baseUrl).get<string>('/metrics', { responseType: 'text' })).data,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
