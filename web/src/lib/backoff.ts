// Polling with exponential backoff (the discovery stream does not exist yet, so the scan bar polls).
export function backoffDelay(attempt: number, baseMs = 500, maxMs = 8000): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt));
}

/** Call `probe` until it says done, waiting longer after each try; stops when `signal` aborts. */
export async function pollWithBackoff<T>(
  probe: () => Promise<{ done: boolean; value: T }>,
  opts: { signal?: AbortSignal; baseMs?: number; maxMs?: number; maxAttempts?: number; sleep?: (ms: number) => Promise<void> } = {},
): Promise<T> {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const maxAttempts = opts.maxAttempts ?? 60;
  for (let attempt = 0; ; attempt++) {
    if (opts.signal?.aborted) throw new DOMException("aborted", "AbortError");
    const { done, value } = await probe();
    if (done || attempt + 1 >= maxAttempts) return value;
    await sleep(backoffDelay(attempt, opts.baseMs, opts.maxMs));
  }
}
