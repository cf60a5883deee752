/**
 * wrk (Debian's package) as a second load generator: the same URL, connections and duration as one of the
 * bench's autocannon runs, so the two can be compared. Only 127.0.0.1.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface WrkResult {
  rps: number;
  p50_ms: number;
  p99_ms: number;
  requests: number;
  /** Responses outside 2xx and 3xx. */
  non2xx3xx: number;
}

/** A wrk latency like "812.00us", "24.51ms" or "1.02s", in milliseconds. */
export function wrkMs(value: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(value.trim());
  if (!m) throw new Error(`not a wrk latency: ${value}`);
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 's' ? n * 1000 : n;
}

/** Reads wrk --latency output: requests/sec, the 50th and 99th percentiles, counts. */
export function parseWrk(output: string): WrkResult {
  const field = (re: RegExp, what: string) => {
    const m = re.exec(output);
    if (!m?.[1]) throw new Error(`wrk printed no ${what}:\n${output}`);
    return m[1];
  };
  return {
    rps: Number(field(/^Requests\/sec:\s+([\d.]+)/m, 'Requests/sec')),
    p50_ms: wrkMs(field(/^\s+50%\s+(\S+)/m, '50th percentile')),
    p99_ms: wrkMs(field(/^\s+99%\s+(\S+)/m, '99th percentile')),
    requests: Number(field(/^\s+(\d+) requests in/m, 'request count')),
    non2xx3xx: Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(output)?.[1] ?? 0),
  };
}

/** One wrk run, or null when wrk is not installed (apt-get install wrk). */
export async function wrk(
  url: string,
  opts: { connections: number; duration: number; headers?: Record<string, string> },
): Promise<WrkResult | null> {
  if (!url.startsWith('http://127.0.0.1:')) throw new Error(`refusing to load anything but loopback: ${url}`);
  const threads = Math.min(2, opts.connections);
  const headers = Object.entries(opts.headers ?? {}).flatMap(([k, v]) => ['-H', `${k}: ${v}`]);
  const args = [
    '-t',
    String(threads),
    '-c',
    String(opts.connections),
    '-d',
    `${opts.duration}s`,
    '--latency',
  ];
  try {
    const { stdout } = await run('wrk', [...args, ...headers, url], { timeout: (opts.duration + 30) * 1000 });
    return parseWrk(stdout);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}
