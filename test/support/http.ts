import { randomBytes } from 'node:crypto';
import path from 'node:path';
import axios, { type AxiosInstance } from 'axios';
import { loadConfig, type Config } from '../../app/src/config';
import { startServer, type RunningServer } from '../../app/src/server';

/**
 * Headers for a request nginx's micro-cache never answers (it skips any request with a cookie): for tests
 * about the app behind nginx (its logs, its replicas, its restarts) rather than about the cache.
 */
export const uncached = { cookie: 'uncached=1' } as const;

/** A short random suffix that keeps test data unique. */
export const suffix = (): string => randomBytes(4).toString('hex');

/**
 * The tests' one HTTP client: never throws on a status and never follows redirects (tests assert on the
 * 303s and 5xx themselves). Resilience tests also use load.ts's raw node:http sender, which must send
 * malformed requests an HTTP client would refuse or repair.
 */
export function httpClient(baseURL: string): AxiosInstance {
  return axios.create({ baseURL, validateStatus: () => true, maxRedirects: 0, timeout: 15_000 });
}

/** A database name derived from the test file, so files sharing one MongoDB container never see each other's data. */
export function dbNameFor(testFile: string): string {
  return `it_${path
    .basename(testFile)
    .replace(/\.test\.ts$/, '')
    .replace(/[^A-Za-z0-9]/g, '_')}`.slice(0, 60);
}

/** Config for an in-process server on a random port against the integration MongoDB. */
export function testConfig(env: Record<string, string> = {}): Config {
  const uri = process.env.INTEGRATION_MONGO_URI;
  if (!uri)
    throw new Error('INTEGRATION_MONGO_URI is not set: run through the integration project (global setup)');
  return loadConfig({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DB_HOST: `${uri}/test`,
    DB_CONNECT_RETRY_INITIAL_MS: '100',
    DB_CONNECT_RETRY_MAX_MS: '1000',
    DB_SERVER_SELECTION_TIMEOUT_MS: '2000',
    DB_HEARTBEAT_MS: '500',
    // Tests insert and then read totals at once; the reuse of a total is tested on its own (cached-for).
    LISTING_TOTAL_CACHE_MS: '0',
    ...env,
  });
}

export interface TestServer {
  running: RunningServer;
  http: AxiosInstance;
}

/** Starts the app in-process and waits until MongoDB is connected. */
export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const running = await startServer(testConfig(env));
  await running.dbReady;
  return { running, http: httpClient(running.url) };
}
