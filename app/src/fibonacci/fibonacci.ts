import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { HttpError } from '../errors/http-error';

/** fib(38) takes ~0.5-1 s of one CPU core with the naive recursion; 39+ starts to take seconds. */
export const FIB_MIN = 0;
export const FIB_MAX = 38;

/**
 * The deliberately slow recursive version from the original app (it is a CPU-load demo for autoscaling
 * exercises). Kept as plain JS source so the worker runs the same code from src (tsx/ts-jest) and dist.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
parentPort.postMessage(fib(workerData));
`;

export function fibonacciSync(n: number): number {
  return n < 2 ? n : fibonacciSync(n - 1) + fibonacciSync(n - 2);
}

export type FibParse = { ok: true; n: number } | { ok: false; error: string };

/** Accepts only a plain whole number FIB_MIN..FIB_MAX ("07" is fine, "1e3", "-1", "3.5", "abc" are not). */
export function parseFibonacciN(raw: unknown): FibParse {
  if (typeof raw !== 'string' || !/^\d{1,3}$/.test(raw)) {
    return { ok: false, error: `n must be a whole number from ${FIB_MIN} to ${FIB_MAX}` };
  }
  const n = Number(raw);
  if (n < FIB_MIN || n > FIB_MAX)
    return { ok: false, error: `n must be a whole number from ${FIB_MIN} to ${FIB_MAX}` };
  return { ok: true, n };
}

/** The demo's own "come back later": a 503 the error handler answers like any other HttpError. */
export function fibonacciBusy(): HttpError {
  return new HttpError(503, 'Too many fibonacci computations in progress', undefined, {
    headers: { 'Retry-After': '5' },
  });
}

/**
 * Runs each computation in its own worker thread, so the event loop keeps serving other requests.
 * At most `maxConcurrent` run at once (one per CPU by default); up to `maxQueued` wait; more -> fibonacciBusy() (503).
 */
export class FibonacciRunner {
  private running = 0;
  private readonly queue: Array<() => void> = [];

  constructor(
    private readonly maxConcurrent = Math.max(1, os.availableParallelism()),
    private readonly maxQueued = 100,
  ) {}

  /** `signal`: the client went away; a queued computation never starts, a running one's worker is terminated. */
  async compute(n: number, signal?: AbortSignal): Promise<number> {
    if (this.running >= this.maxConcurrent) {
      if (this.queue.length >= this.maxQueued) throw fibonacciBusy();
      await new Promise<void>((resolve) => this.queue.push(resolve));
    }
    this.running++;
    try {
      signal?.throwIfAborted();
      return await runInWorker(n, signal);
    } finally {
      this.running--;
      this.queue.shift()?.();
    }
  }
}

/** Workers started so far; the tests read it to see that an aborted computation never started one. */
export const workerStats = { started: 0, terminated: 0 };

function runInWorker(n: number, signal?: AbortSignal): Promise<number> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: n });
    workerStats.started++;
    const onAbort = () => {
      workerStats.terminated++;
      reject(signal?.reason instanceof Error ? signal.reason : new Error('fibonacci computation aborted'));
      void worker.terminate();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.once('message', (value: number) => resolve(value));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      signal?.removeEventListener('abort', onAbort);
      if (code !== 0) reject(new Error(`fibonacci worker exited with code ${code}`));
    });
  });
}
