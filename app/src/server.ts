import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { createApp } from './app';
import { ConfigError, loadConfig, type Config } from './config';
import { Database } from './db/database';
import type { Readiness } from './health/health.routes';
import { createLogger, type Logger } from './logger';
import { createMetrics } from './metrics/metrics';
import type { MongoClient } from 'mongodb';
import { createSessionIndex } from './users/session';
import { getAccountModels } from './users/user.model';
import { seedIfEmpty } from './seed/seed';
import { resource } from './resource';

export interface RunningServer {
  config: Config;
  logger: Logger;
  app: Express;
  server: http.Server;
  db: Database;
  readiness: Readiness;
  port: number;
  url: string;
  /** Resolves once MongoDB is connected (and, with SEED_ON_START=if-empty, seeding has finished). */
  dbReady: Promise<void>;
}

const stopping = new WeakMap<RunningServer, Promise<void>>();

/**
 * Listens right away (so /healthz and 503 pages work while MongoDB is late), then connects with retry
 * in the background. Never rejects because of the database.
 */
export async function startServer(config: Config, opts: { logger?: Logger } = {}): Promise<RunningServer> {
  const logger = opts.logger ?? createLogger(config);
  const db = new Database(config.db, logger);
  const model = resource.model(db.connection);
  const readiness: Readiness = { shuttingDown: false };
  const metrics = createMetrics({ version: config.version });
  db.onClient((client) => metrics.watchMongoClient(client));
  // The client of the attempt that connected (a failed attempt's client is closed): sessions use it.
  let clientConnected: (client: MongoClient) => void = () => {};
  const mongoClient = new Promise<MongoClient>((resolve) => (clientConnected = resolve));
  const accounts = getAccountModels(db.connection);
  const app = createApp({
    config,
    logger,
    db,
    model,
    accounts,
    mongoClient,
    dbName: config.db.dbName,
    readiness,
    metrics,
  });

  const server = http.createServer(app);
  // Idle keep-alive connections must outlive nginx's (60 s) so nginx never reuses a socket we just closed.
  server.keepAliveTimeout = config.keepAliveTimeoutMs;
  server.headersTimeout = config.headersTimeoutMs;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  logger.info({ port, host: config.host }, 'http server listening');

  const dbReady = db.connectWithRetry().then(async () => {
    if (db.isConnected()) {
      clientConnected(db.connection.getClient() as MongoClient);
      await createSessionIndex(db.connection).catch((err: unknown) =>
        logger.error(
          { err },
          'creating the sessions TTL index failed: expired sessions stay until it exists',
        ),
      );
    }
    if (!db.isConnected() || config.seed.onStart !== 'if-empty') return;
    try {
      await model.init();
      await Promise.all([accounts.User.init(), accounts.ApiToken.init()]);
      await seedIfEmpty(db.connection, model, { count: config.seed.count, logger });
    } catch (err) {
      logger.error({ err }, 'seed on start failed (the app keeps running)');
    }
  });

  return { config, logger, app, server, db, readiness, port, url: `http://${host}:${port}`, dbReady };
}

/**
 * Graceful stop, in order: readiness -> 503; (optional SHUTDOWN_DELAY_MS while still accepting, so a load
 * balancer notices); stop accepting and close idle keep-alive sockets; let in-flight requests finish
 * (sockets still busy after the drain budget are cut); close MongoDB. Safe to call twice.
 */
export function stopServer(running: RunningServer): Promise<void> {
  const existing = stopping.get(running);
  if (existing) return existing;
  const { server, db, logger, readiness, config } = running;
  const p = (async () => {
    readiness.shuttingDown = true;
    logger.info('shutting down: readiness is now 503');
    if (config.shutdownDelayMs > 0) await new Promise((r) => setTimeout(r, config.shutdownDelayMs));

    const drainBudget = Math.max(500, config.shutdownTimeoutMs - config.shutdownDelayMs - 1_500);
    const force = setTimeout(() => {
      logger.warn('drain budget exhausted, closing remaining connections');
      server.closeAllConnections();
    }, drainBudget);
    force.unref();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
    clearTimeout(force);
    logger.info('http server closed');
    await db.close();
    logger.info('mongodb connection closed');
  })();
  stopping.set(running, p);
  return p;
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exit(1);
  }
  const logger = createLogger(config);
  process.on('uncaughtException', (err) => {
    logger.fatal({ err }, 'uncaught exception, exiting');
    process.exit(1);
  });
  process.on('unhandledRejection', (reason) => {
    logger.error({ err: reason }, 'unhandled promise rejection');
  });

  let running: RunningServer;
  try {
    running = await startServer(config, { logger });
  } catch (err) {
    logger.fatal({ err }, 'could not start the http server');
    process.exit(1);
  }

  const onSignal = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'signal received');
    // Hard stop below Docker's 10 s SIGKILL; unref'd so it never keeps the process alive by itself.
    setTimeout(() => {
      logger.error('graceful shutdown timed out, exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();
    stopServer(running).then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}

if (require.main === module) void main();
