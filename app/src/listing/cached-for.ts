/**
 * `load`, remembered for `ttlMs`: callers within that time share one result, and concurrent callers share one
 * pending call. A failure is never remembered, so the next caller tries again. ttlMs 0 never remembers.
 */
export function cachedFor<T>(
  ttlMs: number,
  load: () => Promise<T>,
  now: () => number = Date.now,
): () => Promise<T> {
  let cached: { value: Promise<T>; at: number } | undefined;
  return () => {
    const at = now();
    if (cached && at - cached.at < ttlMs) return cached.value;
    const entry = { value: load(), at };
    cached = entry;
    entry.value.catch(() => {
      if (cached === entry) cached = undefined;
    });
    return entry.value;
  };
}
