import http from 'node:http';
import net from 'node:net';
import { uncached } from './http';
import { postPaths } from './posts';
import { sleep } from './wait';

/** Outcome of one request: an HTTP status, or 0 with the error when no response came back at all. */
export interface Outcome {
  at: number;
  path: string;
  status: number;
  body: string;
  error?: string;
  ms: number;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });

/**
 * One request with node:http, which sends what it is given (no normalising of paths or bodies), unlike the
 * tests' axios client (../../support/http.ts), which would refuse or repair malformed input. Never
 * throws: a network error or timeout becomes status 0. Only ever used against 127.0.0.1.
 */
export function request(
  baseUrl: string,
  path: string,
  opts: {
    method?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    timeoutMs?: number;
  } = {},
): Promise<Outcome> {
  const url = new URL(baseUrl);
  if (url.hostname !== '127.0.0.1') throw new Error(`loopback only: ${baseUrl}`);
  if (/[^\u0021-\u00ff]/.test(path)) {
    // node:http refuses such a path (spaces, control characters): send the bytes as they are instead.
    const head = Object.entries({ host: url.host, accept: 'text/html', ...opts.headers, connection: 'close' })
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
    const body = opts.body === undefined ? Buffer.alloc(0) : Buffer.from(opts.body);
    const length = opts.body === undefined ? '' : `content-length: ${body.length}\r\n`;
    const line = Buffer.from(`${opts.method ?? 'GET'} ${path} HTTP/1.1\r\n${head}${length}\r\n`, 'latin1');
    return rawRequest(Number(url.port), Buffer.concat([line, body]), opts.timeoutMs ?? 20_000);
  }
  const started = Date.now();
  return new Promise((resolve) => {
    const done = (status: number, body: string, error?: string) =>
      resolve({ at: started, path, status, body, error, ms: Date.now() - started });
    const req = http.request(
      {
        host: url.hostname,
        port: Number(url.port),
        path,
        method: opts.method ?? 'GET',
        headers: { accept: 'text/html', ...opts.headers },
        agent,
        timeout: opts.timeoutMs ?? 20_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8')));
        res.on('error', (e) => done(0, '', `response: ${e.message}`));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => done(0, '', e.message));
    if (opts.body !== undefined) req.end(opts.body);
    else req.end();
  });
}

/**
 * Sends raw bytes on a fresh TCP connection (for request lines and headers that an HTTP client would refuse
 * or fix) and returns the status of the first response line; 0 when the server closed without answering.
 */
export function rawRequest(
  port: number,
  bytes: Buffer | string,
  timeoutMs = 10_000,
  opts: { halfClose?: boolean } = {},
): Promise<Outcome> {
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (error?: string) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      const bodyAt = text.indexOf('\r\n\r\n');
      resolve({
        at: started,
        path: String(bytes).slice(0, 80),
        status: m ? Number(m[1]) : 0,
        body: bodyAt >= 0 ? text.slice(bodyAt + 4) : '',
        error: m ? undefined : (error ?? 'no response'),
        ms: Date.now() - started,
      });
    };
    socket.setTimeout(timeoutMs, () => finish('timeout'));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => finish());
    socket.on('close', () => finish());
    socket.on('error', (e) => finish(e.message));
    if (opts.halfClose)
      socket.end(bytes); // then the server sees the end of the request body early
    else socket.write(bytes);
  });
}

/**
 * Steady, bounded load: `concurrency` loops, each sending one request then pausing `pauseMs`, until stop()
 * or `maxMs` or `maxRequests`. Keep concurrency * 1000 / pauseMs below nginx's 20 r/s per-IP limit.
 */
export function steadyLoad(
  send: () => Promise<Outcome>,
  opts: { concurrency: number; pauseMs: number; maxMs: number; maxRequests: number },
): { outcomes: Outcome[]; stop: () => Promise<Outcome[]> } {
  const outcomes: Outcome[] = [];
  const deadline = Date.now() + opts.maxMs;
  let stopped = false;
  const loops = Array.from({ length: opts.concurrency }, async () => {
    while (!stopped && Date.now() < deadline && outcomes.length < opts.maxRequests) {
      outcomes.push(await send());
      await sleep(opts.pauseMs);
    }
  });
  return {
    outcomes,
    stop: async () => {
      stopped = true;
      await Promise.all(loops);
      return outcomes;
    },
  };
}

/**
 * The resource's list page through nginx from two loops, each pausing `pauseMs` (150 ms: ~13 requests/s, below
 * nginx's 20 r/s per-IP limit), until stop() or the bounds: the steady traffic every restart/outage test watches.
 */
export function listPageLoad(
  baseUrl: string,
  bounds: { maxMs: number; maxRequests: number; pauseMs?: number },
): ReturnType<typeof steadyLoad> {
  const { pauseMs = 150, ...limits } = bounds;
  // Past the micro-cache: the load is there to reach the app replicas that a test restarts or kills.
  return steadyLoad(() => request(baseUrl, postPaths.list, { headers: uncached }), {
    concurrency: 2,
    pauseMs,
    ...limits,
  });
}

/**
 * "N requests, F failed, statuses {...}" plus the first five failures (status, error, and what `detail`
 * adds): the line a load test logs, so a red run says what went wrong without a rerun.
 */
export function loadSummary(
  outcomes: Outcome[],
  detail: (failure: Outcome) => Record<string, unknown> = () => ({}),
): string {
  const failed = outcomes.filter((o) => o.status !== 200);
  const head = `${outcomes.length} requests, ${failed.length} failed, statuses ${JSON.stringify(statusCounts(outcomes))}`;
  if (!failed.length) return head;
  const first = failed.slice(0, 5).map((f) => ({ s: f.status, e: f.error, ...detail(f) }));
  return `${head}; first failures ${JSON.stringify(first)}`;
}

/** Runs `tasks` with at most `concurrency` at once; results keep the tasks' order. */
export async function pool<T>(tasks: (() => Promise<T>)[], concurrency: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < tasks.length) {
        const i = next++;
        results[i] = await tasks[i]!();
      }
    }),
  );
  return results;
}

/** Status histogram, e.g. { "200": 120, "503": 4, "0": 1 }. */
export function statusCounts(outcomes: Outcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of outcomes) counts[o.status] = (counts[o.status] ?? 0) + 1;
  return counts;
}
