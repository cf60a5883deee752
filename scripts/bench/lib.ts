/** Small helpers shared by the benchmark scripts (Docker CLI, compose, ports, autocannon, memory). */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import autocannon from 'autocannon';
import getPort from 'get-port';
import { docker } from '../../test/support/docker';

export { docker };
export const projectRoot = path.resolve(__dirname, '..', '..');

/** Loads .offline/env (image names of the offline toolchain) into process.env without overriding set values. */
export function loadOfflineEnv(): void {
  const file = path.join(projectRoot, '.offline', 'env');
  if (!existsSync(file)) return;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m && process.env[m[1]!] === undefined) process.env[m[1]!] = m[2]!;
  }
}

/** `docker compose -p project -f a -f b ...args` with extra environment for ${VAR} substitution. */
export function compose(
  project: string,
  files: string[],
  args: string[],
  env: Record<string, string> = {},
): Promise<string> {
  const fileArgs = files.flatMap((f) => ['-f', path.join(projectRoot, f)]);
  return docker(['compose', '-p', project, ...fileArgs, ...args], { ...process.env, ...env });
}

/**
 * Every port the stack publishes, on free host ports, so the bench never collides with a running stack.
 * HTTPS is published too (the edge listens on 8443) though the bench only loads plain HTTP.
 */
export async function freePorts(): Promise<{ HTTP_PORT: string; HTTPS_PORT: string }> {
  return { HTTP_PORT: String(await getPort()), HTTPS_PORT: String(await getPort()) };
}

/** An error's message without docker compose's progress lines: the lines that say what went wrong. */
export function briefError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const lines = message
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const telling = lines.filter((l) => /error|failed|denied|unhealthy|refus|timeout|exit/i.test(l));
  return (telling.length ? telling : lines).slice(-4).join(' | ').slice(0, 1500);
}

export const seconds = (fromMs: number) => Math.round((Date.now() - fromMs) / 10) / 100;

/** What one scenario sends: a method, an Accept header and, for writes, a body. */
export interface RequestSpec {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
}

export interface LoadResult {
  name: string;
  method: 'GET' | 'POST';
  /** 'load': autocannon for a fixed time; 'sequential': one connection, a fixed count (slow endpoints). */
  mode: 'load' | 'sequential';
  /** The unmeasured warm-up request's time and status. */
  probe_ms?: number;
  probe_status?: number;
  url: string;
  connections: number;
  duration_s: number;
  requests: number;
  ok: number;
  non2xx: number;
  /** Connection errors and timeouts (autocannon counts a timeout in both). */
  errors: number;
  timeouts: number;
  /** Successful (2xx) responses per second over the whole run. */
  rps: number;
  p50_ms: number;
  p99_ms: number;
  bytes_per_response: number;
  /** Responses by HTTP status, e.g. { "200": 812 } or { "504": 2 }. */
  statuses: Record<string, number>;
}

/**
 * One autocannon run, bounded both in time (duration) and, when given, in count (amount). Nothing here
 * leaves the machine: every URL is 127.0.0.1.
 */
export async function load(
  name: string,
  url: string,
  opts: {
    connections?: number;
    duration?: number;
    amount?: number;
    /** With duration: stop early after this many requests (bounded writes). */
    maxRequests?: number;
    timeout?: number;
    mode?: LoadResult['mode'];
    request?: RequestSpec;
  } = {},
): Promise<LoadResult> {
  if (!url.startsWith('http://127.0.0.1:')) throw new Error(`refusing to load anything but loopback: ${url}`);
  const connections = opts.connections ?? 10;
  const method = opts.request?.method ?? 'GET';
  const started = Date.now();
  const r = await autocannon({
    url,
    connections,
    duration: opts.duration ?? 5,
    // amount makes autocannon ignore duration; maxOverallRequests bounds a timed run instead.
    ...(opts.amount ? { amount: opts.amount } : {}),
    ...(opts.maxRequests ? { maxOverallRequests: Math.max(opts.maxRequests, connections) } : {}),
    timeout: opts.timeout ?? 30,
    method,
    headers: { accept: 'text/html', ...opts.request?.headers },
    ...(opts.request?.body !== undefined ? { body: opts.request.body } : {}),
  });
  const elapsed = (Date.now() - started) / 1000;
  const duration = Math.max(0.001, Math.min(elapsed, r.duration || elapsed));
  const ok = r['2xx'];
  const total = ok + r.non2xx;
  return {
    name,
    method,
    mode: opts.mode ?? 'load',
    url,
    connections,
    duration_s: Math.round(duration * 100) / 100,
    requests: total,
    ok,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    // One connection and 1-2 requests: autocannon's run lasts at least a 1 s tick, so the rate comes from the
    // requests' own time (mean latency) instead, else a fast endpoint would read as at most 2 req/s.
    rps:
      (opts.mode ?? 'load') === 'sequential' && connections === 1 && r.latency.mean > 0 && total > 0
        ? Math.round((1000 / r.latency.mean) * (ok / total) * 100) / 100
        : Math.round((ok / duration) * 100) / 100,
    p50_ms: r.latency.p50,
    p99_ms: r.latency.p99,
    bytes_per_response: total ? Math.round(r.throughput.total / total) : 0,
    statuses: Object.fromEntries(
      Object.entries(
        (r as unknown as { statusCodeStats?: Record<string, { count: number }> }).statusCodeStats ?? {},
      ).map(([code, v]) => [code, v.count]),
    ),
  };
}

