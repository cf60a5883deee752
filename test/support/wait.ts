/** Resolves after `ms` milliseconds: the one sleep the tests use. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface EventuallyOptions {
  /** Give up after this long (default 30 s). The check always runs at least once. */
  timeoutMs?: number;
  /** Pause between attempts (default 250 ms). */
  everyMs?: number;
}

/**
 * Retries an assertion until it passes, for things that become true later (logs flushed, a container
 * healthy, nginx noticing a replica).
 *
 * Contract: `check` is an assertion function. It passes by returning (any value, returned by eventually)
 * and fails by throwing, typically with expect(). When the time runs out, eventually rethrows the LAST
 * error itself, so the test fails with that expect's own message, never a generic "timed out".
 * A check that returns a boolean is a mistake (a `false` would pass silently), so it throws at once.
 */
export async function eventually<T>(
  check: () => T | Promise<T>,
  options: EventuallyOptions = {},
): Promise<T> {
  const { timeoutMs = 30_000, everyMs = 250 } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let value: T;
    try {
      value = await check();
    } catch (error) {
      if (Date.now() + everyMs > deadline) throw error;
      await sleep(everyMs);
      continue;
    }
    if (typeof value === 'boolean') {
      throw new TypeError(
        'eventually: the check returned a boolean; assert inside it with expect() instead, so a failure says why',
      );
    }
    return value;
  }
}