/** Resident memory (VmRSS, MB) of the container's node server process, read from /proc inside it. */
export async function serverRssMb(containerId: string): Promise<number | undefined> {
  const script =
    'for p in /proc/[0-9]*; do if grep -q "server.js" "$p/cmdline" 2>/dev/null; then ' +
    'grep VmRSS "$p/status"; fi; done';
  try {
    const out = await docker(['exec', containerId, 'sh', '-c', script]);
    const kb = Math.max(...[...out.matchAll(/VmRSS:\s+(\d+)\s+kB/g)].map((m) => Number(m[1])));
    return Number.isFinite(kb) ? Math.round(kb / 1024) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * CPU time a container has used so far, in ms (its cgroup's counter: v2 cpu.stat, else v1 cpuacct), read
 * inside it so the host's cgroup layout does not matter. undefined when it cannot be read.
 */
export async function containerCpuMs(containerId: string): Promise<number | undefined> {
  const script =
    'if [ -r /sys/fs/cgroup/cpu.stat ]; then sed -n "s/^usage_usec //p" /sys/fs/cgroup/cpu.stat; ' +
    'else echo $(( $(cat /sys/fs/cgroup/cpuacct/cpuacct.usage) / 1000 )); fi';
  try {
    const usec = Number((await docker(['exec', containerId, 'sh', '-c', script])).trim());
    return Number.isFinite(usec) && usec > 0 ? usec / 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** Samples `sample` every `everyMs` until `work` settles; returns work's result and every sample. */
export async function sampleDuring<T, S>(
  work: Promise<T>,
  sample: () => Promise<S | undefined>,
  everyMs = 1000,
): Promise<{ result: T; samples: S[] }> {
  const samples: S[] = [];
  let done = false;
  const sampler = (async () => {
    await new Promise((r) => setTimeout(r, everyMs));
    while (!done) {
      const s = await sample();
      if (s !== undefined) samples.push(s);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  try {
    return { result: await work, samples };
  } finally {
    done = true;
    await sampler;
  }
}

/**
 * Measures one URL. A first, unmeasured request warms it up and tells how slow it is: when it takes more
 * than `slowMs`, a time-bounded run would end before any answer (and leave abandoned requests loading the
 * server), so the endpoint is measured with `sequentialCount` requests on one connection instead.
 */
export async function measure(
  name: string,
  url: string,
  opts: {
    connections: number;
    duration: number;
    slowMs?: number;
    sequentialCount?: number;
    maxRequests?: number;
    /** Measure sequentially whatever the probe says. */
    sequential?: boolean;
    request?: RequestSpec;
  },
): Promise<LoadResult> {
  const request = opts.request ?? {};
  const t = Date.now();
  const probe = await fetch(url, {
    method: request.method ?? 'GET',
    headers: { accept: 'text/html', ...request.headers },
    ...(request.body !== undefined ? { body: request.body } : {}),
    redirect: 'manual',
    signal: AbortSignal.timeout(300_000),
  });
  await probe.arrayBuffer();
  const probe_ms = Date.now() - t;
  const probe_status = probe.status;
  const sequential = (amount: number) =>
    load(name, url, { connections: 1, amount, timeout: 300, mode: 'sequential', request });
  const slow = opts.sequential === true || probe_ms > (opts.slowMs ?? 1000);
  // Very slow (over 5 s): one more request is enough to measure, and keeps the whole bench bounded.
  const count = probe_ms > 5_000 ? 1 : (opts.sequentialCount ?? 2);
  let r = slow
    ? await sequential(count)
    : await load(name, url, {
        connections: opts.connections,
        duration: opts.duration,
        ...(opts.maxRequests ? { maxRequests: opts.maxRequests } : {}),
        request,
      });
  // Fast alone but slower than the whole run under concurrency: no answer came back in time, so there is
  // nothing to report. Measure it the slow way instead (the abandoned requests finish first, on one socket).
  if (!slow && r.requests === 0 && r.errors === 0) r = await sequential(count);
  return { ...r, probe_ms, probe_status };
}
